//! The exercises as the learner and CI meet them: finding them and their steps (`exercises`),
//! running their tests, progress, solve and reset, verify (tests fail on the stub and pass on
//! the solution, hints keep their rungs and share no line with the solution: `hint_check`), and
//! mutation testing of the step tests (`mutants`).

pub mod exercises;
pub mod hint_check;
pub mod mutants;

use bookkit::hints;
use devkit as util;
use devkit::registry;
