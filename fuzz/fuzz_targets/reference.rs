//! Image references: parse or fail with one line; what parses prints back to itself.
#![no_main]

use imagekit::reference::Reference;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Reference::parse(text) {
        Ok(r) => {
            let again = Reference::parse(&r.to_string()).expect("a printed reference parses");
            assert_eq!(again, r);
            let _ = (r.familiar(), r.registry_reference());
        }
        Err(e) => assert!(!e.to_string().contains('\n') || text.contains('\n'), "{e}"),
    }
});
