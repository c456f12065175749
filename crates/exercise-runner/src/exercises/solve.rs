//! `cargo xtask solve NN` / `reset NN`: the solution in, the learner's work back.

use std::fs;
use std::path::Path;

use super::discovery::*;
use crate::util::{self, bail, Context, Result};

/// `cargo xtask solve NN`.
pub fn solve(root: &Path, arg: &str) -> Result {
    let ex = find(root, arg)?;
    let lib = ex.lib();
    let current = read(&lib)?;
    let solution = read(&ex.solution())?;
    if current == solution {
        println!("{}: the solution is already in {}", ex.name, util::rel(root, &lib));
        if ex.saved().is_file() {
            println!(
                "  your own work is kept in {}; `cargo xtask reset {}` puts it back",
                util::rel(root, &ex.saved()),
                ex.number
            );
        }
        return Ok(());
    }
    let saved = ex.saved();
    if saved.is_file() {
        // An earlier `solve` saved the learner's work there, and `reset` will bring that back;
        // what is in src/lib.rs now (say, a solution edited during a demo) is kept elsewhere.
        if read(&saved)? != current {
            let aside = keep_aside(&ex, &current)?;
            println!(
                "  {} was changed since the last solve: kept it in {}",
                util::rel(root, &lib),
                util::rel(root, &aside)
            );
        }
    } else {
        write(&saved, &current)?;
    }
    write(&lib, &solution)?;
    println!(
        "{}: the solution is now in {}\n  your work is saved in {}\n  \
         `cargo xtask reset {}` puts it back",
        ex.name,
        util::rel(root, &lib),
        util::rel(root, &saved),
        ex.number
    );
    Ok(())
}

/// `cargo xtask reset NN`.
pub fn reset(root: &Path, arg: &str) -> Result {
    let ex = find(root, arg)?;
    let lib = ex.lib();
    let current = read(&lib)?;
    let solution = read(&ex.solution())?;
    let stub = ex.committed_stub(root);
    let saved = ex.saved();

    let (new, what) = if saved.is_file() {
        let content = read(&saved)?;
        (content, format!("put back your saved work from {}", util::rel(root, &saved)))
    } else if let Some(stub) = stub.clone() {
        (stub, "nothing was saved: put the fresh stub back (from git HEAD)".to_string())
    } else {
        bail!(
            "{}: nothing saved in {} and no committed stub to go back to (not a git checkout?)",
            ex.name,
            util::rel(root, &saved)
        );
    };

    if current == new {
        println!("{}: {} is already that file; nothing to do", ex.name, util::rel(root, &lib));
    } else {
        // Never drop work: keep the current file unless it is the solution or the stub.
        if current != solution && Some(&current) != stub.as_ref() {
            let aside = keep_aside(&ex, &current)?;
            println!("  {} held changes of your own: kept them in {}", util::rel(root, &lib), util::rel(root, &aside));
        }
        write(&lib, &new)?;
        println!("{}: {what}", ex.name);
    }
    if saved.is_file() {
        fs::remove_file(&saved).with_context(|| format!("removing {}", saved.display()))?;
        let _ = fs::remove_dir(ex.saved_dir());
    }
    Ok(())
}
