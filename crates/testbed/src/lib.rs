//! The workspace's test bed, shared by `xtask` (registry, bench, the book's serve tests) and the
//! CLI's registry tests: one place that finds free loopback ports, decides whether an external
//! oracle is present, skipped or required, and runs Debian's `docker-registry` on loopback; and
//! (feature `tars`, for the library's and the CLI's tests) writes tarballs by hand, hostile ones
//! included.

mod noise;
mod oracle;
mod port;
pub mod registry;
#[cfg(feature = "tars")]
pub mod tars;

pub use noise::noise;
pub use oracle::{oracle, oracles_required, which, Oracle};
pub use port::free_port;
pub use registry::{ping, Registry, RegistryOptions};
