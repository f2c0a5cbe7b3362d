#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| openvisit_web::fuzzing::form_bodies(data));
