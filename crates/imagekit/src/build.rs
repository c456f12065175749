//! Building an image into an OCI layout from directories, the way `docker build` stacks
//! `COPY` and `RUN rm` steps: each step becomes one layer, history records it, the config lists
//! the diff_ids, the manifest lists the blobs, and index.json gets the tag.

use std::path::PathBuf;

use crate::config::{History, ImageConfig, RuntimeConfig};
use crate::descriptor::{Descriptor, Platform};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::index::Index;
use crate::layer::{self, BuildOptions, LayerInfo};
use crate::layout::Layout;
use crate::manifest::Manifest;
use crate::media;
use crate::raw::Raw;

/// One build step; each makes exactly one layer.
#[derive(Debug, Clone)]
pub enum Step {
    /// Add a directory's contents at the root of the image (like `COPY dir/ /`).
    Layer(PathBuf),
    /// Delete paths that lower layers added (like `RUN rm -rf …`): a layer of whiteouts only.
    Delete(Vec<String>),
}

impl Step {
    /// The history line recorded for this step.
    fn created_by(&self) -> String {
        match self {
            // Like Dockerfile history, name the directory as the build context sees it (its
            // own name), not the absolute path: the config, and so the image ID, must not
            // depend on where the checkout lives.
            Step::Layer(dir) => {
                let name = dir.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| ".".into());
                format!("imagekit: COPY {name}/ /")
            }
            Step::Delete(paths) => {
                format!("imagekit: RUN rm -rf {}", paths.iter().map(|p| format!("/{p}")).collect::<Vec<_>>().join(" "))
            }
        }
    }
}

/// What to build: the steps, and the config for each platform variant.
#[derive(Debug, Clone)]
pub struct ImageSpec {
    pub steps: Vec<Step>,
    pub platform: Platform,
    pub runtime: Option<RuntimeConfig>,
}

/// What a build produced, for printing and tests.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BuiltImage {
    pub platform: String,
    pub manifest: Descriptor,
    pub config: Descriptor,
    pub layers: Vec<BuiltLayer>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct BuiltLayer {
    pub created_by: String,
    pub digest: Digest,
    pub diff_id: Digest,
    pub size: u64,
    pub uncompressed_size: u64,
}

/// RFC 3339 form of a Unix timestamp (UTC), for `created` fields; no clock is read here.
pub fn rfc3339(epoch: u64) -> String {
    let days = epoch / 86_400;
    let secs = epoch % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

// Howard Hinnant's days → civil date algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Build every layer into `layout`, then the config and manifest; returns the manifest's
/// descriptor (with its platform) without tagging it.
pub fn build_image(layout: &Layout, spec: &ImageSpec, opts: &BuildOptions) -> Result<BuiltImage> {
    // Leftovers of a build that was killed: nobody holds them, so they go before we add more.
    layout.blobs().clean_leftovers()?;
    if spec.steps.is_empty() {
        return Err(Error::malformed("image build", "no steps: give at least one --layer"));
    }
    let created = rfc3339(opts.mtime);
    let mut layers = Vec::new();
    for step in &spec.steps {
        let (digest, size, info) = layout.write_blob_with(|out| build_step(step, opts, out))?;
        debug_assert_eq!((&digest, size), (&info.digest, info.size));
        layers.push(BuiltLayer {
            created_by: step.created_by(),
            digest,
            diff_id: info.diff_id,
            size,
            uncompressed_size: info.uncompressed_size,
        });
    }
    let history = layers
        .iter()
        .map(|l| History {
            created: Some(created.clone()),
            created_by: Some(l.created_by.clone()),
            ..Default::default()
        })
        .collect();
    let mut config = ImageConfig::new(
        &spec.platform.os,
        &spec.platform.architecture,
        layers.iter().map(|l| l.diff_id.clone()).collect(),
        history,
    );
    config.variant = spec.platform.variant.clone();
    config.created = Some(created);
    config.config = spec.runtime.clone();
    let config = Raw::encode(config);
    layout.write_blob(config.bytes())?;
    let config_desc = config.descriptor(media::OCI_CONFIG);

    let layer_descs = layers.iter().map(|l| Descriptor::new(media::OCI_LAYER_GZIP, l.digest.clone(), l.size)).collect();
    let manifest = Raw::encode(Manifest::new(config_desc.clone(), layer_descs));
    layout.write_blob(manifest.bytes())?;
    let mut manifest_desc = manifest.descriptor(media::OCI_MANIFEST);
    manifest_desc.platform = Some(spec.platform.clone());
    Ok(BuiltImage { platform: spec.platform.to_string(), manifest: manifest_desc, config: config_desc, layers })
}

fn build_step(step: &Step, opts: &BuildOptions, out: &mut dyn std::io::Write) -> Result<LayerInfo> {
    match step {
        Step::Layer(dir) => layer::build_from_dir(dir, &[], opts, out),
        Step::Delete(paths) => layer::build_from_entries(whiteout_entries(paths)?, opts, out),
    }
}

/// The entries of a delete-only layer: an empty `.wh.NAME` file per deleted path.
fn whiteout_entries(paths: &[String]) -> Result<Vec<layer::Entry>> {
    paths
        .iter()
        .map(|p| {
            let clean = p.trim_start_matches('/').trim_end_matches('/');
            if clean.is_empty() || clean.split('/').any(|c| c.is_empty() || c == "." || c == "..") {
                return Err(Error::malformed(
                    "--delete path",
                    format!("{p:?} must name a file or directory inside the image"),
                ));
            }
            Ok(layer::Entry {
                path: crate::whiteout::whiteout_path(clean),
                mode: 0o644,
                data: layer::EntryData::File(Vec::new()),
            })
        })
        .collect()
}

/// Build one image per spec and tag the result: a single manifest when there is one platform,
/// an OCI index over all of them when there are several.
pub fn build_and_tag(
    layout: &Layout,
    tag: &str,
    specs: &[ImageSpec],
    opts: &BuildOptions,
) -> Result<(Descriptor, Vec<BuiltImage>)> {
    let built = specs.iter().map(|spec| build_image(layout, spec, opts)).collect::<Result<Vec<_>>>()?;
    let top = match built.as_slice() {
        [one] => one.manifest.clone(),
        many => {
            let index = Raw::encode(Index::new(many.iter().map(|b| b.manifest.clone()).collect()));
            layout.write_blob(index.bytes())?;
            index.descriptor(media::OCI_INDEX)
        }
    };
    layout.set_tag(tag, top.clone())?;
    Ok((top, built))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_of_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
