//! The `nodepit` binary as a user meets it: exit codes, the JSON contract, config files,
//! suppression comments, syntax errors, directory walking and the rule docs.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

mod common;
use common::{nodepit, stderr, write};

fn json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let out = nodepit(dir, &all);
    let value: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON object ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap_or(-1), value)
}

fn rules_of(v: &Value) -> Vec<(String, u64)> {
    v["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

const FLOATING: &str = "async function save() { await db.put(); }\nsave();\n";
const PIPE: &str = "const fs = require('fs');\nfs.createReadStream('a').pipe(process.stdout);\n";

#[test]
fn exit_codes_follow_severity() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "clean.js", "const x = 1;\n");
    assert_eq!(json(dir.path(), &["clean.js"]).0, 0);
    write(dir.path(), "warn.js", PIPE);
    assert_eq!(
        json(dir.path(), &["warn.js"]).0,
        0,
        "warnings alone do not fail"
    );
    write(dir.path(), "err.js", FLOATING);
    assert_eq!(json(dir.path(), &["err.js"]).0, 1);
    assert_eq!(
        nodepit(dir.path(), &["check", "missing.js"]).status.code(),
        Some(2)
    );
    assert_eq!(
        nodepit(dir.path(), &["check", "--format", "yaml"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        nodepit(dir.path(), &["check", "--rule", "no-such-rule"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn json_contract() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.js",
        "const s = '😀'; async function save() { await db.put(); }\n  save();\n",
    );
    let (code, v) = json(dir.path(), &["a.js"]);
    assert_eq!(code, 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["rule"], "no-floating-promise");
    assert_eq!(d["severity"], "error");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(2), Some(9))
    );
    assert_eq!(d["path"], "a.js");
    assert!(d["docs_url"]
        .as_str()
        .unwrap()
        .ends_with("/rules/no-floating-promise.md"));
    assert!(d["message"].as_str().unwrap().contains("save"));
    assert_eq!(v["summary"]["files"], 1);
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(v["summary"]["warnings"], 0);
    let keys: Vec<_> = d.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 9, "exactly the documented keys: {keys:?}");
}

#[test]
fn columns_count_characters() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.js",
        "const fs = require('fs'); /* é😀 */ fs.createReadStream('a').pipe(process.stdout);\n",
    );
    let (_, v) = json(dir.path(), &["a.js"]);
    assert_eq!(v["diagnostics"][0]["column"].as_u64(), Some(36));
}

#[test]
fn config_levels_options_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", &format!("{FLOATING}{PIPE}"));
    write(
        dir.path(),
        "nodepit.toml",
        "[rules]\nno-floating-promise = \"warn\"\nprefer-pipeline = \"off\"\n",
    );
    let (code, v) = json(dir.path(), &["."]);
    assert_eq!(code, 0);
    assert_eq!(rules_of(&v), vec![("no-floating-promise".to_string(), 2)]);
    assert_eq!(v["diagnostics"][0]["severity"], "warning");

    write(
        dir.path(),
        "nodepit.toml",
        "[rules.no-floating-promise]\nallow = [\"save\"]\n",
    );
    let (_, v) = json(dir.path(), &["."]);
    assert_eq!(rules_of(&v), vec![("prefer-pipeline".to_string(), 4)]);

    write(
        dir.path(),
        "nodepit.toml",
        "[rules]\nno-floating-promise = \"error\"\nno-such-rule = \"warn\"\n",
    );
    let out = nodepit(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nodepit.toml:3:") && err.contains("no-such-rule"),
        "{err}"
    );

    write(
        dir.path(),
        "nodepit.toml",
        "[rules]\nprefer-pipeline = \"loud\"\n",
    );
    let err = String::from_utf8_lossy(&nodepit(dir.path(), &["check"]).stderr).to_string();
    assert!(err.contains(":2:") && err.contains("loud"), "{err}");

    write(
        dir.path(),
        "nodepit.toml",
        "[rules.no-floating-promise]\nallwo = [\"x\"]\n",
    );
    let err = String::from_utf8_lossy(&nodepit(dir.path(), &["check"]).stderr).to_string();
    assert!(err.contains("allwo"), "{err}");

    write(dir.path(), "nodepit.toml", "[rules\n");
    assert_eq!(nodepit(dir.path(), &["check"]).status.code(), Some(2));
}

#[test]
fn nearest_config_wins_and_ignore_globs_apply() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "nodepit.toml", "ignore = [\"gen/**\"]\n");
    write(dir.path(), "gen/out.js", FLOATING);
    write(dir.path(), "pkg/a.js", FLOATING);
    write(
        dir.path(),
        "pkg/nodepit.toml",
        "[rules]\nno-floating-promise = \"off\"\n",
    );
    write(dir.path(), "b.js", FLOATING);
    let (_, v) = json(dir.path(), &["."]);
    let paths: Vec<_> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(paths, vec!["./b.js"]);
}

#[test]
fn suppression_comments() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.js",
        "async function save() { await db.put(); }\n\
         // nodepit-disable-next-line no-floating-promise -- fire and forget\n\
         save();\n\
         save(); // nodepit-disable-line no-floating-promise\n\
         save(); // nodepit-disable-line prefer-pipeline\n\
         // nodepit-disable-next-line no-such-rule\n\
         save();\n",
    );
    let (_, v) = json(dir.path(), &["a.js"]);
    assert_eq!(
        rules_of(&v),
        vec![
            ("no-floating-promise".to_string(), 5),
            ("unused-suppression".to_string(), 5),
            ("unused-suppression".to_string(), 6),
            ("no-floating-promise".to_string(), 7),
        ]
    );
    write(
        dir.path(),
        "b.js",
        &format!("/* nodepit-disable no-floating-promise */\n{FLOATING}"),
    );
    assert_eq!(rules_of(&json(dir.path(), &["b.js"]).1), vec![]);
}

#[test]
fn syntax_errors_are_reported_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "broken.js", "const ok = 1;\nfunction (\n");
    write(dir.path(), "good.js", FLOATING);
    write(dir.path(), "binary.js", "");
    std::fs::write(dir.path().join("binary.js"), b"const a = '\xff\xfe';\n").unwrap();
    let depth = 20_000;
    write(
        dir.path(),
        "deep.js",
        &format!("const x = {}1{};\n", "(".repeat(depth), ")".repeat(depth)),
    );
    let (code, v) = json(dir.path(), &["."]);
    assert_eq!(code, 1);
    let found = rules_of(&v);
    assert!(
        found.contains(&("syntax-error".to_string(), 2)),
        "{found:?}"
    );
    assert!(
        found.contains(&("syntax-error".to_string(), 1)),
        "non-UTF-8 file reported: {found:?}"
    );
    assert!(
        found.contains(&("no-floating-promise".to_string(), 2)),
        "{found:?}"
    );
    assert_eq!(v["summary"]["files"], 4);
}

#[test]
fn a_panicking_rule_is_reported_and_other_rules_still_run() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", &format!("{FLOATING}{PIPE}"));
    let out = Command::new(env!("CARGO_BIN_EXE_nodepit"))
        .args(["check", "--format", "json", "a.js"])
        .current_dir(dir.path())
        .env("NODEPIT_TEST_PANIC_RULE", "prefer-pipeline")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = rules_of(&v);
    assert!(
        found.contains(&("no-floating-promise".to_string(), 2)),
        "{found:?}"
    );
    let internal = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "internal-error")
        .expect("reported");
    assert!(internal["message"]
        .as_str()
        .unwrap()
        .contains("prefer-pipeline"));
}

#[test]
fn walking_respects_gitignore_and_skips_node_modules() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".gitignore", "dist/\n");
    write(dir.path(), "dist/bundle.js", FLOATING);
    write(dir.path(), "node_modules/lib/index.js", FLOATING);
    write(dir.path(), "src/app.ts", FLOATING);
    write(
        dir.path(),
        "src/types.d.ts",
        "declare function save(): Promise<void>;\n",
    );
    write(dir.path(), "README.md", "save();\n");
    let (_, v) = json(dir.path(), &["."]);
    assert_eq!(v["summary"]["files"], 1);
    assert_eq!(v["diagnostics"][0]["path"], "./src/app.ts");
}

#[test]
fn pretty_output_shows_snippet_help_and_explain_hint() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", FLOATING);
    let out = nodepit(dir.path(), &["check", "a.js"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("no-floating-promise"), "{text}");
    assert!(text.contains("save();"), "snippet: {text}");
    assert!(text.contains("help:"), "{text}");
    assert!(
        text.contains("nodepit explain no-floating-promise"),
        "{text}"
    );
    assert!(
        text.contains("1 error and 0 warnings in 1 file checked."),
        "{text}"
    );
}

#[test]
fn explain_and_rules() {
    let dir = tempfile::tempdir().unwrap();
    let out = nodepit(dir.path(), &["explain", "prefer-pipeline"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Interview question") && text.contains("pipeline("),
        "{text}"
    );
    assert!(!text.contains("```"), "fences are rendered away");
    assert_eq!(
        nodepit(dir.path(), &["explain", "nope"]).status.code(),
        Some(2)
    );

    let out = nodepit(dir.path(), &["rules", "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "error-middleware-last",
            "exit-on-uncaught-exception",
            "handle-callback-error",
            "no-async-foreach",
            "no-async-predicate",
            "no-async-route-without-catch",
            "no-floating-promise",
            "no-process-exit-in-handler",
            "no-recursive-next-tick",
            "no-swallowed-error",
            "no-sync-in-handler",
            "no-try-catch-async-callback",
            "no-unbounded-promise-all",
            "no-unhandled-async-callback",
            "prefer-pipeline",
        ]
    );
    assert!(v[0]["summary"].as_str().unwrap().len() > 10);
}

/// The human and JSON renderings of a real fixture, pinned.
#[test]
fn output_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf();
    let file = "fixtures/no-sync-in-handler/invalid_express.js";
    let pretty = nodepit(&root, &["check", file]);
    insta::assert_snapshot!("pretty", String::from_utf8_lossy(&pretty.stdout));
    let json = nodepit(&root, &["check", "--format", "json", file]);
    insta::assert_snapshot!("json", String::from_utf8_lossy(&json.stdout));
}

const FIXABLE: &str = r#"const fs = require('fs');
async function save() { await db.put(); }
async function handler() {
  save();
}
function copy(a, b) {
  fs.createReadStream(a).pipe(fs.createWriteStream(b));
}
module.exports = { handler, copy };
"#;

#[test]
fn fix_diff_and_idempotence() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", FIXABLE);
    let diff = nodepit(dir.path(), &["check", "--diff", "a.js"]);
    assert_eq!(diff.status.code(), Some(1));
    let text = String::from_utf8_lossy(&diff.stdout);
    assert!(
        text.contains("+  await save();")
            && text.contains("+const { pipeline } = require('node:stream');"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.js")).unwrap(),
        FIXABLE,
        "--diff writes nothing"
    );

    let (code, v) = json(dir.path(), &["--fix", "a.js"]);
    assert_eq!(code, 0);
    assert_eq!(rules_of(&v), vec![]);
    let fixed = std::fs::read_to_string(dir.path().join("a.js")).unwrap();
    assert_eq!(
        fixed,
        r#"const fs = require('fs');
const { pipeline } = require('node:stream');
async function save() { await db.put(); }
async function handler() {
  await save();
}
function copy(a, b) {
  pipeline(fs.createReadStream(a), fs.createWriteStream(b), (err) => { if (err) console.error('pipeline failed', err); });
}
module.exports = { handler, copy };
"#
    );
    let again = nodepit(dir.path(), &["check", "--fix", "a.js"]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.js")).unwrap(),
        fixed,
        "a second run changes nothing"
    );
    assert_eq!(
        nodepit(dir.path(), &["check", "--diff", "a.js"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn unsafe_fixes_need_their_flag() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.js",
        "async function save() { await db.put(); }\nsave();\n",
    );
    let (code, _) = json(dir.path(), &["--fix", "a.js"]);
    assert_eq!(code, 1, "no safe fix outside async functions");
    let (code, _) = json(dir.path(), &["--fix-unsafe", "a.js"]);
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(dir.path().join("a.js")).unwrap();
    assert!(text.contains("save().catch("), "{text}");
}

#[test]
fn baseline_reports_only_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", FLOATING);
    let out = nodepit(
        dir.path(),
        &["check", "--write-baseline", "baseline.json", "."],
    );
    assert_eq!(out.status.code(), Some(0));
    // Move the old code down and add a new finding.
    write(
        dir.path(),
        "a.js",
        &format!("// moved\n\n{FLOATING}async function load() {{ await db.get(); }}\nload();\n"),
    );
    let (code, v) = json(dir.path(), &["--baseline", "baseline.json", "."]);
    assert_eq!(code, 1);
    assert_eq!(rules_of(&v), vec![("no-floating-promise".to_string(), 6)]);
    write(dir.path(), "bad.json", "{");
    assert_eq!(
        nodepit(dir.path(), &["check", "--baseline", "bad.json"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn stdin_is_linted_as_the_named_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "nodepit.toml",
        "[rules]\nno-floating-promise = \"warn\"\n",
    );
    let out = with_stdin(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "src/app.ts",
        ],
        "async function save(): Promise<void> { await db.put(); }\nsave();\n",
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diagnostics"][0]["path"], "src/app.ts");
    assert_eq!(
        v["diagnostics"][0]["severity"], "warning",
        "the config near the named path applies"
    );
}

#[test]
fn warning_limits_and_quiet() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", &format!("{PIPE}{PIPE}"));
    assert_eq!(json(dir.path(), &["a.js"]).0, 0);
    assert_eq!(json(dir.path(), &["--max-warnings", "2", "a.js"]).0, 0);
    assert_eq!(json(dir.path(), &["--max-warnings", "1", "a.js"]).0, 1);
    assert_eq!(json(dir.path(), &["--deny-warnings", "a.js"]).0, 1);
    let (code, v) = json(dir.path(), &["--quiet", "a.js"]);
    assert_eq!((code, v["summary"]["warnings"].as_u64()), (0, Some(0)));
}

// ---- Per-folder overrides, standard input, I/O errors, config lines and baselines (cli) ----

/// A promise that can reject, floated at line 2.
const REJECTS: &str = "async function save(x) { await db.put(x); }\nsave(1);\n";

fn with_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_nodepit"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("nodepit runs");
    let mut stdin = child.stdin.take().expect("piped");
    // A usage error may exit before reading; a broken pipe then is expected.
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    child.wait_with_output().expect("nodepit finishes")
}

/// `(path, rule, severity)` of every finding.
fn findings(v: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = v["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            (s("path"), s("rule"), s("severity"))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn overrides_apply_by_glob_relative_to_their_config_and_later_blocks_win() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "nodepit.toml",
        r#"
[rules]
no-floating-promise = "error"

[[overrides]]
files = ["test/**", "**/*.spec.*"]
exclude = ["test/e2e/**"]
[overrides.rules]
no-floating-promise = "off"

[[overrides]]
files = ["./**/*.spec.*"]
[overrides.rules.no-floating-promise]
level = "warning"
"#,
    );
    for f in [
        "src/app.js",
        "test/unit.js",
        "test/e2e/flow.js",
        "src/app.spec.js",
        "pkg/test/inner.js",
    ] {
        write(root, f, REJECTS);
    }
    // A nested config's globs are relative to its own folder: `test/**` there is pkg/test/**.
    write(
        root,
        "pkg/nodepit.toml",
        "[[overrides]]\nfiles = [\"test/**\"]\nrules = { no-floating-promise = \"warn\" }\n",
    );
    let expected = |prefix: &str| {
        vec![
            (
                format!("{prefix}pkg/test/inner.js"),
                "no-floating-promise".into(),
                "warning".into(),
            ),
            (
                format!("{prefix}src/app.js"),
                "no-floating-promise".into(),
                "error".into(),
            ),
            (
                format!("{prefix}src/app.spec.js"),
                "no-floating-promise".into(),
                "warning".into(),
            ),
            (
                format!("{prefix}test/e2e/flow.js"),
                "no-floating-promise".into(),
                "error".into(),
            ),
        ]
    };
    let (code, v) = json(root, &["."]);
    assert_eq!(code, 1);
    assert_eq!(findings(&v), expected("./"));
    // The same from another folder, and with files named one by one.
    let (_, v) = json(&root.join("src"), &[".."]);
    assert_eq!(findings(&v), expected("../"));
    let (_, v) = json(&root.join("test"), &["unit.js", "e2e/flow.js"]);
    assert_eq!(
        findings(&v),
        vec![(
            "e2e/flow.js".into(),
            "no-floating-promise".into(),
            "error".into()
        )]
    );
    // Standard input named as a test file gets the test settings.
    let out = with_stdin(
        root,
        &["check", "--format", "json", "--stdin-filename", "test/x.js"],
        REJECTS,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn override_and_rule_table_errors_name_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.js", REJECTS);
    let cases = [
        (
            "[[overrides]]\nfiles = [\"test/**\"]\n[overrides.rules]\nprefer-pipeline = \"off\"\n\n[[overrides]]\nfiles = [\"web/**\"]\n[overrides.rules]\nno-floating-promis = \"off\"\n",
            "nodepit.toml:9:1: overrides[1].rules.no-floating-promis: unknown rule",
        ),
        (
            "[rules.no-floating-promise]\nallow = [\"x\"]\nlevel = \"loud\"\n",
            "nodepit.toml:3:9: rules.no-floating-promise.level: invalid level `loud`",
        ),
        (
            "[rules.no-floating-promise]\nlevel = \"warn\"\nallwo = [\"x\"]\n",
            "nodepit.toml:3:1: rules.no-floating-promise.allwo: invalid option",
        ),
        (
            "[rules.no-floating-promise]\nallow = \"save\"\n",
            "nodepit.toml:2:1: rules.no-floating-promise.allow: invalid option",
        ),
        (
            "[[overrides]]\nrules = { prefer-pipeline = \"off\" }\n",
            "nodepit.toml:1:1: overrides[0].files: an override needs `files`",
        ),
        (
            "[[overrides]]\nfiles = [\"ok/**\",\n  \"bad/[\"]\n",
            "nodepit.toml:3:3: overrides[0].files: invalid glob `bad/[`",
        ),
    ];
    for (config, expected) in cases {
        write(dir.path(), "nodepit.toml", config);
        let out = nodepit(dir.path(), &["check"]);
        assert_eq!(out.status.code(), Some(2), "{config}");
        let err = stderr(&out);
        assert!(err.contains(expected), "{config}\n{err}");
        assert!(
            err.starts_with("error: nodepit.toml:"),
            "shown from here: {err}"
        );
    }
    // The error message lists the alias it accepts.
    write(
        dir.path(),
        "nodepit.toml",
        "[rules]\nprefer-pipeline = \"loud\"\n",
    );
    let err = stderr(&nodepit(dir.path(), &["check"]));
    assert!(err.contains("\"warning\""), "{err}");
    // `"warning"` is an alias of `"warn"`, as ESLint users type it.
    write(
        dir.path(),
        "nodepit.toml",
        "[rules.no-floating-promise]\nlevel = \"warning\"\n",
    );
    let (code, v) = json(dir.path(), &["a.js"]);
    assert_eq!(code, 0);
    assert_eq!(v["diagnostics"][0]["severity"], "warning");
}

#[test]
fn stdin_diff_shows_the_fixes_and_exits_like_files() {
    let dir = tempfile::tempdir().unwrap();
    let fixable = "async function save(x) { await db.put(x); }\nasync function run() {\n  save(1);\n}\nmodule.exports = run;\n";
    let out = with_stdin(
        dir.path(),
        &["check", "--diff", "--stdin-filename", "src/run.js"],
        fixable,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(
        diff.contains("--- src/run.js")
            && diff.contains("-  save(1);")
            && diff.contains("+  await save(1);"),
        "{diff}"
    );
    assert!(
        !dir.path().join("src/run.js").exists(),
        "--diff writes nothing"
    );
    // Nothing to fix: no output, exit 0, as for files.
    let out = with_stdin(
        dir.path(),
        &["check", "--diff", "--stdin-filename", "src/run.js"],
        "const x = 1;\n",
    );
    assert_eq!((out.status.code(), out.stdout.len()), (Some(0), 0));
    // --fix still cannot rewrite standard input, and its message points at --diff.
    let out = with_stdin(
        dir.path(),
        &["check", "--fix", "--stdin-filename", "a.js"],
        fixable,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--diff"));
}

#[test]
fn stdin_respects_ignore_and_refuses_paths_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "nodepit.toml", "ignore = [\"dist/**\"]\n");
    write(dir.path(), "a.js", REJECTS);
    let out = with_stdin(
        dir.path(),
        &["check", "--stdin-filename", "dist/bundle.js"],
        REJECTS,
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr(&out).contains("dist/bundle.js is ignored"),
        "{}",
        stderr(&out)
    );
    let out = with_stdin(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "dist/bundle.js",
        ],
        REJECTS,
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(
        (out.status.code(), v["summary"]["files"].as_u64()),
        (Some(0), Some(0))
    );
    // Not ignored: linted.
    let out = with_stdin(
        dir.path(),
        &["check", "--stdin-filename", "src/app.js"],
        REJECTS,
    );
    assert_eq!(out.status.code(), Some(1));
    // Paths beside standard input were silently dropped; now they are a usage error.
    let out = with_stdin(
        dir.path(),
        &["check", "--stdin-filename", "src/app.js", "a.js"],
        REJECTS,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--stdin-filename"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
}

/// Whether this process runs as root (a file it creates is owned by uid 0).
fn running_as_root(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(dir).is_ok_and(|m| m.uid() == 0)
}

#[test]
fn unreadable_paths_are_io_errors_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "good.js", REJECTS);
    // A dangling symlink named on the command line fails even for root.
    std::os::unix::fs::symlink(root.join("gone.js"), root.join("dangling.js")).unwrap();
    let out = nodepit(root, &["check", "dangling.js"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read dangling.js: No such file or directory"),
        "{}",
        stderr(&out)
    );

    // A file whose read fails for root too: the kernel refuses to read /proc/self/mem at 0.
    if cfg!(target_os = "linux") {
        std::os::unix::fs::symlink("/proc/self/mem", root.join("mem.js")).unwrap();
        let (code, v) = json(root, &["mem.js", "good.js"]);
        assert_eq!(code, 2, "an unreadable file is an I/O error, not a finding");
        assert_eq!(
            findings(&v),
            vec![(
                "good.js".into(),
                "no-floating-promise".into(),
                "error".into()
            )],
            "the rest is still linted, and no syntax-error is made up"
        );
        let err = stderr(&nodepit(root, &["check", "mem.js"]));
        assert!(
            err.contains("error: cannot read mem.js: Input/output error"),
            "{err}"
        );
        std::fs::remove_file(root.join("mem.js")).unwrap();
    }

    // chmod 000 stops everyone but root: as root, run nodepit as `nobody` instead.
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let mode =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    write(root, "locked/inner.js", REJECTS);
    write(root, "closed.js", REJECTS);
    mode(root, 0o755);
    mode(&root.join("locked"), 0o000);
    mode(&root.join("closed.js"), 0o000);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nodepit"));
    cmd.args(["check", "--format", "json", "."])
        .current_dir(root);
    if running_as_root(root) {
        cmd.uid(65534).gid(65534);
    }
    let out = cmd.output();
    mode(&root.join("locked"), 0o755);
    mode(&root.join("closed.js"), 0o644);
    let Ok(out) = out else {
        eprintln!("skipped the chmod case: cannot run nodepit as an unprivileged user");
        return;
    };
    if !out.status.success()
        && out.stdout.is_empty()
        && stderr(&out).contains("Permission denied")
        && !stderr(&out).contains("locked")
    {
        eprintln!(
            "skipped the chmod case: the binary is not reachable as `nobody`: {}",
            stderr(&out)
        );
        return;
    }
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error: cannot read ./locked: Permission denied"),
        "{err}"
    );
    assert!(
        err.contains("error: cannot read ./closed.js: Permission denied"),
        "{err}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(
        findings(&v),
        vec![(
            "./good.js".into(),
            "no-floating-promise".into(),
            "error".into()
        )]
    );
}

#[test]
fn baseline_paths_are_relative_to_the_baseline_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "src/a.js", REJECTS);
    write(root, "src/lib/b.js", REJECTS);
    let out = nodepit(
        root,
        &["check", "--write-baseline", "nodepit-baseline.json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(root.join("nodepit-baseline.json")).unwrap();
    assert!(written.contains("\"src/lib/b.js\""), "{written}");

    let abs = root.to_string_lossy().to_string();
    let abs_baseline = root
        .join("nodepit-baseline.json")
        .to_string_lossy()
        .to_string();
    let runs: [(&Path, Vec<&str>); 5] = [
        (root, vec!["--baseline", "nodepit-baseline.json"]),
        (
            &root.join("src"),
            vec!["--baseline", "../nodepit-baseline.json"],
        ),
        (
            &root.join("src/lib"),
            vec!["--baseline", "../../nodepit-baseline.json", "b.js"],
        ),
        (root, vec!["--baseline", &abs_baseline, &abs]),
        (
            root,
            vec!["--baseline", "nodepit-baseline.json", "./src/../src"],
        ),
    ];
    for (cwd, args) in &runs {
        let (code, v) = json(cwd, args);
        assert_eq!(
            (code, findings(&v)),
            (0, vec![]),
            "from {cwd:?} with {args:?}"
        );
    }
    // A new finding still comes back, from a subfolder too.
    write(root, "src/lib/b.js", &format!("{REJECTS}save(2);\n"));
    let (code, v) = json(
        &root.join("src"),
        &["--baseline", "../nodepit-baseline.json"],
    );
    assert_eq!(code, 1);
    assert_eq!(rules_of(&v), vec![("no-floating-promise".to_string(), 3)]);
}

#[test]
fn version_1_baselines_still_match() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "src/a.js", REJECTS);
    // Write a baseline as version 1 did (paths as spelled, from where nodepit ran), by running
    // today's writer and rewriting its version: a file in the root with paths from the root is
    // what both versions write.
    nodepit(root, &["check", "--write-baseline", "b.json"]);
    let v2 = std::fs::read_to_string(root.join("b.json")).unwrap();
    write(
        root,
        "b.json",
        &v2.replace("\"version\": 2", "\"version\": 1"),
    );
    let (code, _) = json(root, &["--baseline", "b.json"]);
    assert_eq!(code, 0, "run from where it was written");
    let (code, _) = json(&root.join("src"), &["--baseline", "../b.json"]);
    assert_eq!(code, 0, "its paths are read relative to its folder");
    // Kept elsewhere, a version 1 file still matches the command line that wrote it.
    write(
        root,
        "ci/b.json",
        &v2.replace("\"version\": 2", "\"version\": 1"),
    );
    let (code, _) = json(root, &["--baseline", "ci/b.json"]);
    assert_eq!(code, 0, "paths as spelled on the command line");
    let (code, _) = json(root, &["--baseline", "ci/b.json", "src"]);
    assert_eq!(code, 0, "./src/a.js and src/a.js agree");
    write(root, "b.json", "{\"version\": 7, \"findings\": []}");
    let out = nodepit(root, &["check", "--baseline", "b.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unsupported baseline version 7"));
}

#[test]
fn readme_config_examples_are_valid_configs() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let blocks: Vec<&str> = readme
        .split("```toml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .collect();
    assert!(blocks.len() >= 3, "the configuration section shows configs");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "test/a.js", REJECTS);
    for block in blocks {
        write(dir.path(), "nodepit.toml", block);
        let out = nodepit(dir.path(), &["check"]);
        assert_ne!(out.status.code(), Some(2), "{block}\n{}", stderr(&out));
    }
}

// `nodepit explain <rule> --demo`: which Node runs it, its output and exit code passed through,
// and the clear failures (unknown rule, no demonstration, no Node).

/// A rule whose doc has a demonstration.
fn rule_with_demo() -> &'static str {
    nodepit_rules::REGISTRY
        .iter()
        .find(|e| e.meta.demo().is_some())
        .map(|e| e.meta.id)
        .expect("at least one rule has a `js demo` block")
}

/// A stand-in for `node`: a version, then the script's path and its first line, exit code 7.
fn fake_node(dir: &Path) -> String {
    let path = dir.join("fake-node");
    std::fs::write(
        &path,
        "#!/bin/sh\nif [ \"$1\" = --version ]; then echo v99.1.0; exit 0; fi\necho \"ran $1\"\nhead -n 1 \"$1\"\necho oops >&2\nexit 7\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path.display().to_string()
}

#[test]
fn runs_the_demo_with_the_given_node_and_passes_its_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let rule = rule_with_demo();
    let node = fake_node(dir.path());
    let out = nodepit(dir.path(), &["explain", rule, "--demo", "--node", &node]);
    let (text, err) = (common::stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(7), "{text}{err}");
    assert!(text.contains("with Node v99.1.0"), "{text}");
    let ran = text
        .lines()
        .find_map(|l| l.strip_prefix("ran "))
        .expect("the program ran");
    assert!(ran.ends_with(&format!("{rule}.demo.cjs")), "{ran}");
    let program = nodepit_rules::find(rule).unwrap().meta.demo().unwrap();
    assert!(
        text.contains(program.lines().next().unwrap()),
        "the file holds the demo:\n{text}"
    );
    assert!(err.contains("oops"), "stderr passes through: {err}");
    assert!(
        !Path::new(ran).exists(),
        "the temporary folder is removed afterwards"
    );
}

#[test]
fn runs_a_demo_on_the_node_on_path() {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("skip: no node on PATH");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = nodepit(dir.path(), &["explain", rule_with_demo(), "--demo"]);
    let text = common::stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
    assert!(last.starts_with("verdict: confirmed: "), "{text}");
}

#[test]
fn clear_failures_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = nodepit(dir.path(), &["explain", "no-such-rule", "--demo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown rule `no-such-rule`"));

    // Diagnostics nodepit reports itself have docs but nothing to demonstrate.
    let out = nodepit(dir.path(), &["explain", "syntax-error", "--demo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no demonstration"),
        "{}",
        stderr(&out)
    );

    let missing = dir.path().join("no-node-here");
    let out = nodepit(
        dir.path(),
        &[
            "explain",
            rule_with_demo(),
            "--demo",
            "--node",
            missing.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("Install Node.js") && err.contains("--node"),
        "{err}"
    );

    // `--node` belongs to `--demo`.
    let out = nodepit(dir.path(), &["explain", rule_with_demo(), "--node", "x"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn explain_labels_the_demo_block() {
    let dir = tempfile::tempdir().unwrap();
    let rule = rule_with_demo();
    let out = nodepit(dir.path(), &["explain", rule]);
    let text = common::stdout(&out);
    assert!(
        text.contains(&format!(
            "(demo: run it with nodepit explain {rule} --demo)"
        )),
        "{text}"
    );
    assert!(text.contains("Prove it"), "{text}");
}
