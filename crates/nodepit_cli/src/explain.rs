//! `nodepit explain`: a rule's markdown doc made readable in a terminal, and `--demo`, which runs
//! the doc's demonstration on a real Node.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// The doc of a rule, or of a diagnostic nodepit reports itself (`syntax-error`, …).
pub fn doc(id: &str) -> Option<&'static str> {
    nodepit_rules::find(id)
        .map(|e| e.meta.doc)
        .or_else(|| nodepit_analyzer::builtin(id).map(|m| m.doc))
}

/// `nodepit explain <rule> --demo [--node PATH]`: writes the rule's `js demo` program to a fresh
/// temporary folder and runs it with `node`, its output streaming through; the exit code is the
/// demo's (0: confirmed, 1: not confirmed), or 2 when it cannot run.
pub fn run_demo(rule: &str, node: Option<&Path>) -> ExitCode {
    let meta = nodepit_rules::find(rule)
        .map(|e| e.meta)
        .or_else(|| nodepit_analyzer::builtin(rule));
    let Some(meta) = meta else {
        eprintln!("error: unknown rule `{rule}`; `nodepit rules` lists them");
        return ExitCode::from(2);
    };
    let Some(program) = meta.demo() else {
        eprintln!(
            "error: `{}` has no demonstration yet (no `js demo` block in its doc); `nodepit explain {}` prints the answer",
            meta.id, meta.id
        );
        return ExitCode::from(2);
    };
    let node = node.map_or_else(|| PathBuf::from("node"), Path::to_path_buf);
    let version = match Command::new(&node)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        Ok(out) => {
            eprintln!(
                "error: `{} --version` failed ({}); pass a working Node with --node PATH",
                node.display(),
                out.status
            );
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!(
                "error: cannot run Node (`{}`: {e}). Install Node.js (https://nodejs.org, or your package manager, e.g. `apt install nodejs`) and put `node` on PATH, or pass its path with --node PATH",
                node.display()
            );
            return ExitCode::from(2);
        }
    };
    let dir = match fresh_dir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("error: cannot create a temporary folder for the demo: {e}");
            return ExitCode::from(2);
        }
    };
    // `.cjs`: the demos are CommonJS whatever package.json lies above the temporary folder.
    let file = dir.join(format!("{}.demo.cjs", meta.id));
    if let Err(e) = std::fs::write(&file, program) {
        eprintln!("error: cannot write {}: {e}", file.display());
        return ExitCode::from(2);
    }
    println!(
        "Running the demonstration of {} with Node {version} ({})",
        meta.id,
        node.display()
    );
    println!("  {}", file.display());
    println!();
    use std::io::Write;
    let _ = std::io::stdout().flush();
    // Inherited stdio: the demo's output streams as it comes, in its own order.
    let status = Command::new(&node)
        .arg(&file)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .status();
    let _ = std::fs::remove_dir_all(&dir);
    match status {
        Ok(status) => match status.code() {
            Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
            None => {
                eprintln!("error: the demo was killed ({status})");
                ExitCode::from(1)
            }
        },
        Err(e) => {
            eprintln!("error: cannot run {}: {e}", node.display());
            ExitCode::from(2)
        }
    }
}

/// A new, empty folder under the system's temporary folder.
fn fresh_dir() -> std::io::Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let base = std::env::temp_dir();
    let mut last = None;
    for attempt in 0..100u32 {
        let dir = base.join(format!(
            "nodepit-demo-{}-{nanos:x}-{attempt}",
            std::process::id()
        ));
        // `create_dir`, not `create_dir_all`: an existing folder (someone else's) is never reused.
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free name")))
}

/// Renders markdown for a terminal: headings stand out, code is indented, fences and
/// blockquote markers go.
pub fn render(doc: &str, color: bool) -> String {
    let (bold, dim, reset) = if color {
        ("\x1b[1m", "\x1b[2m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    let mut out = String::new();
    let mut in_code = false;
    for line in doc.lines() {
        if let Some(fence) = line.trim_start().strip_prefix("```") {
            in_code = !in_code;
            if in_code {
                let tag = fence.trim();
                let label = match tag.split_whitespace().nth(1) {
                    Some("flagged") => "  (flagged)",
                    Some("fine") => "  (fine)",
                    Some("demo") => "demo",
                    _ => "",
                };
                if label == "demo" {
                    out.push_str(&format!(
                        "{dim}  (demo: run it with nodepit explain {} --demo){reset}\n",
                        rule_id(doc)
                    ));
                } else if !label.is_empty() {
                    out.push_str(&format!("{dim}{label}{reset}\n"));
                }
            }
            continue;
        }
        if in_code {
            out.push_str(&format!("    {dim}{line}{reset}\n"));
        } else if let Some(h) = line.strip_prefix("# ") {
            out.push_str(&format!(
                "{bold}{}{reset}\n{}\n",
                h,
                "=".repeat(h.chars().count())
            ));
        } else if let Some(h) = line.strip_prefix("## ") {
            out.push_str(&format!("\n{bold}{h}{reset}\n"));
        } else if let Some(h) = line.strip_prefix("### ") {
            out.push_str(&format!("{bold}{h}{reset}\n"));
        } else if let Some(q) = line.strip_prefix("> ") {
            out.push_str(&format!("  {q}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The rule id in the doc's `# <id>` title.
fn rule_id(doc: &str) -> &str {
    doc.lines()
        .next()
        .and_then(|l| l.strip_prefix("# "))
        .map_or("<rule-id>", str::trim)
}
