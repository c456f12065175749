//! `cargo xtask setup`: install the pinned tools that are missing; report the optional oracles.

use std::cell::OnceCell;
use std::io::Write;
use std::path::Path;
use std::process::Command;

use crate::util::{self, bail, Result};

/// How a tool is installed and checked.
enum How {
    /// `cargo install [--locked] --version V CRATE`; checked with `NAME --version`, or with
    /// `cargo install --list` when the binary has no `--version`.
    Cargo { krate: &'static str, locked: bool },
    /// `rustup component add NAME`; checked with `cargo SUBCOMMAND --version`.
    Component { subcommand: &'static str },
    /// `rustup target add NAME`; checked with `rustup target list --installed`.
    Target,
}

struct Tool {
    name: &'static str,
    /// Pinned version ("" for rustup components and targets: they follow the toolchain).
    version: &'static str,
    how: How,
    /// Rough install time on 2 cores, shown before installing.
    minutes: u32,
    /// Needed only once this path (relative to the root) exists.
    only_if: Option<&'static str>,
}

#[rustfmt::skip]
const TOOLS: &[Tool] = &[
    Tool { name: "rustfmt", version: "", how: How::Component { subcommand: "fmt" }, minutes: 1, only_if: None },
    Tool { name: "clippy", version: "", how: How::Component { subcommand: "clippy" }, minutes: 1, only_if: None },
    Tool { name: "mdbook", version: "0.4.52", how: How::Cargo { krate: "mdbook", locked: true }, minutes: 3, only_if: None },
    Tool { name: "mdbook-cmdrun", version: "0.7.3", how: How::Cargo { krate: "mdbook-cmdrun", locked: true }, minutes: 2, only_if: None },
    // issue 13: the topic pages' checks for understanding (book.toml's [preprocessor.quiz]).
    Tool { name: "mdbook-quiz", version: "0.4.0", how: How::Cargo { krate: "mdbook-quiz", locked: true }, minutes: 3, only_if: None },
    // wasm-bindgen-cli's lock file names a crate version the registry here lacks: no --locked.
    Tool { name: "wasm-bindgen", version: "0.2.130", how: How::Cargo { krate: "wasm-bindgen-cli", locked: false }, minutes: 4, only_if: Some("crates/digest-widget") },
    // The library's core must compile for the browser (the digest widget); `test` checks it.
    Tool { name: "wasm32-unknown-unknown", version: "", how: How::Target, minutes: 1, only_if: None },
];

/// System tools the tests and benchmarks compare against. Not installed here (that needs root).
const ORACLES: &[(&str, &str, &str)] = &[
    ("umoci", "--version", "layer oracle for imagekit-cli's tests"),
    ("skopeo", "--version", "manifest/config oracle for imagekit-cli's tests"),
    ("pigz", "--version", "gzip baseline for `cargo xtask bench`"),
    ("openssl", "version", "sha256 baseline for `cargo xtask bench`"),
    ("chromium", "--version", "browser for the digest widget's test (`cargo xtask test`, stage widget)"),
];

enum State {
    Present,
    Wrong(String),
    Missing,
}

/// Answers about installed tools, with `cargo install --list` read at most once.
struct Checker {
    install_list: OnceCell<String>,
}

impl Checker {
    fn new() -> Self {
        Checker { install_list: OnceCell::new() }
    }

    fn state(&self, tool: &Tool) -> State {
        match tool.how {
            How::Cargo { krate, .. } => self.cargo_state(tool, krate),
            How::Component { subcommand } => {
                let ok = util::cargo(Path::new("."))
                    .args([subcommand, "--version"])
                    .output()
                    .is_ok_and(|o| o.status.success());
                if ok {
                    State::Present
                } else {
                    State::Missing
                }
            }
            How::Target => {
                let installed = Command::new("rustup")
                    .args(["target", "list", "--installed"])
                    .output()
                    .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                    .unwrap_or_default();
                if installed.lines().any(|l| l.trim() == tool.name) {
                    State::Present
                } else {
                    State::Missing
                }
            }
        }
    }

    fn cargo_state(&self, tool: &Tool, krate: &str) -> State {
        if util::which(tool.name).is_none() {
            return State::Missing;
        }
        // `mdbook v0.4.52`, `wasm-bindgen 0.2.130`: the last word of the first line.
        if let Ok(out) = Command::new(tool.name).arg("--version").output() {
            if out.status.success() {
                let text = String::from_utf8_lossy(&out.stdout);
                let found = text
                    .lines()
                    .next()
                    .and_then(|l| l.split_whitespace().last())
                    .unwrap_or("")
                    .trim_start_matches('v')
                    .to_string();
                return if found == tool.version { State::Present } else { State::Wrong(found) };
            }
        }
        // No --version (mdbook-cmdrun 0.7.3): ask cargo which version it installed.
        let list = self.install_list.get_or_init(|| {
            util::cargo(Path::new("."))
                .args(["install", "--list"])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default()
        });
        let prefix = format!("{krate} v");
        let found = list
            .lines()
            .filter_map(|l| l.strip_prefix(&prefix))
            .map(|rest| rest.trim_end_matches(':').to_string())
            .next();
        match found {
            Some(v) if v == tool.version => State::Present,
            Some(v) => State::Wrong(v),
            // On PATH but not from `cargo install`: trust it.
            None => State::Present,
        }
    }
}

fn needed(root: &Path) -> impl Iterator<Item = &'static Tool> + '_ {
    TOOLS.iter().filter(move |t| t.only_if.is_none_or(|p| root.join(p).exists()))
}

fn label(tool: &Tool) -> String {
    match tool.how {
        How::Cargo { .. } => format!("{} {}", tool.name, tool.version),
        How::Component { .. } => format!("{} (rustup component)", tool.name),
        How::Target => format!("{} (rustup target)", tool.name),
    }
}

fn install(tool: &Tool) -> Result {
    let mut cmd = match tool.how {
        How::Cargo { krate, locked } => {
            let mut cmd = util::cargo(Path::new("."));
            cmd.arg("install");
            if locked {
                cmd.arg("--locked");
            }
            cmd.args(["--version", tool.version, krate]);
            cmd
        }
        How::Component { .. } => {
            let mut cmd = Command::new("rustup");
            cmd.args(["component", "add", tool.name]);
            cmd
        }
        How::Target => {
            let mut cmd = Command::new("rustup");
            cmd.args(["target", "add", tool.name]);
            cmd
        }
    };
    util::run(&mut cmd)
}

/// Installs every missing pinned tool, then reports the optional system tools.
pub fn setup(root: &Path) -> Result {
    let checker = Checker::new();
    for tool in needed(root) {
        let label = label(tool);
        print!("checking {label}… ");
        let _ = std::io::stdout().flush();
        match checker.state(tool) {
            State::Present => {
                println!("present");
                continue;
            }
            State::Wrong(found) => println!("found {found}, want {}", tool.version),
            State::Missing => println!("missing"),
        }
        let how = match tool.how {
            How::Cargo { .. } => "cargo install",
            How::Component { .. } | How::Target => "rustup",
        };
        println!("installing {label} ({how}, ~{} min)…", tool.minutes);
        install(tool)?;
        match (Checker::new().state(tool), util::which(tool.name)) {
            (State::Present, _) => println!("installed {label}"),
            (_, Some(path)) if matches!(tool.how, How::Cargo { .. }) => {
                bail!(
                    "{label} is installed, but the `{}` found first on PATH ({}) is another \
                     version: put ~/.cargo/bin first on PATH",
                    tool.name,
                    path.display()
                )
            }
            _ => bail!("{label} was installed but is still not found (is ~/.cargo/bin on PATH?)"),
        }
    }

    // The digest widget's node tools (wasm-opt, the browser test's driver), when there is a widget.
    if crate::widget::present(root) {
        crate::widget::install_node_tools(root)?;
    }

    let mut missing = Vec::new();
    for (name, version_arg, what) in ORACLES {
        print!("checking {name} (optional: {what})… ");
        let _ = std::io::stdout().flush();
        if util::which(name).is_none() {
            println!("missing");
            missing.push(*name);
            continue;
        }
        let version = Command::new(name)
            .arg(version_arg)
            .output()
            .map(|o| {
                let text = if o.stdout.is_empty() { o.stderr } else { o.stdout };
                String::from_utf8_lossy(&text).lines().next().unwrap_or("").trim().to_string()
            })
            .unwrap_or_default();
        println!("present ({version})");
    }
    if missing.is_empty() {
        println!("setup: everything is in place");
    } else {
        println!(
            "setup: the pinned tools are in place; optional tools missing: {}\n  \
             to add them (Debian/Ubuntu, as root): apt-get install {}",
            missing.join(", "),
            missing.join(" ")
        );
    }
    Ok(())
}

/// Names of the pinned tools that are missing or at the wrong version (checks only).
pub fn missing(root: &Path) -> Vec<String> {
    missing_of(root, |_| true)
}

/// [`missing`], checking only the tools whose name `wanted` accepts: each check starts a
/// process or two, and `build` and `serve` need only the mdbook ones.
pub fn missing_of(root: &Path, wanted: impl Fn(&str) -> bool) -> Vec<String> {
    let checker = Checker::new();
    needed(root).filter(|t| wanted(t.name) && !matches!(checker.state(t), State::Present)).map(label).collect()
}
