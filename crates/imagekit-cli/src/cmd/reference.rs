//! `imagekit ref parse REF`: how a name like `nginx` becomes `docker.io/library/nginx:latest`.

use imagekit::reference::Reference;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Parse and normalize an image reference per the distribution grammar, as Docker does.
    Parse(ParseArgs),
}

#[derive(clap::Args)]
pub struct ParseArgs {
    /// References to parse (each is reported; the command fails if any is invalid).
    #[arg(required = true)]
    references: Vec<String>,
}

pub fn run(command: Command) -> anyhow::Result<()> {
    let Command::Parse(args) = command;
    let mut parsed = Vec::new();
    let mut invalid = Vec::new();
    for input in &args.references {
        let r = match Reference::parse(input) {
            Ok(r) => r,
            Err(e) => {
                if !crate::output::json_mode() {
                    println!("{input}\n  invalid      {e}");
                }
                parsed.push(serde_json::json!({ "input": input, "error": e.to_string() }));
                invalid.push(e);
                continue;
            }
        };
        parsed.push(serde_json::json!({
            "input": input,
            "normalized": r.to_string(),
            "familiar": r.familiar(),
            "registry": r.registry,
            "repository": r.repository,
            "tag": r.tag,
            "digest": r.digest,
            "asks_registry_for": r.registry_reference(),
        }));
        if !crate::output::json_mode() {
            println!("{input}");
            println!("  normalized   {r}");
            println!("  registry     {}", r.registry);
            println!("  repository   {}", r.repository);
            println!("  tag          {}", r.tag.as_deref().unwrap_or("(none: pinned by digest)"));
            println!(
                "  digest       {}",
                r.digest.as_ref().map_or("(none: the tag decides)".into(), |d| d.to_string())
            );
            println!("  asks for     GET /v2/{}/manifests/{}", r.repository, r.registry_reference());
        }
    }
    if crate::output::json_mode() {
        crate::output::json(&parsed)?;
    }
    match invalid.as_slice() {
        [] => Ok(()),
        [one] => Err(anyhow::anyhow!("{one}")),
        many => Err(anyhow::anyhow!(
            "{} of {} references are invalid (first: {})",
            many.len(),
            args.references.len(),
            many[0]
        )),
    }
}
