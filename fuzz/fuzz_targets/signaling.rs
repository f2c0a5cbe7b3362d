#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| openvisit_web::fuzzing::signaling(data));
