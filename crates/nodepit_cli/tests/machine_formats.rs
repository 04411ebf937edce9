//! The CI formats: snapshots of each on one small project, SARIF checked by Microsoft's SARIF
//! Multitool, GitHub commands parsed back, XML and JSON well-formed.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "app.js",
        "const fs = require('fs');\nconst app = require('express')();\nasync function audit() { await fetch('/audit'); }\napp.get('/a', async (req, res) => {\n  audit();\n  fs.createReadStream('a').pipe(res);\n});\n",
    );
    write("clean.js", "module.exports = 1;\n");
    write(
        "odd, name: 100%.js",
        "async function go() { await fetch('/go'); }\ngo(); // \"quoted\" <tag> & more\n",
    );
    // A Flow file: skipped with a note, which every format must carry at its lowest level.
    write(
        "flow.js",
        "// @flow\nexport function total(xs: Array<number>): number {\n  return xs.length;\n}\n",
    );
    dir
}

fn run(dir: &Path, format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_nodepit"))
        .args([
            "check",
            "--format",
            format,
            "app.js",
            "clean.js",
            "odd, name: 100%.js",
            "flow.js",
        ])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_format_is_pinned() {
    let dir = project();
    for format in [
        "sarif",
        "github",
        "gitlab",
        "junit",
        "checkstyle",
        "compact",
    ] {
        let text = run(dir.path(), format);
        // The version would churn the SARIF snapshot on every release.
        let text = text.replace(env!("CARGO_PKG_VERSION"), "<version>");
        let text = if format == "sarif" {
            without_docs(&text)
        } else {
            text
        };
        insta::assert_snapshot!(format, text);
    }
}

/// The SARIF log with each rule's texts from its doc checked and then replaced by a marker, so
/// editing a doc does not churn the snapshot.
fn without_docs(sarif: &str) -> String {
    let mut log: Value = serde_json::from_str(sarif).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    for rule in log["runs"][0]["tool"]["driver"]["rules"]
        .as_array_mut()
        .unwrap()
    {
        let id = rule["id"].as_str().unwrap().to_string();
        let file = [
            root.join(format!("{id}.md")),
            root.join(format!("builtin/{id}.md")),
        ]
        .into_iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{id} has no doc"));
        let doc = std::fs::read_to_string(file).unwrap();
        assert_eq!(rule["help"]["markdown"], doc.as_str(), "{id}");
        assert_eq!(rule["help"]["text"], doc.as_str(), "{id}");
        rule["help"] = Value::String(format!("<the doc of {id}>"));
        for key in ["shortDescription", "fullDescription"] {
            let text = rule[key]["text"].as_str().unwrap();
            assert!(!text.is_empty() && doc.contains(text), "{id} {key}: {text}");
            rule[key] = Value::String("<from the doc>".to_string());
        }
    }
    serde_json::to_string_pretty(&log).unwrap() + "\n"
}

#[test]
fn github_commands_parse_back() {
    let text = run(project().path(), "github");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    let odd = lines.iter().find(|l| l.contains("odd")).unwrap();
    let (head, message) = odd
        .strip_prefix("::error ")
        .unwrap()
        .split_once("::")
        .unwrap();
    let props: Vec<(&str, &str)> = head
        .split(',')
        .map(|p| p.split_once('=').unwrap())
        .collect();
    assert_eq!(props[0], ("file", "odd%2C name%3A 100%25.js"));
    assert_eq!(props[1], ("line", "2"));
    assert_eq!(props.last().unwrap(), &("title", "no-floating-promise"));
    assert!(
        !message.contains('\n') && message.contains("%0A"),
        "the help is on an escaped second line"
    );
}

#[test]
fn gitlab_and_xml_are_well_formed() {
    let dir = project();
    let issues: Value = serde_json::from_str(&run(dir.path(), "gitlab")).unwrap();
    let issues = issues.as_array().unwrap();
    assert_eq!(issues.len(), 4);
    for i in issues {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(i[key].is_string(), "{key} in {i}");
        }
        assert!(i["location"]["path"].is_string() && i["location"]["lines"]["begin"].is_u64());
    }
    let prints: std::collections::HashSet<_> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(prints.len(), 4, "fingerprints are unique");
    for format in ["junit", "checkstyle"] {
        let xml = run(dir.path(), format);
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut elements = 0;
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(quick_xml::events::Event::Start(_) | quick_xml::events::Event::Empty(_)) => {
                    elements += 1
                }
                Ok(_) => {}
                Err(e) => panic!("{format} is not well-formed XML: {e}\n{xml}"),
            }
        }
        assert!(elements > 3, "{format}");
    }
}

/// A note (the skipped Flow file) takes each format's lowest level and never counts as a failure.
#[test]
fn notes_take_each_formats_lowest_level() {
    let dir = project();
    let line = |format: &str| {
        run(dir.path(), format)
            .lines()
            .find(|l| l.contains("flow.js") && l.contains("skipped-file"))
            .map(str::to_string)
            .unwrap_or_default()
    };
    assert!(line("github").starts_with("::notice file=flow.js,line=1,col=4,"));
    assert!(line("compact").starts_with("flow.js:1:4: note skipped-file This Flow file"));
    let sarif: Value = serde_json::from_str(&run(dir.path(), "sarif")).unwrap();
    let run0 = &sarif["runs"][0];
    let result = run0["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "skipped-file")
        .unwrap();
    assert_eq!(result["level"], "note");
    // Built-in diagnostics are described like rules, with their doc as help.
    for id in [
        "syntax-error",
        "internal-error",
        "unused-suppression",
        "skipped-file",
    ] {
        let rule = run0["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} is not described"));
        assert!(rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .starts_with(&format!("# {id}\n")));
        assert!(rule["helpUri"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/rules/builtin/{id}.md")));
    }
    let gitlab: Value = serde_json::from_str(&run(dir.path(), "gitlab")).unwrap();
    let issue = gitlab
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["check_name"] == "skipped-file")
        .unwrap();
    assert_eq!(issue["severity"], "info");
    let junit = run(dir.path(), "junit");
    assert!(
        junit.contains(r#"<testsuites name="nodepit" tests="5" failures="3" skipped="1">"#),
        "{junit}"
    );
    assert!(
        junit.contains("<skipped message=\"This Flow file"),
        "{junit}"
    );
    let checkstyle = run(dir.path(), "checkstyle");
    assert!(checkstyle.contains(r#"severity="info""#), "{checkstyle}");
}

/// Microsoft's SARIF Multitool, installed by `.ci/run` (or pointed to by `NODEPIT_SARIF_MULTITOOL`).
fn multitool() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("NODEPIT_SARIF_MULTITOOL") {
        return Some(PathBuf::from(p));
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".ci/tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    p.exists().then_some(p)
}

#[test]
fn sarif_passes_the_sarif_multitool() {
    let Some(tool) = multitool() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "the SARIF Multitool is missing on CI; .ci/run must install it"
        );
        eprintln!("SARIF Multitool not installed (see .ci/run); skipped");
        return;
    };
    let dir = project();
    let sarif = dir.path().join("out.sarif");
    std::fs::write(&sarif, run(dir.path(), "sarif")).unwrap();
    let report = dir.path().join("validation.sarif");
    let out = Command::new(&tool)
        .arg("validate")
        .arg(&sarif)
        .arg("--output")
        .arg(&report)
        .args([
            "--log",
            "ForceOverwrite",
            "--level",
            "Error",
            "Warning",
            "Note",
        ])
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .expect("the Multitool runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let results = v["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // The Multitool (5.7.0) says nothing at all, and exits 0, when its object model cannot read a
    // log (an unknown `level` or `kind`, say). A log it did read always draws notes (SARIF2003:
    // no versionControlProvenance), so silence means the log was not checked.
    assert!(
        !results.is_empty(),
        "the Multitool reported nothing, so it could not read the log"
    );
    let problems: Vec<String> = results
        .iter()
        .filter(|r| matches!(r["level"].as_str(), None | Some("error" | "warning")))
        .map(|r| format!("{}: {}", r["ruleId"], r["message"]))
        .collect();
    assert!(
        problems.is_empty(),
        "the Multitool reports:\n{}",
        problems.join("\n")
    );
}
