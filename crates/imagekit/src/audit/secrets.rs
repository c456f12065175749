//! Secrets in the config: `NAME=value` assignments with secret-looking names and URL
//! credentials in `Env`, labels and history, and file names that usually hold credentials.

use serde::Serialize;

use crate::config::ImageConfig;

/// A secret found in the config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretFinding {
    /// Where: `Env`, `Labels[key]`, `history[3].created_by`.
    pub place: String,
    /// The variable or flag name, or `URL user:password` for URL credentials.
    pub name: String,
    /// The value with all but a few characters masked.
    pub masked: String,
    /// Why it was flagged.
    pub rule: SecretRule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretRule {
    /// `NAME=value` (or `--name=value`, `ENV NAME value`) where NAME reads like a secret.
    SecretName,
    /// `scheme://user:password@host`.
    UrlCredentials,
}

/// Whether a variable or flag name reads like it holds a secret: PASSWORD, PASSWD, SECRET,
/// TOKEN, CREDENTIAL(S), API_KEY, `*_KEY`, PASS, PWD. Not secrets: `PWD`/`OLDPWD` (the shell's
/// directories), names ending in FILE/PATH/DIR/ID/NAME/USER (they point at or name a secret:
/// `POSTGRES_PASSWORD_FILE`, `AWS_ACCESS_KEY_ID`), names ending in a checksum word (SHA512, MD5,
/// CHECKSUM…: nginx's `KEY_SHA512` is the hash of its public signing key), and a bare `key` or
/// `GPG_KEYS` — official Dockerfiles use those for public GPG fingerprints (postgres: `key='B97B0AFC…'`).
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.trim_start_matches('-').to_ascii_uppercase();
    if upper == "PWD" || upper == "OLDPWD" {
        return false;
    }
    let words: Vec<&str> = upper.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let Some(last) = words.last() else { return false };
    let names_not_holds = ["FILE", "PATH", "DIR", "ID", "NAME", "USER", "USERNAME", "TYPE", "LENGTH", "MODE"];
    // Checksums of a key are public too (nginx: `KEY_SHA512="e09fa32f…"`).
    let digests = ["MD5", "SUM", "CHECKSUM", "HASH", "FINGERPRINT", "FPR"];
    if names_not_holds.contains(last) || digests.contains(last) || last.starts_with("SHA") {
        return false;
    }
    let strong = ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "CREDENTIALS", "APIKEY", "PRIVATEKEY"];
    if words.iter().any(|w| strong.iter().any(|s| w.ends_with(s)) || *w == "PASS" || *w == "PWD") {
        return true;
    }
    let public = ["GPG", "PGP", "PUBLIC", "PUB", "SIGNING"];
    words.len() > 1 && words.contains(&"KEY") && !words.iter().any(|w| public.contains(w))
}

/// Mask a secret: a few characters stay so a person can recognise it, the rest become `*`.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let stars = |k: usize| "*".repeat(k.clamp(3, 8));
    match n {
        0..=3 => "***".into(),
        4..=7 => format!("{}{}", chars[0], stars(n - 1)),
        _ => format!(
            "{}{}{}",
            chars[..2].iter().collect::<String>(),
            stars(n - 4),
            chars[n - 2..].iter().collect::<String>()
        ),
    }
}

/// A literal worth flagging: not empty, not a `$VAR` reference.
fn literal(value: &str) -> bool {
    let v = value.trim_matches(|c| c == '"' || c == '\'');
    !v.is_empty() && !v.starts_with('$')
}

/// `(name, value)` pairs in shell-like text: `NAME=value`, `--name=value`, `--name value`,
/// Dockerfile `ENV NAME value`, and URL credentials (name `URL user:password`).
pub fn secrets_in_text(text: &str) -> Vec<(String, String, SecretRule)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    // NAME=value, with NAME preceded by a separator (or `--`).
    let mut i = 0;
    while let Some(eq) = text[i..].find('=').map(|k| k + i) {
        let mut start = eq;
        while start > 0 && is_name_byte(bytes[start - 1]) {
            start -= 1;
        }
        let name = &text[start..eq];
        let before = if start == 0 { b' ' } else { bytes[start - 1] };
        let value = value_at(&text[eq + 1..]);
        if !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && b" \t\n;&|(`\"'".contains(&before)
            && is_secret_name(name)
            && literal(value)
        {
            out.push((name.trim_start_matches('-').to_string(), unquote(value).to_string(), SecretRule::SecretName));
        }
        i = eq + 1;
    }
    // `--password hunter2` and the old `ENV NAME value` form.
    let words: Vec<&str> = text.split_whitespace().collect();
    for pair in words.windows(2) {
        let (flag, value) = (pair[0], pair[1]);
        if flag.starts_with("--")
            && !flag.contains('=')
            && is_secret_name(flag)
            && !value.starts_with('-')
            && literal(value)
        {
            out.push((flag.trim_start_matches('-').to_string(), unquote(value).to_string(), SecretRule::SecretName));
        }
    }
    if let [env, name, value, ..] = words.as_slice() {
        if env.eq_ignore_ascii_case("ENV") && !name.contains('=') && is_secret_name(name) && literal(value) {
            let rest = text.splitn(3, char::is_whitespace).nth(2).unwrap_or(value).trim();
            out.push((name.to_string(), unquote(rest).to_string(), SecretRule::SecretName));
        }
    }
    for (user, host, password) in url_credentials(text) {
        out.push((format!("URL {user}:…@{host}"), password, SecretRule::UrlCredentials));
    }
    out
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.'
}

/// The value after `=`: a quoted string, or up to whitespace or a shell separator.
fn value_at(rest: &str) -> &str {
    if let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
        return match rest[1..].find(q) {
            Some(end) => &rest[..end + 2],
            None => rest,
        };
    }
    let end = rest.find(|c: char| c.is_whitespace() || ";&|)`".contains(c)).unwrap_or(rest.len());
    &rest[..end]
}

fn unquote(v: &str) -> &str {
    v.trim_matches(|c| c == '"' || c == '\'')
}

/// `(user, host, password)` for every `scheme://user:password@host` in `text`.
fn url_credentials(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("://") {
        let rest = &text[at + 3..];
        let authority_end = rest.find(|c: char| c.is_whitespace() || "/?#\"'`;)".contains(c)).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        let Some((userinfo, host)) = authority.rsplit_once('@') else { continue };
        let Some((user, password)) = userinfo.split_once(':') else { continue };
        if literal(password) {
            out.push((user.to_string(), host.to_string(), password.to_string()));
        }
    }
    out
}

/// Secrets in environment entries (`NAME=value`), label values and history lines.
pub fn secrets<'a>(
    env: &[String],
    labels: impl IntoIterator<Item = (&'a str, &'a str)>,
    history: impl IntoIterator<Item = &'a str>,
) -> Vec<SecretFinding> {
    let mut out = Vec::new();
    let mut push = |place: String, (name, value, rule): (String, String, SecretRule)| {
        out.push(SecretFinding { place, name, masked: mask(&value), rule });
    };
    for entry in env {
        let (name, value) = entry.split_once('=').unwrap_or((entry, ""));
        if is_secret_name(name) && literal(value) {
            push("Env".into(), (name.to_string(), value.to_string(), SecretRule::SecretName));
        }
        for (user, host, password) in url_credentials(value) {
            push(format!("Env {name}"), (format!("URL {user}:…@{host}"), password, SecretRule::UrlCredentials));
        }
    }
    for (key, value) in labels {
        for (user, host, password) in url_credentials(value) {
            push(format!("Labels[{key}]"), (format!("URL {user}:…@{host}"), password, SecretRule::UrlCredentials));
        }
    }
    for (i, line) in history.into_iter().enumerate() {
        for hit in secrets_in_text(line) {
            push(format!("history[{i}].created_by"), hit);
        }
    }
    out
}

/// [`secrets`] over an image config: its Env, Labels and every history entry's `created_by`.
pub fn config_secrets(config: &ImageConfig) -> Vec<SecretFinding> {
    let rc = config.config.clone().unwrap_or_default();
    let labels = rc.labels.unwrap_or_default();
    let history: Vec<&str> = config.history.iter().map(|h| h.created_by.as_deref().unwrap_or("")).collect();
    secrets(&rc.env.unwrap_or_default(), labels.iter().map(|(k, v)| (k.as_str(), v.as_str())), history)
}

/// File names that usually hold credentials: private keys, token files, `.env`.
pub fn is_secret_file_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let exact = [
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        ".env",
        ".netrc",
        ".npmrc",
        ".pypirc",
        ".pgpass",
        ".git-credentials",
        ".htpasswd",
        "credentials.json",
    ];
    exact.contains(&name)
        || path.ends_with(".aws/credentials")
        || path.ends_with(".docker/config.json")
        || [".key", ".p12", ".pfx", ".jks", ".keystore"].iter().any(|ext| name.ends_with(ext) && name.len() > ext.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_and_the_names_that_are_not() {
        for yes in [
            "DB_PASSWORD",
            "PGPASSWORD",
            "MYSQL_ROOT_PASSWORD",
            "GITHUB_TOKEN",
            "API_KEY",
            "aws_secret_access_key",
            "STRIPE_KEY",
            "DB_PASS",
            "--password",
            "REGISTRY_CREDENTIALS",
            "APIKEY",
        ] {
            assert!(is_secret_name(yes), "{yes}");
        }
        for no in [
            "PWD",
            "OLDPWD",
            "PATH",
            "key",
            "GPG_KEYS",
            "GPG_KEY",
            "POSTGRES_PASSWORD_FILE",
            "AWS_ACCESS_KEY_ID",
            "KEYSERVER",
            "TOKENIZERS_PARALLELISM",
            "BYPASS",
            "NGINX_VERSION",
            "KEY_SHA512",
            "TOKEN_MD5",
        ] {
            assert!(!is_secret_name(no), "{no}");
        }
    }

    #[test]
    fn masking_keeps_a_few_characters() {
        assert_eq!(mask("hunter2"), "h******");
        assert_eq!(mask("s3cr3t-token-value"), "s3********ue");
        assert_eq!(mask("ab"), "***");
        assert!(!mask("correct-horse-battery").contains("horse"));
    }

    #[test]
    fn finds_assignments_flags_env_lines_and_url_credentials() {
        let hits = secrets_in_text(
            "RUN |2 NPM_TOKEN=abc123xyz DEBUG=1 /bin/sh -c curl https://deploy:pa55word@git.example.com/x.git && \
             mysql --password=hunter22 && psql --password 'topsecret' && export API_KEY=\"k-123456\"",
        );
        let names: Vec<&str> = hits.iter().map(|h| h.0.as_str()).collect();
        assert_eq!(names, ["NPM_TOKEN", "password", "API_KEY", "password", "URL deploy:…@git.example.com"]);
        assert_eq!(hits[2].1, "k-123456");
        assert_eq!(hits[4].1, "pa55word");
        let env_form = secrets_in_text("ENV DB_PASSWORD hunter2 hunter3");
        assert_eq!(env_form, [("DB_PASSWORD".into(), "hunter2 hunter3".into(), SecretRule::SecretName)]);
    }

    #[test]
    fn references_and_public_keys_are_not_secrets() {
        assert!(
            secrets_in_text("RUN key='B97B0AFCAA1A47F044F244A07FCC7D46ACCC4CF8'; gpg --recv-keys \"$key\"").is_empty()
        );
        assert!(secrets_in_text("RUN echo $DB_PASSWORD && TOKEN=${TOKEN} make").is_empty());
        assert!(secrets_in_text("ENV PGDATA=/var/lib/postgresql/data PWD=/").is_empty());
        assert!(secrets_in_text("git clone https://github.com/x/y.git https://user@host/").is_empty());
    }

    #[test]
    fn config_secrets_name_their_place() {
        let env =
            vec!["PATH=/bin".to_string(), "DB_PASSWORD=hunter2".into(), "DSN=postgres://app:s3cret@db/app".into()];
        let found = secrets(&env, [], ["ADD rootfs.tar /", "RUN TOKEN=abcdef123 make"]);
        let places: Vec<(&str, &str)> = found.iter().map(|f| (f.place.as_str(), f.name.as_str())).collect();
        assert_eq!(places, [("Env", "DB_PASSWORD"), ("Env DSN", "URL app:…@db"), ("history[1].created_by", "TOKEN")]);
    }
}
