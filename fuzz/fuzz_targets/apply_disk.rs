//! The on-disk unpack: up to four layers into a fresh directory. Nothing may appear outside it,
//! and a refused sequence leaves nothing at all.
#![no_main]

use imagekit::apply::Unpacker;
use imagekit::layer::Limits;
use imagekit_fuzz_support::split_layers;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_uncompressed: 64 << 20, ..Limits::default() };
    let work = tempfile::tempdir().unwrap();
    let dest = work.path().join("rootfs");
    let outcome = (|| {
        let mut unpacker = Unpacker::new(&dest, &limits)?;
        for (i, layer) in split_layers(data).iter().enumerate() {
            unpacker.apply(&layer[..], &format!("#{i}"))?;
        }
        unpacker.finish()
    })();
    let beside: Vec<_> = std::fs::read_dir(work.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    match outcome {
        Ok(_) => assert_eq!(beside, vec![std::ffi::OsString::from("rootfs")]),
        Err(_) => assert!(beside.is_empty(), "a refused unpack left {beside:?}"),
    }
});
