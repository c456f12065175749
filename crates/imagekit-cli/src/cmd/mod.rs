//! One module per verb. Each has an `Args` (or `Command`) clap type and a `run`.

pub mod audit;
pub mod compare;
pub mod config;
pub mod digest;
pub mod drift;
pub mod extract;
pub mod history;
pub mod image;
pub mod inspect;
pub mod layer;
pub mod layers;
pub mod layout;
pub mod libc;
pub mod manifest;
pub mod pin;
pub mod pull;
pub mod push;
pub mod reference;
pub mod store;
pub mod unpack;

use imagekit::Platform;

/// Which image of a layout to read: by tag, then by platform when the tag names an index.
#[derive(clap::Args, Debug, Clone)]
pub struct ImageSelector {
    /// The tag in the layout's index.json (optional when the layout holds one image).
    #[arg(long)]
    pub tag: Option<String>,
    /// The platform to pick from a multi-platform index (default linux/amd64).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
}

impl ImageSelector {
    pub fn platform(&self) -> anyhow::Result<Option<Platform>> {
        Ok(self.platform.as_deref().map(Platform::parse).transpose()?)
    }
}
