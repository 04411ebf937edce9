//! Every rule's doc has the fixed sections, in order, and its examples tell the truth:
//! each `flagged` block produces the rule, each `fine` block does not.

use nodepit_tests::{lint, render, root};

const SECTIONS: &[&str] = &[
    "## Interview question",
    "## Answer",
    "## What breaks in production",
    "## How to fix",
    "## Prove it",
    "## Examples",
    "### Flagged",
    "### Fine",
    "## Sources",
];

#[test]
fn docs_have_the_fixed_sections_in_order() {
    for entry in nodepit_rules::REGISTRY {
        let doc = entry.meta.doc;
        let id = entry.meta.id;
        assert!(
            doc.starts_with(&format!("# {id}\n")),
            "{id}: the doc must start with `# {id}`"
        );
        assert!(
            !entry.meta.summary().is_empty() && !entry.meta.summary().starts_with('#'),
            "{id}: no summary line"
        );
        let headings: Vec<&str> = doc
            .lines()
            .filter(|l| l.starts_with("## ") || l.starts_with("### "))
            .filter(|l| *l != "## Options")
            .collect();
        assert_eq!(headings, SECTIONS, "{id}: sections differ");
        // One runnable demonstration, inside `## Prove it` (`nodepit explain --demo` runs it).
        let demos = doc.lines().filter(|l| l.trim_end() == "```js demo").count();
        assert_eq!(demos, 1, "{id}: want exactly one `js demo` block");
        let prove = entry.meta.section("Prove it").unwrap_or("");
        assert!(
            prove.lines().any(|l| l.trim_end() == "```js demo"),
            "{id}: the `js demo` block belongs in `## Prove it`"
        );
        assert!(
            entry.meta.demo().is_some(),
            "{id}: the demo block is not closed"
        );
    }
}

#[test]
fn doc_examples_are_linted() {
    let mut failures = Vec::new();
    for entry in nodepit_rules::REGISTRY {
        let id = entry.meta.id;
        let blocks = examples(entry.meta.doc);
        let flagged = blocks.iter().filter(|b| b.flagged).count();
        let fine = blocks.len() - flagged;
        assert!(
            flagged >= 2 && fine >= 2,
            "{id}: want at least 2 flagged and 2 fine examples"
        );
        for (i, b) in blocks.iter().enumerate() {
            let name = format!("example{i}.{}", b.lang);
            let diagnostics = lint(&name, &b.code);
            let hits = diagnostics.iter().filter(|d| d.rule == id).count();
            let syntax = diagnostics.iter().any(|d| d.rule == "syntax-error");
            if syntax || (b.flagged && hits == 0) || (!b.flagged && hits > 0) {
                failures.push(format!(
                    "{id} example {i} ({}):\n{}\n{}",
                    if b.flagged { "flagged" } else { "fine" },
                    b.code,
                    render(&b.code, &diagnostics)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}

/// The guides are the source of facts, never of sentences: `../shared/tools/own-words` must
/// find no run of eight words shared with them.
#[test]
fn docs_are_in_our_own_words() {
    let tool = root().join("../shared/tools/own-words");
    if !tool.exists() {
        eprintln!("own-words is not available beside this checkout; skipped");
        return;
    }
    let out = std::process::Command::new("python3")
        .arg(&tool)
        .arg(root().join("rules"))
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "own-words found copied prose:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

struct Example {
    flagged: bool,
    lang: &'static str,
    code: String,
}

fn examples(doc: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut current: Option<Example> = None;
    for line in doc.lines() {
        match (&mut current, line.trim_start().strip_prefix("```")) {
            (None, Some(tag)) => {
                let mut words = tag.split_whitespace();
                let lang = match words.next() {
                    Some("ts") => "ts",
                    Some("js") => "js",
                    _ => "",
                };
                let kind = words.next();
                current = match (lang, kind) {
                    ("", _) | (_, None) => Some(Example {
                        flagged: false,
                        lang: "",
                        code: String::new(),
                    }),
                    (lang, Some(k)) => Some(Example {
                        flagged: k == "flagged",
                        lang,
                        code: String::new(),
                    }),
                };
                if kind.is_none_or(|k| k != "flagged" && k != "fine") {
                    current.as_mut().expect("set").lang = "";
                }
            }
            (Some(_), Some(_)) => {
                let done = current.take().expect("open block");
                if !done.lang.is_empty() {
                    out.push(done);
                }
            }
            (Some(ex), None) => {
                ex.code.push_str(line);
                ex.code.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}
