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
    std::fs::create_dir_all(dir)?;
    for entry in nodepit_rules::REGISTRY {
        let path = dir.join(format!("{}.md", entry.meta.id));
        // Rewritten only when missing or stale, so a running editor's open copy is left alone.
        if std::fs::read_to_string(&path).ok().as_deref() != Some(entry.meta.doc) {
            std::fs::write(&path, entry.meta.doc)?;
        }
    }
    Ok(())
}

/// The link for a rule's interview answer.
pub fn doc_uri(rule: &str, local: Option<&Path>, base_url: Option<&str>) -> Option<Uri> {
    match (base_url, local) {
        (Some(base), _) => format!("{}/{rule}.md", base.trim_end_matches('/'))
            .parse()
            .ok(),
        (None, Some(dir)) => Uri::from_file_path(dir.join(format!("{rule}.md"))),
        (None, None) => nodepit_workspace::docs_url(rule).parse().ok(),
    }
}

/// Hover markdown: the interview question and the core of the answer, with the link.
pub fn hover_markdown(meta: &RuleMeta, link: Option<&Uri>) -> String {
    let mut out = format!("**nodepit · `{}`**: {}\n\n", meta.id, meta.summary());
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
