//! One module per verb. Each has an `Args` (or `Command`) clap type and a `run`.

pub mod audit;
pub mod compare;
pub mod config;
pub mod copy;
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
