//! Janus as a child process: its configuration in a temporary folder, started pinned to
//! a core, ready when its API answers, killed at the end; and what it costs, from /proc
//! (CPU time of its media thread and of the whole process, resident memory).

use std::net::{IpAddr, Ipv4Addr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::api;

/// The committed configuration (crates/openvisit-bench/janus), written into each run's
/// temporary folder.
const MAIN_CONFIG: &str = include_str!("../../../janus/janus.jcfg");
const VIDEOROOM_CONFIG: &str = include_str!("../../../janus/janus.plugin.videoroom.jcfg");
const HTTP_CONFIG: &str = include_str!("../../../janus/janus.transport.http.jcfg");

/// Threads whose names start with this carry Janus's media (`event_loops = 1`: one,
/// `hloop 0`, for every handle).
const MEDIA_THREADS: &str = "hloop";

/// Where the `janus` binary is, if it is on the PATH.
pub(crate) fn binary() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("janus"))
            .find(|p| p.is_file())
    })
}

/// The host's own IPv4 address (not loopback): Janus gathers no candidates on loopback
/// interfaces, so it and the peers use this one (the kernel still routes it over `lo`).
pub(crate) fn host_ipv4() -> Option<Ipv4Addr> {
    // Connecting a UDP socket sends nothing; it only picks the route's source address.
    let routed = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|s| s.connect((Ipv4Addr::new(8, 8, 8, 8), 53)).map(|()| s))
        .and_then(|s| s.local_addr())
        .ok()
        .and_then(|a| match a.ip() {
            IpAddr::V4(ip) if !ip.is_loopback() && !ip.is_unspecified() => Some(ip),
            _ => None,
        });
    routed.or_else(|| {
        let out = Command::new("ip")
            .args(["-4", "-o", "addr", "show", "scope", "global"])
            .output()
            .ok()?;
        first_global_ipv4(&String::from_utf8_lossy(&out.stdout))
    })
}

/// The first address in `ip -4 -o addr` output.
fn first_global_ipv4(listing: &str) -> Option<Ipv4Addr> {
    listing.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        words.find(|w| *w == "inet")?;
        let (ip, _) = words.next()?.split_once('/')?;
        ip.parse::<Ipv4Addr>().ok().filter(|ip| !ip.is_loopback())
    })
}

/// The HTTP transport's configuration with its `port` set (Janus has no flag for it).
fn with_port(config: &str, port: u16) -> String {
    config
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("port =") {
                format!("\tport = {port}")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A free TCP port on loopback (free when asked; Janus binds it a moment later).
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// CPU seconds Janus has used: its media threads, and the whole process.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Cpu {
    pub media: f64,
    pub process: f64,
}

/// A running Janus, killed and its folder removed when dropped.
pub(crate) struct Janus {
    child: Child,
    dir: PathBuf,
    pub port: u16,
}

impl Janus {
    /// Starts Janus from a fresh temporary folder holding the committed configuration,
    /// on `core` if given (`taskset`), its candidates on `host`; returns once
    /// `/janus/info` answers.
    pub(crate) async fn start(
        binary: &Path,
        core: Option<usize>,
        host: Ipv4Addr,
    ) -> anyhow::Result<Janus> {
        let port = free_port()?;
        let dir = std::env::temp_dir().join(format!(
            "openvisit-bench-janus-{}-{port}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("janus.jcfg"), MAIN_CONFIG)?;
        std::fs::write(dir.join("janus.plugin.videoroom.jcfg"), VIDEOROOM_CONFIG)?;
        std::fs::write(
            dir.join("janus.transport.http.jcfg"),
            with_port(HTTP_CONFIG, port),
        )?;
        let log = std::fs::File::create(dir.join("janus.log"))?;
        let mut command = match core {
            Some(core) => {
                let mut c = Command::new("taskset");
                c.args(["-c", &core.to_string()]).arg(binary);
                c
            }
            None => Command::new(binary),
        };
        command
            .arg("-C")
            .arg(dir.join("janus.jcfg"))
            .arg("-F")
            .arg(&dir)
            .arg("-E")
            .arg(host.to_string())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        // taskset executes janus in its own process: the child's id is Janus's.
        let child = command.spawn().context("starting janus")?;
        let mut janus = Janus { child, dir, port };
        let until = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = janus.child.try_wait()? {
                anyhow::bail!(
                    "janus exited at start ({status}); its log: {}",
                    janus.log_tail()
                );
            }
            if api::get(port, "/janus/info").await.is_ok() {
                return Ok(janus);
            }
            if Instant::now() > until {
                anyhow::bail!(
                    "janus did not answer /janus/info within 15 s; its log: {}",
                    janus.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("janus.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(5)..].join(" | ")
    }

    fn proc(&self) -> PathBuf {
        PathBuf::from(format!("/proc/{}", self.child.id()))
    }

    /// CPU seconds used so far, if /proc could be read.
    pub(crate) fn cpu(&self) -> Option<Cpu> {
        let process = std::fs::read_to_string(self.proc().join("stat")).ok()?;
        let (_, process_ticks) = parse_stat(&process)?;
        let mut media = 0;
        for task in std::fs::read_dir(self.proc().join("task")).ok()?.flatten() {
            let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
                continue;
            };
            if let Some((name, ticks)) = parse_stat(&stat)
                && name.starts_with(MEDIA_THREADS)
            {
                media += ticks;
            }
        }
        Some(Cpu {
            media: media as f64 / TICKS_PER_SECOND,
            process: process_ticks as f64 / TICKS_PER_SECOND,
        })
    }

    /// Janus's resident memory in bytes.
    pub(crate) fn resident(&self) -> Option<u64> {
        parse_vm_rss(&std::fs::read_to_string(self.proc().join("status")).ok()?)
    }
}

impl Drop for Janus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Clock ticks per second of /proc's CPU times (`USER_HZ`, 100 on Linux), as
/// `threads::thread_cpu` counts them for OpenVisit's media thread.
const TICKS_PER_SECOND: f64 = 100.0;

/// A /proc `stat` line's command name and CPU ticks (user + system, fields 14 and 15).
/// The name is in parentheses and may hold spaces and parentheses (`hloop 0`): the
/// fields are counted after the last `)`.
fn parse_stat(stat: &str) -> Option<(&str, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?;
    let fields: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    // After the name: state is field 3, so field n is at index n - 3.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((name, utime + stime))
}

/// `VmRSS` from a /proc `status` file, in bytes.
fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_stat_line_gives_its_name_and_cpu_ticks() {
        let line = "4242 (hloop 0) R 1 4200 4200 0 -1 4194560 120 0 0 0 \
                    731 269 0 0 20 0 12 0 5555 123456789 2048 18446744073709551615";
        assert_eq!(parse_stat(line), Some(("hloop 0", 1000)));
        // A name with a closing parenthesis of its own.
        let odd = "7 (a) b) S 1 7 7 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 1 1 1";
        assert_eq!(parse_stat(odd), Some(("a) b", 11)));
        assert_eq!(parse_stat("7 (short) S 1 2"), None);
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn resident_memory_is_read_in_bytes() {
        let status = "Name:\tjanus\nVmPeak:\t  900000 kB\nVmRSS:\t   51234 kB\nThreads:\t12\n";
        assert_eq!(parse_vm_rss(status), Some(51_234 * 1024));
        assert_eq!(parse_vm_rss("Name:\tjanus\n"), None);
    }

    #[test]
    fn the_http_port_is_rewritten_and_nothing_else() {
        let config = "general: {\n\tjson = \"plain\"\n\tport = 8088\n\tip = \"127.0.0.1\"\n}";
        let out = with_port(config, 40123);
        assert!(out.contains("\tport = 40123\n"), "{out}");
        assert!(!out.contains("8088"), "{out}");
        assert!(out.contains("ip = \"127.0.0.1\""), "{out}");
        // The committed file has the line to rewrite.
        assert!(with_port(HTTP_CONFIG, 1).contains("port = 1\n"));
    }

    #[test]
    fn the_first_global_address_is_found() {
        let listing = "4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever\n\
                       5: eth1    inet 10.0.0.7/8 scope global eth1\n";
        assert_eq!(
            first_global_ipv4(listing),
            Some(Ipv4Addr::new(192, 0, 2, 2))
        );
        assert_eq!(first_global_ipv4(""), None);
    }
}
