//! The `nodepit` binary as a user meets it: exit codes, the JSON contract, config files,
//! suppression comments, syntax errors, directory walking and the rule docs.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn nodepit(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nodepit"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("NODEPIT_TEST_PANIC_RULE")
        .output()
        .expect("nodepit runs")
}

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

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
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

const FLOATING: &str = "async function save() {}\nsave();\n";
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
        "const s = '😀'; async function save() {}\n  save();\n",
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
        "async function save() {}\n\
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
            "no-floating-promise",
            "no-recursive-next-tick",
            "no-sync-in-handler",
            "no-unbounded-promise-all",
            "prefer-pipeline"
        ]
    );
    assert!(v[0]["summary"].as_str().unwrap().len() > 10);
}

/// The human and JSON renderings of a real fixture, pinned.
#[test]
fn output_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let file = "fixtures/no-sync-in-handler/invalid_express.js";
    let pretty = nodepit(&root, &["check", file]);
    insta::assert_snapshot!("pretty", String::from_utf8_lossy(&pretty.stdout));
    let json = nodepit(&root, &["check", "--format", "json", file]);
    insta::assert_snapshot!("json", String::from_utf8_lossy(&json.stdout));
}

const FIXABLE: &str = r#"const fs = require('fs');
async function save() {}
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
async function save() {}
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
    write(dir.path(), "a.js", "async function save() {}\nsave();\n");
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
        &format!("// moved\n\n{FLOATING}async function load() {{}}\nload();\n"),
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
    let mut child = Command::new(env!("CARGO_BIN_EXE_nodepit"))
        .args([
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "src/app.ts",
        ])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"async function save(): Promise<void> {}\nsave();\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
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
