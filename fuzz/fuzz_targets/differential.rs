//! Differential: for every layer sequence, the in-memory tree (and audit, built on it) and the
//! on-disk unpack accept or refuse together; when they accept, they hold the same paths, types,
//! modes, owners, link targets and contents, and every path audit names exists on disk.
#![no_main]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use imagekit::apply::{NodeKind, Tree, Unpacker};
use imagekit::audit::FileAudit;
use imagekit::layer::Limits;
use imagekit_fuzz_support::split_layers;
use libfuzzer_sys::fuzz_target;

/// (kind, mode, uid, gid, link target or contents) per path.
type Listing = BTreeMap<String, (&'static str, u32, u64, u64, Vec<u8>)>;

fn from_tree(tree: &Tree, owners: bool) -> Listing {
    tree.iter()
        .map(|(path, n)| {
            let (uid, gid) = if owners { (n.uid, n.gid) } else { (0, 0) };
            let v = match n.kind {
                NodeKind::Dir => ("dir", n.mode, uid, gid, Vec::new()),
                NodeKind::Symlink => ("symlink", 0, uid, gid, n.link.clone().unwrap_or_default().into_bytes()),
                NodeKind::File | NodeKind::Hardlink => {
                    ("file", n.mode, uid, gid, n.contents.clone().unwrap_or_default())
                }
            };
            (path.to_string(), v)
        })
        .collect()
}

fn from_disk(root: &Path, owners: bool) -> Listing {
    let mut out = Listing::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_str().unwrap().to_string();
            let m = fs::symlink_metadata(&path).unwrap();
            let (uid, gid) = if owners { (u64::from(m.uid()), u64::from(m.gid())) } else { (0, 0) };
            let mode = m.permissions().mode() & 0o7777;
            let v = if m.is_dir() {
                todo.push(path.clone());
                ("dir", mode, uid, gid, Vec::new())
            } else if m.file_type().is_symlink() {
                ("symlink", 0, uid, gid, fs::read_link(&path).unwrap().into_os_string().into_encoded_bytes())
            } else {
                ("file", mode, uid, gid, fs::read(&path).unwrap())
            };
            out.insert(rel, v);
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_uncompressed: 16 << 20, ..Limits::default() };
    let layers = split_layers(data);

    let mut tree = Tree::with_contents();
    let mut audit = FileAudit::new();
    let memory = layers.iter().enumerate().try_for_each(|(i, l)| {
        tree.apply_layer(&l[..], i, &limits)?;
        audit.apply_layer(&l[..], &format!("#{i}"), &limits).map(drop)
    });

    let work = tempfile::tempdir().unwrap();
    let dest = work.path().join("rootfs");
    let disk = (|| {
        let mut unpacker = Unpacker::new(&dest, &limits)?;
        for (i, l) in layers.iter().enumerate() {
            unpacker.apply(&l[..], &format!("#{i}"))?;
        }
        unpacker.finish()
    })();

    match (&memory, &disk) {
        (Ok(()), Ok(_)) => {}
        (Err(_), Err(_)) => return,
        _ => panic!("memory and disk disagree: memory {memory:?}, disk {disk:?}"),
    }
    // Ownership is only set when unpacking as root.
    let owners = fs::metadata(work.path()).unwrap().uid() == 0;
    let (want, got) = (from_tree(&tree, owners), from_disk(&dest, owners));
    if want != got {
        let only_tree: Vec<_> = want.iter().filter(|(k, v)| got.get(*k) != Some(v)).collect();
        let only_disk: Vec<_> = got.iter().filter(|(k, v)| want.get(*k) != Some(v)).collect();
        panic!("the tree and the disk differ:\n tree: {only_tree:?}\n disk: {only_disk:?}");
    }
    let report = audit.finish();
    for finding in report.setid.iter().chain(&report.world_writable) {
        let rel = finding.path.trim_start_matches('/');
        assert!(
            fs::symlink_metadata(dest.join(rel)).is_ok(),
            "audit names {:?}, which unpack did not write",
            finding.path
        );
    }
    for secret in report.secret_files.iter().filter(|s| s.deleted_in.is_none()) {
        let rel = secret.path.trim_start_matches('/');
        assert!(
            fs::symlink_metadata(dest.join(rel)).is_ok(),
            "audit names {:?}, which unpack did not write",
            secret.path
        );
    }
});
