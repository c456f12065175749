//! Driftwood's smallest service: it proves it runs with no shell, no libc and no other file.
//!
//! It prints what it can see of its root filesystem, so the page shows that the image holds
//! this one file and nothing else.

use std::fs;

fn main() {
    println!("hello from a FROM-scratch image: a static binary, no libc, no shell");
    let mut names: Vec<String> = match fs::read_dir("/") {
        Ok(entries) => entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect(),
        Err(e) => {
            eprintln!("cannot list /: {e}");
            std::process::exit(1);
        }
    };
    names.sort();
    println!("what / holds: {}", names.join(" "));
}
