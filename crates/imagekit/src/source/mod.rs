//! Naming a source, as skopeo names its transports: `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`,
//! `docker-archive:FILE[:REF]` (`-` is standard input), `docker://REF`, `store:REF`,
//! `snapshot:REF[@DATE]`. Users already know these names from skopeo and podman.
//!
//! [`Spec::parse`] only reads the string; [`open`] opens the sources this crate holds bytes for
//! (the offline snapshot is records without bytes, and lives with the command line).

use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::error::{Error, Result};
use crate::image::Source;
use crate::layout::Layout;

pub use crate::archive::ArchiveSource;

/// A source, as named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    Oci {
        dir: PathBuf,
        tag: Option<String>,
    },
    OciArchive {
        file: String,
        tag: Option<String>,
    },
    DockerArchive {
        file: String,
        reference: Option<String>,
    },
    /// `docker://REF`: a registry, read directly.
    Registry {
        reference: String,
    },
    Store {
        reference: String,
    },
    Snapshot {
        reference: String,
    },
    /// No transport: a layout directory, an archive file, or a reference (store, else snapshot).
    Bare(String),
}

/// How a transport reads what follows its name.
type ReadRest = fn(&str) -> Spec;

/// The transports whose name is followed by a path or reference, and how each reads it.
const TRANSPORTS: [(&str, ReadRest); 5] = [
    ("oci-archive:", |rest| {
        let (file, tag) = split(rest);
        Spec::OciArchive { file, tag }
    }),
    ("docker-archive:", |rest| {
        let (file, reference) = split(rest);
        Spec::DockerArchive { file, reference }
    }),
    ("oci:", |rest| {
        let (dir, tag) = split(rest);
        Spec::Oci { dir: PathBuf::from(dir), tag }
    }),
    ("store:", |rest| Spec::Store { reference: rest.to_string() }),
    ("snapshot:", |rest| Spec::Snapshot { reference: rest.to_string() }),
];

/// `PATH[:REST]`: the first colon ends the path, as skopeo's transports read it; the rest is a
/// tag or a reference that may hold colons of its own (`nginx:1.27-alpine`).
fn split(rest: &str) -> (String, Option<String>) {
    match rest.split_once(':') {
        Some((path, tail)) if !tail.is_empty() => (path.to_string(), Some(tail.to_string())),
        Some((path, _)) => (path.to_string(), None),
        None => (rest.to_string(), None),
    }
}

impl Spec {
    pub fn parse(input: &str) -> Result<Spec> {
        let bad = |reason: &str| Err(Error::InvalidReference { input: input.to_string(), reason: reason.to_string() });
        if let Some(rest) = input.strip_prefix("docker://") {
            if rest.is_empty() {
                return bad("docker:// needs a reference, e.g. docker://nginx:1.27-alpine");
            }
            return Ok(Spec::Registry { reference: rest.to_string() });
        }
        for (prefix, read) in TRANSPORTS {
            let Some(rest) = input.strip_prefix(prefix) else { continue };
            if rest.is_empty() {
                return bad(&format!("{prefix} needs a path or reference after it"));
            }
            return Ok(read(rest));
        }
        if input.starts_with("docker:") {
            return bad("the registry transport is written docker://REF");
        }
        Ok(Spec::Bare(input.to_string()))
    }
}

/// Open a source that holds bytes on disk: `oci:`, `oci-archive:`, `docker-archive:`.
/// `tag` is the `--tag` flag, for layouts and OCI archives that name none in the spec.
pub fn open_file_source(spec: &Spec, tag: Option<&str>) -> Result<Option<Rc<dyn Source>>> {
    let pick = |own: &Option<String>| own.clone().or(tag.map(str::to_string));
    Ok(Some(match spec {
        Spec::Oci { dir, tag: own } => Rc::new(Layout::open(dir)?.source(pick(own).as_deref())),
        Spec::OciArchive { file, tag: own } => Rc::new(ArchiveSource::oci_archive(file, pick(own).as_deref())?),
        Spec::DockerArchive { file, reference } => {
            Rc::new(ArchiveSource::docker_archive(file, pick(reference).as_deref())?)
        }
        _ => return Ok(None),
    }))
}

/// What a bare argument names on disk, if anything: a layout directory or an archive file.
pub fn bare_path(arg: &str) -> Result<Option<Spec>> {
    let path = Path::new(arg);
    if path.join("oci-layout").is_file() {
        return Ok(Some(Spec::Oci { dir: path.to_path_buf(), tag: None }));
    }
    if path.is_dir() {
        return Err(Error::InvalidLayout {
            path: arg.to_string(),
            reason: "a directory but not an OCI image layout (no oci-layout file)".into(),
        });
    }
    if path.is_file() {
        // `docker save` output and OCI archives are both read by docker-archive: (Docker 25+
        // writes an OCI layout); an OCI archive with several tags needs oci-archive:FILE:TAG.
        return Ok(Some(Spec::DockerArchive { file: arg.to_string(), reference: None }));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transports_parse_as_skopeo_writes_them() {
        assert_eq!(
            Spec::parse("oci:demo/web:v1").unwrap(),
            Spec::Oci { dir: "demo/web".into(), tag: Some("v1".into()) }
        );
        assert_eq!(Spec::parse("oci:demo/web").unwrap(), Spec::Oci { dir: "demo/web".into(), tag: None });
        assert_eq!(
            Spec::parse("docker-archive:-:nginx:1.27-alpine").unwrap(),
            Spec::DockerArchive { file: "-".into(), reference: Some("nginx:1.27-alpine".into()) }
        );
        assert_eq!(Spec::parse("oci-archive:web.tar").unwrap(), Spec::OciArchive { file: "web.tar".into(), tag: None });
        assert_eq!(
            Spec::parse("docker://127.0.0.1:5000/web:v4").unwrap(),
            Spec::Registry { reference: "127.0.0.1:5000/web:v4".into() }
        );
        assert_eq!(Spec::parse("store:web:1").unwrap(), Spec::Store { reference: "web:1".into() });
        assert_eq!(
            Spec::parse("snapshot:nginx:1.27-alpine@2025-01-08").unwrap(),
            Spec::Snapshot { reference: "nginx:1.27-alpine@2025-01-08".into() }
        );
        assert_eq!(Spec::parse("nginx:1.27-alpine").unwrap(), Spec::Bare("nginx:1.27-alpine".into()));
    }

    #[test]
    fn empty_and_misspelled_transports_are_one_line_errors() {
        for bad in ["oci:", "docker://", "docker:nginx", "store:"] {
            let err = Spec::parse(bad).unwrap_err().to_string();
            assert!(err.starts_with("invalid reference"), "{bad}: {err}");
        }
    }
}
