//! Auditing an image before trusting it: what its config and history leak, and what its layers
//! still carry.
//!
//! Two halves, both pure logic (no I/O of their own, so they compile to wasm):
//!
//! - [`secrets`] / [`config_secrets`]: secret-looking `NAME=value` assignments and `user:pass@`
//!   URL credentials in `Env`, label values and every history `created_by`. History is part of
//!   the config: a build argument or `ENV` secret stays in the image even when no file holds it.
//! - [`FileAudit`]: applies the layers one by one (through the union model of [`crate::apply`])
//!   and records what each layer did to every path: files deleted by a later layer (their bytes
//!   still ship in the lower blob), files overwritten across layers, secret-looking file names
//!   (present or deleted), world-writable files, set-id binaries, and a dive-style efficiency score.
//!
//! ## Efficiency (as dive computes it)
//!
//! Every version of a path that a layer writes counts its size (files; links and directories
//! count 0), and a deletion counts as a version of size 0. For each path,
//! `total` = Σ sizes of its versions and `min` = the smallest. Then
//!
//! ```text
//! efficiency = Σ min / Σ total  =  1 − wasted / total,   wasted = Σ (total − min)
//! ```
//!
//! which is dive's `filetree.Efficiency` (wagoodman/dive, `dive/filetree/efficiency.go`): a file
//! written once scores 1; a file overwritten wastes the bigger copies; a file deleted later wastes
//! all of its bytes. One deliberate difference: dive sizes a whiteout of a *directory* as the
//! directory's contents both in `min` and in `total`, so deleting a whole directory never lowers
//! its score; here each file under a deleted directory gets its own 0-size version, so it does.
//! dive's "potential wasted space" is Σ `total` over paths seen in two or more layers (the kept
//! copy included); it is reported as [`Efficiency::dive_wasted_bytes`] beside the stricter
//! [`Efficiency::wasted_bytes`].

mod files;
mod secrets;

pub use files::{
    mode_text, DeletedFile, Efficiency, FileAudit, FileReport, ModeFinding, OverwrittenFile, PathWaste, SecretFile,
};
pub use secrets::{
    config_secrets, is_secret_file_name, is_secret_name, mask, secrets, secrets_in_text, SecretFinding, SecretRule,
};
