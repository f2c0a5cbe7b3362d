//! The fuzz targets (`openvisit_web::fuzzing`, run deep by `fuzz/` under libFuzzer) run
//! here for a bounded time in CI: every committed seed, real offers from a WebRTC
//! stack, and thousands of mutations of each. A panic anywhere fails the test.

use openvisit_media::loopback::OfferingPeer;

/// xorshift64*: reproducible, so a failure names its round.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }
}

/// Text that tends to break parsers: huge numbers, separators, odd Unicode, JSON and
/// SDP punctuation.
const TOKENS: &[&str] = &[
    "99999999999999999999",
    "-1",
    "0",
    ":",
    ";",
    ",",
    "\"",
    "\r\n",
    "\n",
    "=",
    "-",
    "24:00",
    "25:61",
    "\u{0}",
    "é",
    "\u{202e}",
    "{",
    "}",
    "[",
    "]",
    "null",
    "a=mid:",
    "m=video 9 ",
    "a=candidate:",
    "a=rtpmap:",
    "a=fmtp:",
    "a=ssrc:",
    "a=extmap:",
    "%",
    "%FF",
    "&",
    "+",
    "mon-sun",
    "🙂",
];

fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(data.len() + 1);
        match rng.below(7) {
            0 if !data.is_empty() => {
                let i = at.min(data.len() - 1);
                data[i] ^= 1 << rng.below(8);
            }
            1 => {
                let end = (at + rng.below(64)).min(data.len());
                data.drain(at..end);
            }
            2 => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                data.splice(at..at, token.iter().copied());
            }
            3 => data.truncate(at),
            4 => {
                // Repeat a stretch: long lines, many sections, deep nesting.
                let end = (at + rng.below(200)).min(data.len());
                let piece = data[at..end].to_vec();
                for _ in 0..rng.below(20) {
                    data.splice(at..at, piece.iter().copied());
                }
            }
            5 => {
                let n = rng.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| (rng.next() & 0xff) as u8).collect();
                data.splice(at..at, bytes);
            }
            _ => {
                let i = at.min(data.len().saturating_sub(1));
                if let Some(b) = data.get_mut(i) {
                    *b = b.wrapping_add(1);
                }
            }
        }
    }
    data
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read(e.path()).ok())
        .collect();
    if target == "sdp_offer" {
        for offering in [OfferingPeer::party, OfferingPeer::monitor] {
            let peer = offering(std::net::IpAddr::from([127, 0, 0, 1])).expect("peer");
            out.push(peer.offer_sdp.clone().into_bytes());
        }
    }
    assert!(!out.is_empty(), "no seeds for {target}");
    out
}

#[test]
fn every_parser_of_outside_input_survives_its_corpus_and_mutations() {
    const ROUNDS: usize = 4_000;
    for (name, target) in openvisit_web::fuzzing::TARGETS {
        let seeds = seeds(name);
        for s in &seeds {
            target(s);
        }
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ name.len() as u64);
        for round in 0..ROUNDS {
            let seed = &seeds[round % seeds.len()];
            let input = mutate(seed, &mut rng);
            let caught = std::panic::catch_unwind(|| target(&input));
            assert!(
                caught.is_ok(),
                "{name} panicked on round {round}: {:?}",
                String::from_utf8_lossy(&input)
            );
        }
    }
}
