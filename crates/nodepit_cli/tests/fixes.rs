//! `--fix-unsafe` on `.pipe()` chains as a user runs it: the fixed file must load in Node
//! (`node --check`), a second run must change nothing, and the two `pipeline`s (callback and
//! promise) must never share a name.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;
use common::nodepit;

/// Runs `check --fix-unsafe --format json` on one file and returns the rules still reported.
fn fix_unsafe(dir: &Path, name: &str) -> Vec<String> {
    let out = nodepit(dir, &["check", "--fix-unsafe", "--format", "json", name]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("error:"),
        "no fix was refused: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["rule"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// `node --check` on a file: whether Node would load it.
fn node_check(path: &Path) {
    let out = Command::new("node")
        .arg("--check")
        .arg(path)
        .output()
        .expect("node is installed (the fix tests run the fixed files through `node --check`)");
    assert!(
        out.status.success(),
        "node --check {} failed:\n{}\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(path).unwrap_or_default()
    );
}

/// Fixes `name` (holding `text`) twice; the first run must leave a file Node loads with no
/// finding left, the second must change nothing. Returns the fixed text.
fn fix_twice(name: &str, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let left = fix_unsafe(dir.path(), name);
    let fixed = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        left,
        Vec::<String>::new(),
        "nothing left to report:\n{fixed}"
    );
    assert_ne!(fixed, text, "the chains were rewritten");
    node_check(&path);
    let left = fix_unsafe(dir.path(), name);
    assert_eq!(left, Vec::<String>::new());
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        fixed,
        "a second run changes nothing"
    );
    fixed
}

const SYNC_AND_ASYNC: &str = "
function copy(a, b) {
  fs.createReadStream(a).pipe(fs.createWriteStream(b));
}

async function copyAsync(a, b) {
  fs.createReadStream(a).pipe(fs.createWriteStream(b));
}
";

#[test]
fn commonjs_sync_and_async_chains_get_two_pipelines() {
    let text = format!(
        "const fs = require('fs');\n{SYNC_AND_ASYNC}\nmodule.exports = {{ copy, copyAsync }};\n"
    );
    let fixed = fix_twice("copy.js", &text);
    assert_eq!(
        fixed,
        "const fs = require('fs');
const { pipeline } = require('node:stream');
const { pipeline: pipelineAsync } = require('node:stream/promises');

function copy(a, b) {
  pipeline(fs.createReadStream(a), fs.createWriteStream(b), (err) => { if (err) console.error('pipeline failed', err); });
}

async function copyAsync(a, b) {
  await pipelineAsync(fs.createReadStream(a), fs.createWriteStream(b));
}

module.exports = { copy, copyAsync };
"
    );
}

#[test]
fn esm_sync_and_async_chains_get_two_pipelines() {
    let text =
        format!("import fs from 'node:fs';\n{SYNC_AND_ASYNC}\nexport {{ copy, copyAsync }};\n");
    let fixed = fix_twice("copy.mjs", &text);
    assert!(
        fixed.starts_with(
            "import fs from 'node:fs';
import { pipeline } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
"
        ),
        "{fixed}"
    );
    assert!(
        fixed.contains("  await pipelineAsync(fs.createReadStream(a)"),
        "{fixed}"
    );
}

#[test]
fn an_existing_stream_require_is_reused() {
    let text = format!(
        "const fs = require('fs');\nconst stream = require('stream');\n{SYNC_AND_ASYNC}\nmodule.exports = {{ copy, copyAsync }};\n"
    );
    let fixed = fix_twice("copy.js", &text);
    assert!(!fixed.contains("node:stream"), "no new import:\n{fixed}");
    assert!(
        fixed.contains("  stream.pipeline(fs.createReadStream(a)"),
        "{fixed}"
    );
    assert!(
        fixed.contains("  await stream.promises.pipeline(fs.createReadStream(a)"),
        "{fixed}"
    );
}

#[test]
fn an_existing_pipeline_import_is_reused_and_the_promise_one_gets_its_own_name() {
    let text = format!(
        "import fs from 'node:fs';\nimport {{ pipeline }} from 'stream';\n{SYNC_AND_ASYNC}\nexport {{ copy, copyAsync, pipeline }};\n"
    );
    let fixed = fix_twice("copy.mjs", &text);
    assert!(!fixed.contains("from 'node:stream';"), "{fixed}");
    assert!(
        fixed.contains("import { pipeline as pipelineAsync } from 'node:stream/promises';\n"),
        "{fixed}"
    );
    assert!(
        fixed.contains("  pipeline(fs.createReadStream(a)"),
        "{fixed}"
    );
}

#[test]
fn a_local_variable_named_pipeline_is_left_alone() {
    let text = format!(
        "const fs = require('fs');\nconst pipeline = ['lint', 'test'];\n{SYNC_AND_ASYNC}\nmodule.exports = {{ copy, copyAsync, pipeline }};\n"
    );
    let fixed = fix_twice("copy.js", &text);
    assert!(
        fixed.contains("const { pipeline: streamPipeline } = require('node:stream');\n")
            && fixed
                .contains("const { pipeline: pipelineAsync } = require('node:stream/promises');\n")
            && fixed.contains("const pipeline = ['lint', 'test'];\n"),
        "{fixed}"
    );
    assert!(
        fixed.contains("  streamPipeline(fs.createReadStream(a)"),
        "{fixed}"
    );
}

#[test]
fn a_bom_stays_first_and_crlf_line_endings_are_kept() {
    let text = format!(
        "\u{feff}const fs = require('fs');\n{SYNC_AND_ASYNC}\nmodule.exports = {{ copy, copyAsync }};\n"
    )
    .replace('\n', "\r\n");
    let fixed = fix_twice("copy.js", &text);
    assert!(
        fixed.starts_with("\u{feff}const fs = require('fs');\r\n"),
        "{fixed:?}"
    );
    assert!(
        fixed
            .match_indices('\n')
            .all(|(i, _)| fixed.as_bytes()[i - 1] == b'\r'),
        "every line ends in CRLF: {fixed:?}"
    );
}

#[test]
fn a_file_with_no_imports_gets_them_after_its_bom() {
    let text = "\u{feff}function pump() {\n  process.stdin.pipe(process.stdout);\n}\npump();\n";
    let fixed = fix_twice("pump.js", text);
    assert_eq!(
        fixed,
        "\u{feff}const { pipeline } = require('node:stream');\nfunction pump() {\n  pipeline(process.stdin, process.stdout, (err) => { if (err) console.error('pipeline failed', err); });\n}\npump();\n"
    );
}

/// A fix that enables another: the `await` added in `middle` lets it reject, so the call in
/// `outer` floats only after the first pass. One `--fix` run makes both passes.
#[test]
fn fixes_that_enable_fixes_converge_in_one_run() {
    let fixed = fix_twice(
        "cascade.js",
        "async function inner() { await db.put(); }\n\
         async function middle() { inner(); }\n\
         async function outer() { middle(); }\n\
         module.exports = { outer };\n",
    );
    assert!(fixed.contains("{ await inner(); }"), "{fixed}");
    assert!(fixed.contains("{ await middle(); }"), "{fixed}");
}
