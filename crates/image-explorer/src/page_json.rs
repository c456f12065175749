//! The report as the page reads it: JSON written through imagekit's [`json::Value`], field
//! names as `imagekit --json layers`, `history` and `audit` print them (the browser test holds
//! the page to that output). Written by hand, not by serde's derives: serde_json's writer and
//! the derives were about 20 KB of the WebAssembly module.
//!
//! One difference from the CLI: the efficiency `score` is left out, and the page computes it as
//! the CLI does (`(total_bytes − wasted_bytes) / total_bytes`, 1 when there are no bytes), so
//! the module needs no float formatting.

use imagekit::apply::NodeKind;
use imagekit::audit::{
    DeletedFile, Efficiency, FileReport, ModeFinding, OverwrittenFile, PathWaste, SecretFile, SecretFinding, SecretRule,
};
use imagekit::json::{self, Object, Value};
use imagekit::Digest;

use crate::report::{AuditRow, Change, ConfigRow, DocumentRow, FileRow, HistoryRow, LayerRow, PlatformRow, Report};

/// `{"ok": report}` or `{"error": "one line"}`: the worker's answer to the page.
pub fn answer(result: Result<Report, String>) -> String {
    let (key, value) = match result {
        Ok(report) => ("ok", report.to_json()),
        Err(error) => ("error", Value::from(crate::explore::one_line(&error))),
    };
    json::write(&object(vec![(key, value)]))
}

/// A `Vec`, not an array: an array's length is part of its type, one copy of this per length.
fn object(members: Vec<(&str, Value)>) -> Value {
    Value::Object(members.into_iter().collect())
}

fn list<T>(items: &[T], each: fn(&T) -> Value) -> Value {
    Value::Array(items.iter().map(each).collect())
}

fn digest(d: &Digest) -> Value {
    Value::from(d.to_string())
}

fn kind(k: NodeKind) -> Value {
    Value::from(match k {
        NodeKind::File => "file",
        NodeKind::Dir => "dir",
        NodeKind::Symlink => "symlink",
        NodeKind::Hardlink => "hardlink",
    })
}

impl Report {
    pub fn to_json(&self) -> Value {
        let mut members: Object = [
            ("kind", Value::from(self.kind)),
            ("source", Value::from(self.source.as_str())),
            ("platforms", list(&self.platforms, PlatformRow::to_json)),
            ("manifest", self.manifest.as_ref().map_or(Value::Null, DocumentRow::to_json)),
            ("config", self.config.as_ref().map_or(Value::Null, ConfigRow::to_json)),
            ("history", list(&self.history, HistoryRow::to_json)),
            ("history_note", Value::from(self.history_note.clone())),
            ("layers", list(&self.layers, LayerRow::to_json)),
            ("total_size", Value::from(self.total_size)),
            ("total_uncompressed_size", Value::from(self.total_uncompressed_size)),
            ("deleted_bytes_still_shipped", Value::from(self.deleted_bytes_still_shipped)),
            ("merged", list(&self.merged, FileRow::to_json)),
            ("merged_view_files", Value::from(self.merged_view_files)),
            ("merged_view_size", Value::from(self.merged_view_size)),
            ("audit", self.audit.to_json()),
        ]
        .into_iter()
        .collect();
        if !self.images.is_empty() {
            members.insert("images", Value::from(self.images.clone()));
        }
        Value::Object(members)
    }
}

impl PlatformRow {
    fn to_json(&self) -> Value {
        object(vec![
            ("platform", Value::from(self.platform.as_str())),
            ("digest", self.digest.as_ref().map_or(Value::Null, digest)),
            ("chosen", Value::from(self.chosen)),
        ])
    }
}

impl DocumentRow {
    fn to_json(&self) -> Value {
        object(vec![
            ("digest", digest(&self.digest)),
            ("media_type", Value::from(self.media_type.as_str())),
            ("size", Value::from(self.size)),
        ])
    }
}

impl ConfigRow {
    fn to_json(&self) -> Value {
        let labels = self.labels.iter().map(|(k, v)| Value::from(vec![k.as_str(), v.as_str()])).collect();
        object(vec![
            ("digest", self.digest.as_ref().map_or(Value::Null, digest)),
            ("os", Value::from(self.os.as_str())),
            ("architecture", Value::from(self.architecture.as_str())),
            ("created", Value::from(self.created.clone())),
            ("entrypoint", Value::from(self.entrypoint.clone())),
            ("cmd", Value::from(self.cmd.clone())),
            ("env", Value::from(self.env.clone())),
            ("user", Value::from(self.user.clone())),
            ("working_dir", Value::from(self.working_dir.clone())),
            ("exposed_ports", Value::from(self.exposed_ports.clone())),
            ("labels", Value::Array(labels)),
        ])
    }
}

impl HistoryRow {
    fn to_json(&self) -> Value {
        object(vec![
            ("index", Value::from(self.index)),
            ("created", Value::from(self.created.clone())),
            ("created_by", Value::from(self.created_by.clone())),
            ("comment", Value::from(self.comment.clone())),
            ("empty_layer", Value::from(self.empty_layer)),
            ("layer", Value::from(self.layer)),
        ])
    }
}

impl LayerRow {
    fn to_json(&self) -> Value {
        object(vec![
            ("index", Value::from(self.index)),
            ("digest", digest(&self.digest)),
            ("diff_id", digest(&self.diff_id)),
            ("media_type", Value::from(self.media_type.as_str())),
            ("size", Value::from(self.size)),
            ("uncompressed_size", Value::from(self.uncompressed_size)),
            ("entries", Value::from(self.entries)),
            ("added", Value::from(self.added)),
            ("changed", Value::from(self.changed)),
            ("deleted", Value::from(self.deleted)),
            ("deleted_bytes_still_shipped", Value::from(self.deleted_bytes_still_shipped)),
            ("created_by", Value::from(self.created_by.clone())),
            ("files", list(&self.files, Change::to_json)),
        ])
    }
}

impl Change {
    fn to_json(&self) -> Value {
        object(vec![
            ("path", Value::from(self.path.as_str())),
            ("mark", Value::from(self.mark)),
            ("kind", self.kind.map_or(Value::Null, kind)),
            ("size", Value::from(self.size)),
            ("removed", Value::from(self.removed)),
        ])
    }
}

impl FileRow {
    fn to_json(&self) -> Value {
        object(vec![
            ("path", Value::from(self.path.as_str())),
            ("kind", kind(self.kind)),
            ("size", Value::from(self.size)),
            ("mode", Value::from(self.mode)),
            ("layer", Value::from(self.layer)),
            ("link", Value::from(self.link.clone())),
        ])
    }
}

impl AuditRow {
    /// `secrets`, then the file findings' fields beside it (as the CLI's `audit --json`).
    fn to_json(&self) -> Value {
        let mut members: Object = [("secrets", list(&self.secrets, secret))].into_iter().collect();
        if let Some(files) = &self.files {
            let Value::Object(found) = file_report(files) else { unreachable!("file_report writes an object") };
            for (key, value) in found {
                members.insert(key, value);
            }
        }
        Value::Object(members)
    }
}

fn secret(s: &SecretFinding) -> Value {
    object(vec![
        ("place", Value::from(s.place.as_str())),
        ("name", Value::from(s.name.as_str())),
        ("masked", Value::from(s.masked.as_str())),
        (
            "rule",
            Value::from(match s.rule {
                SecretRule::SecretName => "secret-name",
                SecretRule::UrlCredentials => "url-credentials",
            }),
        ),
    ])
}

fn file_report(r: &FileReport) -> Value {
    object(vec![
        ("layers", Value::from(r.layers)),
        ("deleted", list(&r.deleted, deleted)),
        ("overwritten", list(&r.overwritten, overwritten)),
        ("secret_files", list(&r.secret_files, secret_file)),
        ("world_writable", list(&r.world_writable, mode_finding)),
        ("setid", list(&r.setid, mode_finding)),
        ("efficiency", efficiency(&r.efficiency)),
    ])
}

fn deleted(d: &DeletedFile) -> Value {
    object(vec![
        ("path", Value::from(d.path.as_str())),
        ("added_in", Value::from(d.added_in)),
        ("deleted_in", Value::from(d.deleted_in)),
        ("bytes", Value::from(d.bytes)),
    ])
}

fn overwritten(o: &OverwrittenFile) -> Value {
    object(vec![
        ("path", Value::from(o.path.as_str())),
        ("lower_layer", Value::from(o.lower_layer)),
        ("upper_layer", Value::from(o.upper_layer)),
        ("lower_bytes", Value::from(o.lower_bytes)),
        ("upper_bytes", Value::from(o.upper_bytes)),
    ])
}

fn secret_file(s: &SecretFile) -> Value {
    object(vec![
        ("path", Value::from(s.path.as_str())),
        ("layer", Value::from(s.layer)),
        ("bytes", Value::from(s.bytes)),
        ("deleted_in", Value::from(s.deleted_in)),
    ])
}

fn mode_finding(m: &ModeFinding) -> Value {
    object(vec![
        ("path", Value::from(m.path.as_str())),
        ("kind", kind(m.kind)),
        ("mode", Value::from(m.mode)),
        ("mode_text", Value::from(m.mode_text.as_str())),
        ("uid", Value::from(m.uid)),
        ("gid", Value::from(m.gid)),
        ("layer", Value::from(m.layer)),
    ])
}

fn efficiency(e: &Efficiency) -> Value {
    object(vec![
        ("total_bytes", Value::from(e.total_bytes)),
        ("wasted_bytes", Value::from(e.wasted_bytes)),
        ("dive_wasted_bytes", Value::from(e.dive_wasted_bytes)),
        ("top", list(&e.top, path_waste)),
    ])
}

fn path_waste(p: &PathWaste) -> Value {
    object(vec![
        ("path", Value::from(p.path.as_str())),
        ("versions", Value::from(p.versions)),
        ("total_bytes", Value::from(p.total_bytes)),
        ("wasted_bytes", Value::from(p.wasted_bytes)),
    ])
}
