//! Helpers shared by the workspace-level tests: linting a snippet with the default rules and
//! reading inline expectations.

use std::path::{Path, PathBuf};

use nodepit_analyzer::semantic::LineIndex;
use nodepit_analyzer::{Config, Diagnostic, RuleSet};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Lints `text` as the file `name` with every rule at its default level.
pub fn lint(name: &str, text: &str) -> Vec<Diagnostic> {
    let rules =
        RuleSet::new(nodepit_rules::REGISTRY, &Config::default(), None).expect("default rules");
    nodepit_workspace::lint_text_with(Path::new(name), text, &rules)
}

/// `(1-based line, rule)` of each diagnostic, sorted.
pub fn found(text: &str, diagnostics: &[Diagnostic]) -> Vec<(usize, String)> {
    let index = LineIndex::new(text);
    let mut out: Vec<_> = diagnostics
        .iter()
        .map(|d| (index.line(d.range.start) + 1, d.rule.to_string()))
        .collect();
    out.sort();
    out
}

/// The expectations written in a fixture: `// expect: a, b` at the end of a line, or
/// `// expect-next-line: a` above one. `// expect: none` expects nothing.
pub fn expected(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for (marker, target) in [("// expect-next-line:", i + 2), ("// expect:", i + 1)] {
            if let Some(pos) = line.find(marker) {
                let list = &line[pos + marker.len()..];
                for id in list
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty() && *s != "none")
                {
                    out.push((target, id.to_string()));
                }
                break;
            }
        }
    }
    out.sort();
    out
}

/// A compact, stable rendering of diagnostics for snapshots.
pub fn render(text: &str, diagnostics: &[Diagnostic]) -> String {
    let index = LineIndex::new(text);
    let mut out = String::new();
    for d in diagnostics {
        let (l, c) = index.char_position(text, d.range.start);
        let (el, ec) = index.char_position(text, d.range.end);
        out.push_str(&format!(
            "{}:{}-{}:{} {} {}: {}\n",
            l + 1,
            c + 1,
            el + 1,
            ec + 1,
            d.severity.as_str(),
            d.rule,
            d.message
        ));
        if let Some(help) = &d.help {
            out.push_str(&format!("    help: {help}\n"));
        }
        for r in &d.related {
            let (rl, rc) = index.char_position(text, r.range.start);
            out.push_str(&format!(
                "    related {}:{}: {}\n",
                rl + 1,
                rc + 1,
                r.message
            ));
        }
    }
    out
}
