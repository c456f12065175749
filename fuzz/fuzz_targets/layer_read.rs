//! The layer reader: any bytes, gzip or not. It must return Ok or a one-line error, never panic,
//! and every entry it yields must obey the rules downstream code relies on.
#![no_main]

use std::io::Read;

use imagekit::layer::{for_each_entry, EntryKind, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_uncompressed: 64 << 20, ..Limits::default() };
    let result = for_each_entry(data, "fuzz", &limits, |mut e| {
        assert!(
            !e.path.starts_with('/') && !e.path.split('/').any(|c| c == ".." || c == "." || c.is_empty())
                || e.path.is_empty() && e.kind == EntryKind::Opaque,
            "{:?}",
            e.path
        );
        assert!(e.path.len() <= limits.max_path_len && e.path.split('/').count() <= limits.max_path_depth);
        assert!(e.uid < u64::from(u32::MAX) && e.gid < u64::from(u32::MAX));
        assert!(e.mode <= 0o7777);
        if e.kind == EntryKind::Symlink {
            assert!(!e.link.as_deref().unwrap_or_default().is_empty());
        }
        let mut sink = Vec::new();
        let n = e.read_to_end(&mut sink).map_err(|err| imagekit::Error::io("reading", err))?;
        assert_eq!(n as u64, if e.kind == EntryKind::File { e.size } else { 0 });
        Ok(())
    });
    if let Err(e) = result {
        assert!(!e.to_string().contains('\n'), "{e}");
    }
});
