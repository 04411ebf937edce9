//! What nodepit prints about files it cannot or need not check, and the docs of the diagnostics
//! it reports itself: declaration files named on the command line, Flow files, `explain` for
//! `syntax-error` and friends.

use serde_json::Value;

mod common;
use common::{nodepit, stdout, write};

const DTS: &str = "declare module 'legacy-cache' {\n  export function get(key: string): Promise<Buffer | undefined>;\n  export function get(key: string, cb: (err: Error | null, value?: Buffer) => void): void;\n}\nexport declare const VERSION: string;\n";

/// lint-staged, pre-commit and editors pass `.d.ts` files by name: they are parsed as
/// declarations, with no spurious syntax error, while directory walks still skip them.
#[test]
fn declaration_files_named_explicitly_parse_as_declarations() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/types.d.ts", DTS);
    write(dir.path(), "src/legacy.d.mts", DTS);
    let out = nodepit(dir.path(), &["check", "src/types.d.ts", "src/legacy.d.mts"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        stdout(&out),
        "0 errors and 0 warnings in 2 files checked.\n"
    );
    let walked = nodepit(dir.path(), &["check", "src"]);
    assert_eq!(
        stdout(&walked),
        "0 errors and 0 warnings in 0 files checked.\n"
    );
    // A real mistake in a declaration file is still reported.
    write(
        dir.path(),
        "bad.d.ts",
        "export declare function f(: string): void;\n",
    );
    let out = nodepit(dir.path(), &["check", "--format", "compact", "bad.d.ts"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).starts_with("bad.d.ts:1:"), "{}", stdout(&out));
}

const FLOW: &str = "/**\n * Order totals.\n * @flow strict\n */\nimport type { Order } from './types';\nexport function total(order: Order): number {\n  return order.items.length;\n}\n";

/// Each Flow file that does not parse is one note, counted in the summary, and never fails the
/// run; a `@flow` file in plain JavaScript is linted like any other.
#[test]
fn flow_files_are_skipped_with_one_note_each() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..3 {
        write(dir.path(), &format!("flow/f{i}.js"), FLOW);
    }
    write(
        dir.path(),
        "flow/plain.js",
        "// @flow\nasync function save() { await fetch('/x'); }\nsave();\n",
    );
    let out = nodepit(
        dir.path(),
        &["check", "flow/f0.js", "flow/f1.js", "flow/f2.js"],
    );
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert_eq!(
        text.matches("☞ This Flow file (`@flow`)").count(),
        3,
        "{text}"
    );
    assert!(!text.contains("syntax-error"), "{text}");
    assert!(
        text.contains("What this means: `nodepit explain skipped-file`"),
        "{text}"
    );
    assert!(
        text.ends_with("0 errors, 0 warnings and 3 notes in 3 files checked.\n"),
        "{text}"
    );
    let strict = nodepit(
        dir.path(),
        &["check", "--deny-warnings", "--max-warnings", "0", "flow"],
    );
    assert_eq!(
        strict.status.code(),
        Some(1),
        "the plain @flow file is linted"
    );
    let json = nodepit(dir.path(), &["check", "--format", "json", "flow"]);
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["summary"]["notes"], 3);
    assert_eq!(v["summary"]["errors"], 1);
    let notes: Vec<&Value> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "note")
        .collect();
    assert_eq!(notes.len(), 3);
    assert_eq!(
        (notes[0]["line"].as_u64(), notes[0]["column"].as_u64()),
        (Some(3), Some(4))
    );
    assert!(notes[0]["docs_url"]
        .as_str()
        .unwrap()
        .ends_with("/rules/builtin/skipped-file.md"));
    let quiet = nodepit(dir.path(), &["check", "--quiet", "flow/f0.js"]);
    assert_eq!(
        stdout(&quiet),
        "0 errors and 0 warnings in 1 file checked.\n"
    );
}

#[test]
fn explain_covers_the_diagnostics_nodepit_reports_itself() {
    let dir = tempfile::tempdir().unwrap();
    for id in [
        "syntax-error",
        "internal-error",
        "unused-suppression",
        "skipped-file",
    ] {
        let out = nodepit(dir.path(), &["explain", id]);
        assert_eq!(out.status.code(), Some(0), "{id}");
        let text = stdout(&out);
        assert!(text.starts_with(&format!("{id}\n")), "{text}");
        assert!(
            text.contains("What it means") && text.contains("What to do"),
            "{text}"
        );
    }
    write(dir.path(), "broken.js", "const a = ;\n");
    let text = stdout(&nodepit(dir.path(), &["check", "broken.js"]));
    assert!(
        text.contains("What this means: `nodepit explain syntax-error`"),
        "{text}"
    );
}

/// Many findings are drawn on several threads; the output is the same as on one.
#[test]
fn pretty_output_is_the_same_on_any_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "const fs = require('fs');\nconst app = require('express')();\nasync function save(job) { await job.db.insert(job); }\napp.get('/jobs', (req, res) => {\n",
    );
    for i in 0..700 {
        if i % 3 == 0 {
            text.push_str(&format!("  const part{i} = fs.readFileSync('p{i}');\n"));
        } else {
            text.push_str(&format!("  save({{ id: {i}, db: req.app.locals.db }});\n"));
        }
    }
    text.push_str("});\n");
    write(dir.path(), "many.js", &text);
    write(dir.path(), "more.js", &text.replace("/jobs", "/more"));
    let one = stdout(&nodepit(
        dir.path(),
        &["check", "--threads", "1", "many.js", "more.js"],
    ));
    let two = stdout(&nodepit(
        dir.path(),
        &["check", "--threads", "2", "many.js", "more.js"],
    ));
    assert!(
        one.ends_with("1400 errors and 0 warnings in 2 files checked.\n"),
        "{}",
        &one[one.len() - 200..]
    );
    assert_eq!(one, two);
}
