//! Images inside a tar file: `oci-archive:FILE[:TAG]` (a tar of an OCI layout) and
//! `docker-archive:FILE[:REF]` (`docker save` output, in both of its forms).
//!
//! The tar is indexed once (path → where the file's bytes start, and how many), then blobs are
//! read straight from those offsets: nothing is extracted, and a 200 MB archive costs one pass
//! over its headers. Standard input (`-`) is copied to a temporary file first, because a
//! `docker save` stream puts `manifest.json` last.
//!
//! `docker save` wrote two forms over the years:
//! - **classic**: `manifest.json` (`[{"Config": "<hex>.json", "RepoTags": [...], "Layers":
//!   ["<id>/layer.tar", ...]}]`), the config as a file, each layer an uncompressed tar. There is
//!   no manifest blob: as skopeo does, one is synthesized (Docker schema2), with each layer's
//!   digest taken from the config's diff_ids (an uncompressed layer's digest *is* its diff_id)
//!   and verified as it is read.
//! - **Docker 25+**: an OCI image layout (`oci-layout`, `index.json`, `blobs/`) with
//!   `manifest.json` beside it; read as the layout, with the reference matched against
//!   `io.containerd.image.name` or the tag annotation.

mod tar_index;

use std::collections::HashMap;
use std::io::{self, Read};

use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::error::{Error, IoContext, Result};
use crate::image::Source;
use crate::index::Index;
use crate::index::{resolve_in_index, REF_NAME};
use crate::json::{self, Fields, FromJson, JsonError, Value};
use crate::layer::frames::{shown, shown_list};
use crate::manifest::Manifest;
use crate::media;
use crate::raw::Raw;
use crate::reference::Reference;

/// The annotation containerd (and so Docker 25+) writes with an image's full name.
const CONTAINERD_IMAGE_NAME: &str = "io.containerd.image.name";

pub use tar_index::RandomAccess;
use tar_index::{clean_path, TarIndex};

/// An OCI layout inside a tar: `oci-archive:FILE[:TAG]`, and Docker 25+ `docker save` output.
pub struct ArchiveSource {
    tar: TarIndex,
    transport: &'static str,
    wanted: Option<String>,
    /// Documents made up for a classic `docker save` (its manifest), by digest.
    synthesized: HashMap<Digest, Vec<u8>>,
    /// Blob digest → path in the archive, for forms that do not name files by digest.
    paths: HashMap<Digest, String>,
    top: Option<Descriptor>,
}

impl ArchiveSource {
    /// `oci-archive:FILE[:TAG]`.
    #[cfg(feature = "fs")]
    pub fn oci_archive(path: &str, tag: Option<&str>) -> Result<ArchiveSource> {
        Self::oci_archive_from(TarIndex::open(path)?, tag)
    }

    /// `docker-archive:FILE[:REF]`: classic or Docker 25+ `docker save` output.
    #[cfg(feature = "fs")]
    pub fn docker_archive(path: &str, reference: Option<&str>) -> Result<ArchiveSource> {
        Self::docker_archive_from(TarIndex::open(path)?, reference)
    }

    /// Any archive, in either form, from bytes that can be read at any offset (`name` names
    /// it in messages): an OCI layout inside, or `docker save` output, tried in that order.
    pub fn from_random_access(bytes: Box<dyn RandomAccess>, name: &str, wanted: Option<&str>) -> Result<ArchiveSource> {
        let tar = TarIndex::new(bytes, name)?;
        if tar.has("manifest.json") {
            Self::docker_archive_from(tar, wanted)
        } else {
            Self::oci_archive_from(tar, wanted)
        }
    }

    /// The names of the images an archive holds, in its order, each one a `wanted` that
    /// [`ArchiveSource::from_random_access`] accepts: a classic `docker save`'s RepoTags, the
    /// image names Docker 25+ records, an oci-archive's tags. For a reader (the page's
    /// explorer) to choose from when an archive holds several; unnamed images are left out.
    pub fn image_names(bytes: Box<dyn RandomAccess>, name: &str) -> Result<Vec<String>> {
        let tar = TarIndex::new(bytes, name)?;
        let docker = tar.has("manifest.json");
        if docker && !(tar.has("oci-layout") && tar.has("index.json")) {
            return Ok(classic_entries(&tar)?.into_iter().flat_map(|e| e.repo_tags.unwrap_or_default()).collect());
        }
        let index = Index::parse(tar.read_small("index.json")?)?;
        // Docker's form is asked for by reference: only the full name it records is one.
        let key = if docker { CONTAINERD_IMAGE_NAME } else { REF_NAME };
        Ok(index.value.manifests.iter().filter_map(|d| d.annotation(key).map(str::to_string)).collect())
    }

    fn oci_archive_from(tar: TarIndex, tag: Option<&str>) -> Result<ArchiveSource> {
        if !tar.has("oci-layout") || !tar.has("index.json") {
            return Err(tar.bad("not an OCI archive: it has no oci-layout and index.json (for `docker save` output, use docker-archive:)"));
        }
        let mut source = ArchiveSource::new(tar, "oci-archive", tag);
        source.top = Some(source.resolve_oci(tag, false)?);
        Ok(source)
    }

    fn docker_archive_from(tar: TarIndex, reference: Option<&str>) -> Result<ArchiveSource> {
        let mut source = ArchiveSource::new(tar, "docker-archive", reference);
        if source.tar.has("oci-layout") && source.tar.has("index.json") {
            let top = source.resolve_oci(reference, true)?;
            if source.tar.has("manifest.json") {
                source.check_forms_agree(&top, reference)?;
            }
            source.top = Some(top);
        } else if source.tar.has("manifest.json") {
            source.top = Some(source.synthesize_classic(reference)?);
        } else {
            return Err(source.tar.bad("not a docker save archive: it has neither manifest.json nor index.json"));
        }
        Ok(source)
    }

    fn new(tar: TarIndex, transport: &'static str, wanted: Option<&str>) -> ArchiveSource {
        ArchiveSource {
            tar,
            transport,
            wanted: wanted.map(str::to_string),
            synthesized: HashMap::new(),
            paths: HashMap::new(),
            top: None,
        }
    }

    /// The archive's index.json entry for `wanted`: by tag annotation, or (for Docker's form)
    /// by the full image name containerd records.
    fn resolve_oci(&self, wanted: Option<&str>, docker: bool) -> Result<Descriptor> {
        let index = Index::parse(self.tar.read_small("index.json")?)?;
        if let (true, Some(wanted)) = (docker, wanted) {
            let asked = Reference::parse(wanted)?;
            let by_name = index.value.manifests.iter().find(|d| {
                d.annotation(CONTAINERD_IMAGE_NAME).and_then(|n| Reference::parse(n).ok()).is_some_and(|r| r == asked)
            });
            if let Some(found) = by_name {
                return Ok(found.clone());
            }
            let tag = asked.tag.clone().unwrap_or_default();
            if let Some(found) = index.value.manifests.iter().find(|d| d.annotation(REF_NAME) == Some(tag.as_str())) {
                return Ok(found.clone());
            }
            let names: Vec<&str> = index
                .value
                .manifests
                .iter()
                .filter_map(|d| d.annotation(CONTAINERD_IMAGE_NAME).or(d.annotation(REF_NAME)))
                .collect();
            return Err(Error::NotFound(format!("{wanted} in {} (it holds: {})", self.tar.name, shown_list(names))));
        }
        resolve_in_index(&index.value, wanted, &self.tar.name)
    }

    /// Docker 25+ writes both forms, and readers take different ones: containerd's import
    /// reads index.json, skopeo and the classic `docker load` read manifest.json. An archive
    /// whose two forms name different images for `wanted` (a different config or layers) is
    /// refused: which image it holds would depend on who reads it.
    fn check_forms_agree(&self, top: &Descriptor, wanted: Option<&str>) -> Result<()> {
        let entries = classic_entries(&self.tar)?;
        let disagree = |why: &str| {
            self.tar.bad(format!(
                "its manifest.json and index.json name different images ({why}): docker load and containerd would load different ones"
            ))
        };
        let entry = self.classic_entry(&entries, wanted).map_err(|_| disagree("manifest.json has no such image"))?;
        let blob = |d: &Digest| format!("blobs/sha256/{}", d.hex());
        // The image manifests `top` names: itself, or (a multi-platform image) its index's.
        let manifests = match media::kind(&top.media_type) {
            media::Kind::Index => Index::parse(self.tar.read_small(&blob(&top.digest))?)?.value.manifests,
            _ => vec![top.clone()],
        };
        // A platform the archive does not hold has no blob: it is not the image in manifest.json.
        let same = |d: &Descriptor| {
            let Ok(manifest) = self.tar.read_small(&blob(&d.digest)).and_then(Manifest::parse) else { return false };
            let m = &manifest.value;
            clean_path(&entry.config) == blob(&m.config.digest)
                && entry.layers.len() == m.layers.len()
                && entry.layers.iter().zip(&m.layers).all(|(path, layer)| clean_path(path) == blob(&layer.digest))
        };
        if manifests.iter().any(same) {
            Ok(())
        } else {
            Err(disagree("another config or other layers"))
        }
    }

    /// The manifest.json entry for `wanted` (by RepoTags), or its only entry.
    fn classic_entry<'e>(&self, entries: &'e [Entry], wanted: Option<&str>) -> Result<&'e Entry> {
        let tags_of = |e: &Entry| e.repo_tags.clone().unwrap_or_default();
        Ok(match wanted {
            Some(wanted) => {
                let asked = Reference::parse(wanted)?;
                entries
                    .iter()
                    .find(|e| tags_of(e).iter().any(|t| Reference::parse(t).is_ok_and(|r| r == asked)))
                    .ok_or_else(|| {
                        let all: Vec<String> = entries.iter().flat_map(tags_of).collect();
                        let all = shown_list(all.iter().map(String::as_str));
                        Error::NotFound(format!("{wanted} in {} (it holds: {all})", self.tar.name))
                    })?
            }
            None => match entries {
                [only] => only,
                [] => return Err(self.tar.bad("manifest.json lists no image")),
                _ => {
                    let all: Vec<String> = entries.iter().flat_map(tags_of).collect();
                    return Err(Error::NotFound(format!(
                        "a single image in {}: it holds several, name one (docker-archive:FILE:REF; {})",
                        self.tar.name,
                        shown_list(all.iter().map(String::as_str))
                    )));
                }
            },
        })
    }

    fn synthesize_classic(&mut self, wanted: Option<&str>) -> Result<Descriptor> {
        let entries = classic_entries(&self.tar)?;
        let entry = self.classic_entry(&entries, wanted)?;
        let config_path = clean_path(&entry.config);
        let config_bytes = self.tar.read_small(&config_path)?;
        let config = crate::config::ImageConfig::parse(config_bytes.clone())?;
        let config_desc = Descriptor::for_bytes(media::DOCKER_CONFIG, &config_bytes);
        self.paths.insert(config_desc.digest.clone(), config_path);
        let diff_ids = &config.value.rootfs.diff_ids;
        if diff_ids.len() != entry.layers.len() {
            return Err(self.tar.bad(format!(
                "manifest.json lists {} layers but the config has {} diff_ids",
                entry.layers.len(),
                diff_ids.len()
            )));
        }
        let mut layers = Vec::new();
        for (path, diff_id) in entry.layers.iter().zip(diff_ids) {
            let path = clean_path(path);
            let size =
                self.tar.size(&path).ok_or_else(|| self.tar.bad(format!("it has no {}", shown(path.as_bytes()))))?;
            let mut magic = [0u8; 2];
            let gzip =
                self.tar.open_file(&path).expect("present").read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b];
            // An uncompressed layer's digest is its diff_id; a compressed one must be hashed.
            let (media_type, digest) = if gzip {
                let (digest, _) =
                    Digest::of_reader(self.tar.open_file(&path).expect("present")).ctx(|| format!("reading {path}"))?;
                (media::DOCKER_LAYER_GZIP, digest)
            } else {
                (media::DOCKER_LAYER_TAR, diff_id.clone())
            };
            self.paths.insert(digest.clone(), path);
            layers.push(Descriptor::new(media_type, digest, size));
        }
        let mut manifest = Manifest::new(config_desc, layers);
        manifest.media_type = Some(media::DOCKER_MANIFEST.to_string());
        let raw = Raw::encode(manifest);
        let desc = raw.descriptor(media::DOCKER_MANIFEST);
        self.synthesized.insert(desc.digest.clone(), raw.bytes().to_vec());
        Ok(desc)
    }

    /// Is this a classic `docker save` whose manifest was synthesized here?
    pub fn is_synthesized(&self) -> bool {
        !self.synthesized.is_empty()
    }
}

/// One image of a classic `docker save`'s manifest.json.
struct Entry {
    config: String,
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

/// Docker's own fields beyond these (`LayerSources`, `Parent`) are not needed to read the image.
impl FromJson for Entry {
    fn from_json(value: Value) -> std::result::Result<Self, JsonError> {
        let mut f = Fields::from_json(value)?;
        let entry =
            Entry { config: f.required("Config")?, repo_tags: f.optional("RepoTags")?, layers: f.required("Layers")? };
        f.rest()?;
        Ok(entry)
    }
}

fn classic_entries(tar: &TarIndex) -> Result<Vec<Entry>> {
    json::from_slice(&tar.read_small("manifest.json")?).map_err(|e| Error::malformed("docker save manifest.json", e))
}

impl Source for ArchiveSource {
    fn transport(&self) -> &'static str {
        self.transport
    }

    fn describe(&self) -> String {
        let mut out = format!("{}:{}", self.transport, self.tar.name);
        if let Some(w) = &self.wanted {
            out.push(':');
            out.push_str(w);
        }
        if self.is_synthesized() {
            out.push_str(", a classic docker save (manifest synthesized)");
        }
        out
    }

    fn top(&self) -> Result<Descriptor> {
        Ok(self.top.clone().expect("resolved when opened"))
    }

    fn open_raw(&self, desc: &Descriptor) -> Result<Box<dyn Read + '_>> {
        if let Some(bytes) = self.synthesized.get(&desc.digest) {
            return Ok(Box::new(io::Cursor::new(bytes.clone())));
        }
        let path = match self.paths.get(&desc.digest) {
            Some(path) => path.clone(),
            None => format!("blobs/{}/{}", desc.digest.algorithm().name(), desc.digest.hex()),
        };
        match self.tar.open_file(&path) {
            Some(slice) => Ok(Box::new(slice)),
            None => Err(Error::MissingBlob { digest: desc.digest.clone(), what: desc.media_type.clone() }),
        }
    }

    fn has(&self, desc: &Descriptor) -> Result<bool> {
        Ok(self.synthesized.contains_key(&desc.digest)
            || self.paths.contains_key(&desc.digest)
            || self.tar.has(&format!("blobs/{}/{}", desc.digest.algorithm().name(), desc.digest.hex())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::Image;
    use crate::layer::{build_from_entries, BuildOptions, Entry};
    use std::rc::Rc;

    /// A classic `docker save` archive in memory: manifest.json, the config, one layer.tar.
    fn classic_archive(layer_file: &[u8]) -> (Vec<u8>, Digest) {
        let mut layer = Vec::new();
        let info = build_from_entries(
            vec![Entry::file("etc/motd", 0o644, b"driftwood\n".to_vec())],
            &BuildOptions::default(),
            &mut layer,
        )
        .unwrap();
        // docker save's layers are uncompressed: undo the gzip the builder applied.
        let mut tar_bytes = Vec::new();
        flate2::read::GzDecoder::new(&layer[..]).read_to_end(&mut tar_bytes).unwrap();
        let config = serde_json::to_vec(&serde_json::json!({
            "architecture": "amd64", "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [info.diff_id]}
        }))
        .unwrap();
        let config_digest = Digest::of_bytes(&config);
        let manifest = serde_json::to_vec(&serde_json::json!([{
            "Config": format!("{}.json", config_digest.hex()),
            "RepoTags": ["driftwood/web:1"],
            "Layers": ["abc/layer.tar"]
        }]))
        .unwrap();
        let mut out = tar::Builder::new(Vec::new());
        let mut add = |path: &str, bytes: &[u8]| {
            let mut header = tar::Header::new_ustar();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            out.append_data(&mut header, path, bytes).unwrap();
        };
        add(&format!("{}.json", config_digest.hex()), &config);
        add("abc/layer.tar", if layer_file.is_empty() { &tar_bytes } else { layer_file });
        add("manifest.json", &manifest);
        (out.into_inner().unwrap(), info.diff_id)
    }

    #[test]
    fn a_classic_docker_save_reads_from_memory_with_its_layer_checked() {
        let (archive, diff_id) = classic_archive(b"");
        let source = ArchiveSource::from_random_access(Box::new(archive), "web.tar", Some("driftwood/web:1")).unwrap();
        assert!(source.is_synthesized());
        let image = Image::resolve(Rc::new(source), None).unwrap();
        assert_eq!(image.layers()[0].digest, diff_id, "an uncompressed layer's digest is its diff_id");
        let mut paths = Vec::new();
        image
            .for_each_entry(0, &Default::default(), |e| {
                paths.push(e.path.clone());
                Ok(())
            })
            .unwrap();
        assert!(paths.contains(&"etc/motd".to_string()), "{paths:?}");
    }

    #[test]
    fn a_layer_that_is_not_what_the_config_says_is_named() {
        let (archive, _) = classic_archive(b"not the layer the config promised, and not a tar either..");
        let image =
            Image::resolve(Rc::new(ArchiveSource::from_random_access(Box::new(archive), "t", None).unwrap()), None)
                .unwrap();
        let err = image.for_each_entry(0, &Default::default(), |_| Ok(())).unwrap_err().to_string();
        assert!(err.contains("size mismatch") || err.contains("digest mismatch"), "{err}");
    }

    #[test]
    fn truncated_and_foreign_files_get_one_line_errors() {
        let (archive, _) = classic_archive(b"");
        let cut = archive[..archive.len() / 2].to_vec();
        let err = ArchiveSource::from_random_access(Box::new(cut), "cut.tar", None).err().unwrap().to_string();
        assert!(err.contains("cut.tar") && !err.contains('\n'), "{err}");
        let err = ArchiveSource::from_random_access(Box::new(b"%PDF-1.7 not a tar".to_vec()), "x.pdf", None)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("x.pdf"), "{err}");
    }

    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = tar::Builder::new(Vec::new());
        for (path, bytes) in files {
            let mut header = tar::Header::new_ustar();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            out.append_data(&mut header, path, *bytes).unwrap();
        }
        out.into_inner().unwrap()
    }

    #[test]
    fn the_names_of_several_images_are_listed_for_a_chooser() {
        let classic = br#"[{"Config":"a.json","RepoTags":["web:1","web:latest"],"Layers":[]},
            {"Config":"b.json","RepoTags":null,"Layers":[]},{"Config":"c.json","RepoTags":["db:16"],"Layers":[]}]"#;
        let names = ArchiveSource::image_names(Box::new(tar_of(&[("manifest.json", classic)])), "two.tar").unwrap();
        assert_eq!(names, ["web:1", "web:latest", "db:16"]);

        let d = |hex: char, annotations: &str| {
            format!(
                r#"{{"mediaType":"{}","digest":"sha256:{}","size":2{annotations}}}"#,
                media::OCI_MANIFEST,
                hex.to_string().repeat(64)
            )
        };
        let index = |entries: [String; 3]| format!(r#"{{"schemaVersion":2,"manifests":[{}]}}"#, entries.join(","));
        let oci = index([
            d('a', &format!(r#","annotations":{{"{REF_NAME}":"1.0"}}"#)),
            d('b', ""),
            d('c', &format!(r#","annotations":{{"{REF_NAME}":"2.0"}}"#)),
        ]);
        let layout: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;
        let names = ArchiveSource::image_names(
            Box::new(tar_of(&[("oci-layout", layout), ("index.json", oci.as_bytes())])),
            "o",
        )
        .unwrap();
        assert_eq!(names, ["1.0", "2.0"]);
        // Docker 25+: the full name containerd records (a bare tag is no reference to ask for).
        let docker = index([
            d(
                'a',
                &format!(r#","annotations":{{"{CONTAINERD_IMAGE_NAME}":"docker.io/library/web:1","{REF_NAME}":"1"}}"#),
            ),
            d('b', &format!(r#","annotations":{{"{REF_NAME}":"16"}}"#)),
            d('c', ""),
        ]);
        let files = [("oci-layout", layout), ("index.json", docker.as_bytes()), ("manifest.json", b"[]".as_slice())];
        let names = ArchiveSource::image_names(Box::new(tar_of(&files)), "d").unwrap();
        assert_eq!(names, ["docker.io/library/web:1"]);
    }

    /// Docker 25+'s form: an OCI layout whose image is also listed in manifest.json. `classic`
    /// is manifest.json's Config for it: the layout's config, or another one.
    fn docker25_archive(classic_config: &str) -> Vec<u8> {
        let layer = b"layer bytes".to_vec();
        let config_a = br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.to_vec();
        let config_b = br#"{"architecture":"arm64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.to_vec();
        let blob = |bytes: &[u8]| format!("blobs/sha256/{}", Digest::of_bytes(bytes).hex());
        let manifest = Raw::encode(Manifest::new(
            Descriptor::for_bytes(media::OCI_CONFIG, &config_a),
            vec![Descriptor::for_bytes(media::OCI_LAYER_TAR, &layer)],
        ));
        let mut entry = manifest.descriptor(media::OCI_MANIFEST);
        entry.annotations = Some([(CONTAINERD_IMAGE_NAME.to_string(), "docker.io/library/web:1".to_string())].into());
        let index = Raw::encode(Index::new(vec![entry]));
        let config = if classic_config == "a" { blob(&config_a) } else { blob(&config_b) };
        let classic = format!(r#"[{{"Config":"{config}","RepoTags":["web:1"],"Layers":["{}"]}}]"#, blob(&layer));
        let files: Vec<(String, Vec<u8>)> = vec![
            ("oci-layout".into(), br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec()),
            ("index.json".into(), index.bytes().to_vec()),
            ("manifest.json".into(), classic.into_bytes()),
            (blob(manifest.bytes()), manifest.bytes().to_vec()),
            (blob(&config_a), config_a.clone()),
            (blob(&config_b), config_b.clone()),
            (blob(&layer), layer.clone()),
        ];
        tar_of(&files.iter().map(|(p, b)| (p.as_str(), b.as_slice())).collect::<Vec<_>>())
    }

    /// skopeo and the classic `docker load` would read manifest.json's image, containerd the
    /// layout's: found by a hostile-input review (skopeo showed one Cmd, imagekit another).
    #[test]
    fn a_docker_save_whose_two_forms_name_different_images_is_refused() {
        let open = |bytes: Vec<u8>, wanted| ArchiveSource::from_random_access(Box::new(bytes), "x.tar", wanted);
        open(docker25_archive("a"), Some("web:1")).unwrap();
        open(docker25_archive("a"), None).unwrap();
        for wanted in [Some("web:1"), None] {
            let err = open(docker25_archive("b"), wanted).err().unwrap().to_string();
            assert!(err.contains("manifest.json and index.json name different images"), "{err}");
        }
    }
}
