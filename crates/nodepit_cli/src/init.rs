//! `nodepit init`: writes a commented `nodepit.toml` for the project in a folder: every rule at
//! its default level, and the README's override recipes for the tests and browser code it finds.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use nodepit_analyzer::Severity;

/// Where TOML editors find the schema when the npm package is not installed.
const SCHEMA_URL: &str =
    "https://raw.githubusercontent.com/nodepit/nodepit/main/npm/nodepit/nodepit.schema.json";

/// How deep and how wide the layout scan looks: enough for `src/client` or `packages/a/test`,
/// bounded so `init` in a huge folder still answers at once.
const MAX_DEPTH: usize = 4;
const MAX_ENTRIES: usize = 20_000;

/// Writes `dir/nodepit.toml`; exit 2 when one exists (unless `force`) or it cannot be written.
pub fn run(dir: &Path, force: bool) -> ExitCode {
    let path = dir.join("nodepit.toml");
    if !force && path.exists() {
        eprintln!(
            "error: {} already exists; nodepit init leaves it alone (--force overwrites it)",
            path.display()
        );
        return ExitCode::from(2);
    }
    let layout = Layout::scan(dir);
    match std::fs::write(&path, render(&layout)) {
        Ok(()) => {
            let mut found = Vec::new();
            if !layout.tests.is_empty() {
                found.push("tests");
            }
            if !layout.browser.is_empty() {
                found.push("browser code");
            }
            let extra = if found.is_empty() {
                String::new()
            } else {
                format!(", with overrides for {}", found.join(" and "))
            };
            println!("Wrote {}{extra}.", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            ExitCode::from(2)
        }
    }
}

/// What the project holds that the recipes care about, as globs relative to its folder.
#[derive(Debug, Default)]
pub struct Layout {
    /// The schema reference for the `#:schema` line.
    schema: String,
    /// Globs of test files.
    tests: Vec<&'static str>,
    /// Globs of browser code.
    browser: Vec<&'static str>,
    /// Globs of generated browser bundles.
    bundles: Vec<&'static str>,
}

impl Layout {
    /// Looks at the folder's files, skipping `node_modules`, hidden folders and anything deeper
    /// than [`MAX_DEPTH`].
    pub fn scan(dir: &Path) -> Self {
        let mut layout = Layout {
            schema: if dir.join("node_modules/nodepit").is_dir() {
                "./node_modules/nodepit/nodepit.schema.json".into()
            } else {
                SCHEMA_URL.into()
            },
            ..Layout::default()
        };
        let top = |name: &str| dir.join(name).is_dir();
        for (folder, glob) in [("test", "test/**"), ("tests", "tests/**")] {
            if top(folder) {
                layout.tests.push(glob);
            }
        }
        for (folder, glob) in [
            ("public", "public/**"),
            ("static", "static/**"),
            ("client", "client/**"),
            ("src/client", "src/client/**"),
        ] {
            if top(folder) {
                layout.browser.push(glob);
            }
        }
        if top("public/dist") {
            layout.bundles.push("public/dist/**");
        }
        let (mut nested_tests, mut test_files, mut spec_files, mut minified) =
            (false, false, false, false);
        let mut queue: Vec<(PathBuf, usize)> = vec![(dir.to_path_buf(), 0)];
        let mut seen = 0;
        while let Some((folder, depth)) = queue.pop() {
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries.flatten() {
                seen += 1;
                if seen > MAX_ENTRIES {
                    break;
                }
                let name = entry.file_name();
                let name = name.to_string_lossy();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() {
                    if name == "__tests__" {
                        nested_tests = true;
                    } else if depth < MAX_DEPTH && name != "node_modules" && !name.starts_with('.')
                    {
                        queue.push((entry.path(), depth + 1));
                    }
                } else if is_script(&name) {
                    test_files |= name.contains(".test.");
                    spec_files |= name.contains(".spec.");
                    minified |= name.ends_with(".min.js");
                }
            }
        }
        for (found, glob) in [
            (nested_tests, "**/__tests__/**"),
            (test_files, "**/*.test.*"),
            (spec_files, "**/*.spec.*"),
        ] {
            if found {
                layout.tests.push(glob);
            }
        }
        if minified {
            layout.bundles.push("**/*.min.js");
        }
        layout
    }
}

/// Whether nodepit lints a file with this name.
fn is_script(name: &str) -> bool {
    [".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

fn quoted(globs: &[&str]) -> String {
    let items: Vec<String> = globs.iter().map(|g| format!("\"{g}\"")).collect();
    format!("[{}]", items.join(", "))
}

/// A recipe's rule lines, keeping only rules the registry has (a renamed rule would make the
/// file fail to load).
fn recipe_rules(out: &mut String, lines: &[(&str, &str, &str)]) {
    out.push_str("[overrides.rules]\n");
    for (id, level, why) in lines {
        if nodepit_rules::find(id).is_some() {
            let setting = format!("{id} = \"{level}\"");
            let _ = writeln!(out, "{setting:<34} # {why}");
        }
    }
}

/// The commented `nodepit.toml` text for a project with this layout.
pub fn render(layout: &Layout) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "#:schema {}", layout.schema);
    out.push_str(
        "# nodepit settings for this folder and those below it (the nearest nodepit.toml applies).\n\
         # https://github.com/nodepit/nodepit#configuration explains every key;\n\
         # `nodepit explain <rule-id>` prints the answer behind a rule.\n\n",
    );
    out.push_str("# Files not to lint, relative to this file's folder (.gitignore'd files are skipped anyway).\n");
    if layout.bundles.is_empty() {
        out.push_str("# ignore = [\"dist/**\"]\n\n");
    } else {
        let _ = writeln!(
            out,
            "ignore = {}   # bundles are generated: fix their sources instead\n",
            quoted(&layout.bundles)
        );
    }
    out.push_str(
        "# Every rule at its default level: uncomment a line to set \"error\", \"warn\" or \"off\".\n\
         [rules]\n",
    );
    for entry in nodepit_rules::REGISTRY {
        let level = match entry.meta.severity {
            Severity::Error => "error",
            _ => "warn",
        };
        let setting = format!("# {} = \"{level}\"", entry.meta.id);
        let _ = writeln!(out, "{setting:<42} # {}", entry.meta.summary());
    }
    if !layout.tests.is_empty() {
        out.push_str(
            "\n# Tests. Keep no-floating-promise on here: an assertion whose promise nobody awaits\n\
             # cannot fail its test.\n[[overrides]]\n",
        );
        let _ = writeln!(out, "files = {}", quoted(&layout.tests));
        recipe_rules(
            &mut out,
            &[
                (
                    "no-unbounded-promise-all",
                    "off",
                    "fixtures are small and fixed in size",
                ),
                (
                    "no-sync-in-handler",
                    "off",
                    "a stub server may read its fixture files synchronously",
                ),
            ],
        );
    }
    if !layout.browser.is_empty() {
        out.push_str("\n# Browser code: not a Node.js server.\n[[overrides]]\n");
        let _ = writeln!(out, "files = {}", quoted(&layout.browser));
        recipe_rules(
            &mut out,
            &[
                (
                    "no-unbounded-promise-all",
                    "off",
                    "browsers queue requests beyond a few connections per host",
                ),
                (
                    "prefer-pipeline",
                    "off",
                    "`.pipe` there is rarely a Node stream",
                ),
                (
                    "no-floating-promise",
                    "warn",
                    "a rejection logs to the console; it does not stop a server",
                ),
            ],
        );
    }
    out
}
