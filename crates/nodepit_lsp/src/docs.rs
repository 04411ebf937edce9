//! Rule docs for the editor: local markdown copies to link to, and hover text.

use std::path::{Path, PathBuf};

use nodepit_analyzer::RuleMeta;
use tower_lsp_server::ls_types::Uri;

/// Writes every rule's doc once per nodepit version into the user's cache directory, so
/// diagnostic links open offline in any editor. Returns the folder.
pub fn write_local_docs() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    let dir = base
        .join("nodepit")
        .join(env!("CARGO_PKG_VERSION"))
        .join("rules");
    let fallback = std::env::temp_dir()
        .join("nodepit")
        .join(env!("CARGO_PKG_VERSION"))
        .join("rules");
    [dir, fallback]
        .into_iter()
        .find(|candidate| write_all(candidate).is_ok())
}

fn write_all(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("builtin"))?;
    let metas = nodepit_rules::REGISTRY
        .iter()
        .map(|e| e.meta)
        .chain(nodepit_analyzer::BUILTIN);
    for meta in metas {
        let path = dir.join(relative_path(meta.id));
        // Rewritten only when missing or stale, so a running editor's open copy is left alone.
        if std::fs::read_to_string(&path).ok().as_deref() != Some(meta.doc) {
            std::fs::write(&path, meta.doc)?;
        }
    }
    Ok(())
}

/// The doc of a rule, or of a diagnostic nodepit reports itself (`syntax-error`, …).
pub fn meta(id: &str) -> Option<&'static RuleMeta> {
    nodepit_rules::find(id)
        .map(|e| e.meta)
        .or_else(|| nodepit_analyzer::builtin(id))
}

/// Where a doc sits under the rules folder: `<id>.md`, or `builtin/<id>.md` for the
/// diagnostics nodepit reports itself, as in the repository.
fn relative_path(id: &str) -> String {
    if nodepit_rules::find(id).is_none() && nodepit_analyzer::builtin(id).is_some() {
        format!("builtin/{id}.md")
    } else {
        format!("{id}.md")
    }
}

/// The link for a rule's interview answer.
pub fn doc_uri(rule: &str, local: Option<&Path>, base_url: Option<&str>) -> Option<Uri> {
    let file = relative_path(rule);
    // A configured base URL wins over the local copy, which wins over the published docs.
    if let (None, Some(dir)) = (base_url, local) {
        return Uri::from_file_path(dir.join(file));
    }
    let base = base_url.unwrap_or(nodepit_workspace::DOCS_BASE_URL);
    format!("{}/{file}", base.trim_end_matches('/'))
        .parse()
        .ok()
}

/// Hover markdown: the interview question and the core of the answer, with the link; for a
/// built-in diagnostic, what it means and what to do.
pub fn hover_markdown(meta: &RuleMeta, link: Option<&Uri>) -> String {
    let mut out = format!("**nodepit · `{}`**: {}\n\n", meta.id, meta.summary());
    for heading in ["What it means", "What to do"] {
        if let Some(text) = meta.section(heading) {
            out.push_str(&format!("**{heading}**\n\n{text}\n\n"));
        }
    }
    if let Some(q) = meta.section("Interview question") {
        out.push_str("**Interview question**\n\n");
        out.push_str(q);
        out.push_str("\n\n");
    }
    if let Some(answer) = meta.section("Answer") {
        out.push_str("**Answer**\n\n");
        // The first two paragraphs carry the core; the link has the rest.
        let core: Vec<&str> = answer.split("\n\n").take(2).collect();
        out.push_str(&core.join("\n\n"));
        out.push_str("\n\n");
    }
    if let Some(fix) = meta.section("How to fix") {
        if let Some(first) = fix.split("\n\n").next() {
            out.push_str("**How to fix**\n\n");
            out.push_str(first);
            out.push_str("\n\n");
        }
    }
    if let Some(uri) = link {
        out.push_str(&format!("[Read the full answer]({})", uri.as_str()));
    }
    out
}
