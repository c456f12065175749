//! An OCI image layout folder the reader picked (a directory picker hands the page its files):
//! `oci-layout`, `index.json`, `blobs/<alg>/<hex>`, served to imagekit as a [`Source`].
//!
//! Only where the bytes are is decided here; [`imagekit::image::open_blob`] and
//! [`imagekit::image::Image::read_layer`] check every blob's size, digest and diff_id as for
//! any other source.

use std::collections::HashMap;
use std::io::Read;
use std::rc::Rc;

use imagekit::archive::RandomAccess;
use imagekit::image::Source;
use imagekit::index::{resolve_in_index, Index, REF_NAME};
use imagekit::{Descriptor, Error, Result};

use crate::chunked::Cursor;

/// The picked files by path relative to the layout's root.
pub struct Folder {
    name: String,
    files: HashMap<String, Rc<dyn RandomAccess>>,
    index: Index,
    /// The image read: the only one, or the one [`Folder::select`]ed; None while the layout
    /// holds several and none was chosen.
    top: Option<Descriptor>,
}

/// What the owning reader of a [`Cursor`] must keep alive: the file it reads.
struct Owned {
    file: Rc<dyn RandomAccess>,
    pos: u64,
}

impl Read for Owned {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut cursor = Cursor::at(&*self.file, self.pos);
        let n = cursor.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Folder {
    /// `files` by their path inside the picked folder; the folder's own name may lead each
    /// path (`web-layout/index.json`), as a browser's directory picker reports them.
    pub fn new(name: &str, files: Vec<(String, Rc<dyn RandomAccess>)>) -> Result<Folder> {
        let root = files
            .iter()
            .filter_map(|(p, _)| p.strip_suffix("oci-layout"))
            .filter(|prefix| prefix.is_empty() || prefix.ends_with('/'))
            .min_by_key(|prefix| prefix.len())
            .map(str::to_string)
            .ok_or_else(|| {
                bad(name, "it holds no oci-layout file: pick the folder that holds index.json and blobs/")
            })?;
        let files: HashMap<String, Rc<dyn RandomAccess>> =
            files.into_iter().filter_map(|(p, f)| p.strip_prefix(&root).map(|p| (p.to_string(), f))).collect();
        let index = files.get("index.json").ok_or_else(|| bad(name, "it has an oci-layout but no index.json"))?;
        let len = index.len();
        if len > imagekit::image::MAX_DOCUMENT_SIZE {
            return Err(bad(name, "index.json is larger than any real index"));
        }
        let mut bytes = Vec::with_capacity(len as usize);
        Cursor::new(&**index)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(format!("reading {name}/index.json"), e))?;
        let index = Index::parse(bytes)?.value;
        let mut folder = Folder { name: name.to_string(), files, index, top: None };
        match folder.select(None) {
            // Several images: the reader chooses one of `tags()`.
            Err(Error::NotFound(_)) if folder.tags().len() > 1 => Ok(folder),
            other => other.map(|()| folder),
        }
    }

    /// The tags of the images the layout holds, in index.json's order.
    pub fn tags(&self) -> Vec<String> {
        self.index.manifests.iter().filter_map(|d| d.annotation(REF_NAME).map(str::to_string)).collect()
    }

    /// Read the image tagged `tag` (None: the only one).
    pub fn select(&mut self, tag: Option<&str>) -> Result<()> {
        self.top = Some(resolve_in_index(&self.index, tag, &self.name)?);
        Ok(())
    }

    /// Has an image been chosen (or is there only one)?
    pub fn selected(&self) -> bool {
        self.top.is_some()
    }
}

fn bad(name: &str, reason: &str) -> Error {
    Error::InvalidLayout { path: name.to_string(), reason: reason.to_string() }
}

impl Source for Folder {
    fn transport(&self) -> &'static str {
        "oci"
    }

    fn describe(&self) -> String {
        format!("oci:{} (a picked folder)", self.name)
    }

    fn top(&self) -> Result<Descriptor> {
        self.top.clone().ok_or_else(|| Error::NotFound(format!("a single image in {}: it holds several", self.name)))
    }

    fn open_raw(&self, desc: &Descriptor) -> Result<Box<dyn Read + '_>> {
        let path = format!("blobs/{}/{}", desc.digest.algorithm().name(), desc.digest.hex());
        match self.files.get(&path) {
            Some(file) => Ok(Box::new(Owned { file: Rc::clone(file), pos: 0 })),
            None => Err(Error::MissingBlob { digest: desc.digest.clone(), what: desc.media_type.clone() }),
        }
    }

    fn has(&self, desc: &Descriptor) -> Result<bool> {
        Ok(self.files.contains_key(&format!("blobs/{}/{}", desc.digest.algorithm().name(), desc.digest.hex())))
    }
}
