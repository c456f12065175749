//! A registry as an image [`Source`] (`docker://REF`): read-only, and lazy. Resolving an image
//! asks for the manifest (and index) and the config; a layer is requested only when a verb reads
//! it, so `history docker://…` downloads no layer at all.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{Cursor, Read};

use super::{Client, Repository};
use crate::descriptor::Descriptor;
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::image::Source;
use crate::media::{self, Kind};
use crate::reference::Reference;

pub struct RegistrySource<'c> {
    client: ClientHandle<'c>,
    reference: Reference,
    repo: Repository,
    /// Manifests, indexes and configs already fetched, by digest: each is asked for once.
    documents: RefCell<HashMap<Digest, Vec<u8>>>,
}

/// A source owns its client (the command line's `docker://`) or borrows one (a pull, whose
/// caller counts the requests).
enum ClientHandle<'c> {
    Owned(Box<Client>),
    Borrowed(&'c Client),
}

impl RegistrySource<'static> {
    pub fn new(client: Client, reference: Reference) -> RegistrySource<'static> {
        RegistrySource::with(ClientHandle::Owned(Box::new(client)), reference)
    }
}

impl<'c> RegistrySource<'c> {
    pub fn borrowing(client: &'c Client, reference: Reference) -> RegistrySource<'c> {
        RegistrySource::with(ClientHandle::Borrowed(client), reference)
    }

    fn with(client: ClientHandle<'c>, reference: Reference) -> RegistrySource<'c> {
        let repo = Repository::of(&reference);
        RegistrySource { client, reference, repo, documents: RefCell::new(HashMap::new()) }
    }

    pub fn client(&self) -> &Client {
        match &self.client {
            ClientHandle::Owned(c) => c,
            ClientHandle::Borrowed(c) => c,
        }
    }

    /// The top document's bytes, once [`Source::top`] fetched them.
    pub fn document(&self, digest: &Digest) -> Option<Vec<u8>> {
        self.documents.borrow().get(digest).cloned()
    }

    pub fn reference(&self) -> &Reference {
        &self.reference
    }

    fn lift<T>(result: super::Result<T>) -> Result<T> {
        result.map_err(|e| match e {
            super::Error::Image(inner) => inner,
            other => Error::io("registry", std::io::Error::other(other.to_string())),
        })
    }
}

impl Source for RegistrySource<'_> {
    fn transport(&self) -> &'static str {
        "docker"
    }

    fn describe(&self) -> String {
        format!("docker://{}", self.reference)
    }

    fn top(&self) -> Result<Descriptor> {
        let fetched = Self::lift(self.client().get_manifest(&self.repo, &self.reference.registry_reference()))?;
        let desc = fetched.descriptor();
        self.documents.borrow_mut().insert(desc.digest.clone(), fetched.bytes);
        Ok(desc)
    }

    fn open_raw(&self, desc: &Descriptor) -> Result<Box<dyn Read + '_>> {
        if let Some(bytes) = self.documents.borrow().get(&desc.digest) {
            return Ok(Box::new(Cursor::new(bytes.clone())));
        }
        match media::kind(&desc.media_type) {
            // Manifests live under /manifests/, everything else under /blobs/.
            Kind::Index | Kind::Manifest => {
                let fetched = Self::lift(self.client().get_manifest_for(&self.repo, desc))?;
                self.documents.borrow_mut().insert(desc.digest.clone(), fetched.bytes.clone());
                Ok(Box::new(Cursor::new(fetched.bytes)))
            }
            // A config is read by resolving and again by a copy: keep it (it is small).
            Kind::Config if desc.size <= crate::image::MAX_DOCUMENT_SIZE => {
                let mut bytes = Vec::with_capacity(desc.size as usize);
                Self::lift(self.client().open_blob(&self.repo, desc))?
                    .take(desc.size + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| Error::io(format!("reading blob {}", desc.digest), e))?;
                self.documents.borrow_mut().insert(desc.digest.clone(), bytes.clone());
                Ok(Box::new(Cursor::new(bytes)))
            }
            _ => Ok(Self::lift(self.client().open_blob(&self.repo, desc))?),
        }
    }

    fn has(&self, desc: &Descriptor) -> Result<bool> {
        Self::lift(self.client().has_blob(&self.repo, &desc.digest))
    }
}
