//! The workspace's test bed, shared by `xtask` (registry, bench, the book's serve tests) and the
//! CLI's registry tests: one place that finds free loopback ports, decides whether an external
//! oracle is present, skipped or required, and runs Debian's `docker-registry` on loopback.

mod oracle;
mod port;
pub mod registry;

pub use oracle::{oracle, oracles_required, which, Oracle};
pub use port::free_port;
pub use registry::{ping, Registry, RegistryOptions};
