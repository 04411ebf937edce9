//! Helpers shared by the workspace-level tests: linting a snippet or a project folder with the
//! default rules and reading inline expectations.

use std::path::{Path, PathBuf};

use nodepit_analyzer::semantic::LineIndex;
use nodepit_analyzer::{Config, Diagnostic, RuleSet};
use nodepit_workspace::{Options, Workspace};

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
    render_with(text, diagnostics, &|path| {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        (path.display().to_string().replace('\\', "/"), text)
    })
}

/// [`render`], with a related location in another file shown as `<name>:<line>:<col>`, where
/// `other` gives that file's display name and text.
fn render_with(
    text: &str,
    diagnostics: &[Diagnostic],
    other: &dyn Fn(&Path) -> (String, String),
) -> String {
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
            let at = match &r.path {
                None => {
                    let (rl, rc) = index.char_position(text, r.range.start);
                    format!("{}:{}", rl + 1, rc + 1)
                }
                Some(path) => {
                    let (name, other_text) = other(path);
                    let (rl, rc) =
                        LineIndex::new(&other_text).char_position(&other_text, r.range.start);
                    format!("{name}:{}:{}", rl + 1, rc + 1)
                }
            };
            out.push_str(&format!("    related {at}: {}\n", r.message));
        }
    }
    out
}

/// One linted file of a project fixture.
#[derive(Debug)]
pub struct ProjectFile {
    /// Path relative to the project folder, with forward slashes.
    pub rel: String,
    /// The file's text, as read from disk.
    pub text: String,
    /// Its findings.
    pub diagnostics: Vec<Diagnostic>,
}

/// Lints the folder `dir` as one project through the workspace API, the way `nodepit check
/// <dir>` does, with every rule at its default level. Files come back in path order.
pub fn lint_project(dir: &Path) -> Vec<ProjectFile> {
    let workspace = Workspace::new(Options::default()).expect("default options");
    let (files, errors) = workspace
        .collect_files(&[dir.to_path_buf()])
        .unwrap_or_else(|e| panic!("cannot collect {}: {e:?}", dir.display()));
    assert!(
        errors.is_empty(),
        "{}: unreadable: {errors:?}",
        dir.display()
    );
    let results = workspace
        .lint_files(files)
        .unwrap_or_else(|e| panic!("cannot lint {}: {e:?}", dir.display()));
    let mut out: Vec<_> = results
        .into_iter()
        .map(|r| {
            assert!(
                r.io_error.is_none(),
                "{}: {:?}",
                r.path.display(),
                r.io_error
            );
            // `lint_files` drops the text of files without findings: read it again.
            let text = std::fs::read_to_string(&r.path)
                .unwrap_or_else(|e| panic!("{}: {e}", r.path.display()));
            ProjectFile {
                rel: relative(dir, &r.path),
                text,
                diagnostics: r.diagnostics,
            }
        })
        .collect();
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}

/// `path` relative to `root`, with forward slashes; the path as given when it is outside. A
/// relative `path` may be relative to `root` already, or to the current directory.
pub fn relative(root: &Path, path: &Path) -> String {
    let inside = if path.is_relative() && root.join(path).is_file() {
        Some(path.to_path_buf())
    } else {
        path.strip_prefix(root)
            .ok()
            .map(Path::to_path_buf)
            .or_else(|| {
                // One side may be relative or reach the folder through a symlink.
                let root = std::fs::canonicalize(root).ok()?;
                let path = std::fs::canonicalize(path).ok()?;
                path.strip_prefix(&root).ok().map(Path::to_path_buf)
            })
    };
    match inside {
        Some(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        None => path.display().to_string().replace('\\', "/"),
    }
}

/// The snapshot of a project: every file with findings, in path order, under a
/// `== <relative path> ==` header, rendered like a single file; a related location in another
/// file shows that file's path relative to the project folder.
pub fn render_project(dir: &Path, files: &[ProjectFile]) -> String {
    let other = |path: &Path| {
        let rel = relative(dir, path);
        let text = files
            .iter()
            .find(|f| f.rel == rel)
            .map(|f| f.text.clone())
            .or_else(|| std::fs::read_to_string(dir.join(&rel)).ok())
            .or_else(|| std::fs::read_to_string(path).ok())
            .unwrap_or_default();
        (rel, text)
    };
    let mut out = String::new();
    for f in files.iter().filter(|f| !f.diagnostics.is_empty()) {
        out.push_str(&format!("== {} ==\n", f.rel));
        out.push_str(&render_with(&f.text, &f.diagnostics, &other));
    }
    out
}
