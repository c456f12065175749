//! The book's machinery, apart from the task runner that drives it: the figure cache behind
//! mdbook-cmdrun (`figures`, `cmdrun`), the hints as the exercise pages show them (`hints`), and
//! the checks a built book must pass (`checks`, with `html`, `hint_pages`, `quiz_print`,
//! `stub_pages`, which also writes the exercise pages' views of the stubs).

pub mod checks;
pub mod cmdrun;
pub mod figures;
pub mod hint_pages;
pub mod hints;
pub mod html;
pub mod quiz;
pub mod quiz_print;
pub mod stub_pages;

/// The tooling's shared base, under the name every module here uses for it.
use devkit as util;
