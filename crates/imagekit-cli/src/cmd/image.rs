//! `imagekit image build`: a multi-layer image into an OCI image layout.
//!
//! Steps are taken in command-line order, like the lines of a Dockerfile:
//! `--layer DIR` adds a directory (like `COPY DIR/ /`), `--delete PATH` makes a layer that only
//! deletes (like `RUN rm -rf /PATH`); consecutive `--delete`s share one layer. A deletion is a
//! whiteout file in the new layer: the bytes it removes stay in the layer below, and still ship.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::ArgMatches;
use imagekit::build::{self, ImageSpec, Step};
use imagekit::config::RuntimeConfig;
use imagekit::layer::BuildOptions;
use imagekit::layout::Layout;
use imagekit::Platform;

use crate::output::{self, Table};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Build an image from directories into an OCI image layout, and tag it.
    #[command(after_help = "Steps run in the order given, like Dockerfile lines:\n  \
        imagekit image build --layer base --layer app --delete app/cache --tag web:1 -o web-layout\n\
        makes three layers; the third holds only the whiteout app/.wh.cache.")]
    Build(BuildArgs),
}

#[derive(clap::Args)]
pub struct BuildArgs {
    /// Add a layer with this directory's contents (repeatable; order matters).
    #[arg(long = "layer", value_name = "DIR", required = true)]
    layers: Vec<PathBuf>,
    /// Add a layer that deletes PATH from the layers below (repeatable; consecutive deletions share a layer).
    #[arg(long = "delete", value_name = "PATH")]
    deletes: Vec<String>,
    /// The tag to record in the layout's index.json (e.g. `driftwood-web:1.0`).
    #[arg(long)]
    tag: String,
    /// The OCI layout directory (created if missing; a new tag is added to an existing one).
    #[arg(short, long, value_name = "LAYOUT")]
    output: PathBuf,
    /// Target platform os/arch[/variant]; repeat to build one image per platform under an index.
    #[arg(long, value_name = "OS/ARCH[/VARIANT]", default_value = "linux/amd64")]
    platform: Vec<String>,
    /// Environment variable baked into the config (KEY=VALUE, repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Label in the config (KEY=VALUE, repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    label: Vec<String>,
    /// Entrypoint, one argument per use (repeatable).
    #[arg(long, value_name = "ARG", allow_hyphen_values = true)]
    entrypoint: Vec<String>,
    /// Default command, one argument per use (repeatable).
    #[arg(long, value_name = "ARG", allow_hyphen_values = true)]
    cmd: Vec<String>,
    /// User to run as (`name`, `uid` or `uid:gid`).
    #[arg(long)]
    user: Option<String>,
    /// Port to declare (e.g. `80/tcp`; repeatable).
    #[arg(long, value_name = "PORT[/PROTO]")]
    expose: Vec<String>,
    /// Working directory for the process.
    #[arg(long)]
    workdir: Option<String>,
}

pub fn run(command: Command, matches: &ArgMatches) -> anyhow::Result<()> {
    let Command::Build(args) = command;
    let build_matches = matches.subcommand_matches("build").expect("dispatched on build");
    let steps = ordered_steps(&args, build_matches);
    let runtime = runtime_config(&args)?;
    let specs = args
        .platform
        .iter()
        .map(|p| Ok(ImageSpec { steps: steps.clone(), platform: Platform::parse(p)?, runtime: runtime.clone() }))
        .collect::<anyhow::Result<Vec<_>>>()?;

    let layout = if args.output.join("oci-layout").exists() {
        Layout::open(&args.output)?
    } else {
        Layout::create(&args.output)?
    };
    let spinner = output::spinner(format!("building {} step(s) into {}", steps.len(), args.output.display()), false);
    let opts = BuildOptions::from_env();
    let (top, built) = build::build_and_tag(&layout, &args.tag, &specs, &opts)?;
    spinner.finish_and_clear();

    if crate::output::json_mode() {
        return output::json(&serde_json::json!({
            "layout": args.output.display().to_string(),
            "tag": args.tag,
            "descriptor": top,
            "images": built,
        }));
    }
    println!("built {} in {}", args.tag, args.output.display());
    println!("{}: {}", imagekit::media::describe(&top.media_type), top.digest);
    for image in &built {
        let (manifest, config) = (output::short(&image.manifest.digest), output::short(&image.config.digest));
        println!("\n{}: manifest {manifest}, config {config}", image.platform);
        let mut table = Table::new(&["#", "DIGEST", "DIFF_ID", ">SIZE", ">UNPACKED", "CREATED BY"]);
        for (i, l) in image.layers.iter().enumerate() {
            table.row(vec![
                i.to_string(),
                output::short(&l.digest),
                output::short(&l.diff_id),
                output::size(l.size),
                output::size(l.uncompressed_size),
                l.created_by.clone(),
            ]);
        }
        table.print()?;
        let total: u64 = image.layers.iter().map(|l| l.size).sum();
        println!("total {} in {} layers", output::size(total), image.layers.len());
    }
    Ok(())
}

/// Interleave --layer and --delete by their positions on the command line.
fn ordered_steps(args: &BuildArgs, matches: &ArgMatches) -> Vec<Step> {
    let mut positioned: Vec<(usize, Step)> = Vec::new();
    let layer_idx = matches.indices_of("layers").into_iter().flatten();
    for (i, dir) in layer_idx.zip(&args.layers) {
        positioned.push((i, Step::Layer(dir.clone())));
    }
    let delete_idx: Vec<usize> = matches.indices_of("deletes").into_iter().flatten().collect();
    for (i, path) in delete_idx.into_iter().zip(&args.deletes) {
        positioned.push((i, Step::Delete(vec![path.clone()])));
    }
    positioned.sort_by_key(|(i, _)| *i);
    let mut steps: Vec<Step> = Vec::new();
    for (_, step) in positioned {
        match (steps.last_mut(), step) {
            (Some(Step::Delete(paths)), Step::Delete(more)) => paths.extend(more),
            (_, step) => steps.push(step),
        }
    }
    steps
}

fn runtime_config(args: &BuildArgs) -> anyhow::Result<Option<RuntimeConfig>> {
    let mut rc = RuntimeConfig::default();
    for kv in &args.env {
        if !kv.contains('=') {
            bail!("--env {kv:?}: expected KEY=VALUE");
        }
    }
    if !args.env.is_empty() {
        rc.env = Some(args.env.clone());
    }
    if !args.label.is_empty() {
        let mut labels = BTreeMap::new();
        for kv in &args.label {
            let (k, v) = kv.split_once('=').with_context(|| format!("--label {kv:?}: expected KEY=VALUE"))?;
            labels.insert(k.to_string(), v.to_string());
        }
        rc.labels = Some(labels);
    }
    if !args.entrypoint.is_empty() {
        rc.entrypoint = Some(args.entrypoint.clone());
    }
    if !args.cmd.is_empty() {
        rc.cmd = Some(args.cmd.clone());
    }
    if !args.expose.is_empty() {
        let ports = args.expose.iter().map(|p| {
            let p = if p.contains('/') { p.clone() } else { format!("{p}/tcp") };
            (p, imagekit::json::Value::empty_object())
        });
        rc.exposed_ports = Some(ports.collect());
    }
    rc.user = args.user.clone();
    rc.working_dir = args.workdir.clone();
    Ok((rc != RuntimeConfig::default()).then_some(rc))
}
