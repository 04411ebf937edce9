//! `-o/--output-file`: the `--format` report into a file, and extra FORMAT=PATH reports from the
//! same run, with the exit code of the run and clear errors before linting.

mod common;
use common::{nodepit, stderr, stdout, write};

const FLOATING: &str = "async function save() { await fetch('/x'); }\nsave();\n";

fn read(dir: &std::path::Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn one_run_writes_every_report() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.js", FLOATING);
    let out = nodepit(
        dir.path(),
        &[
            "check",
            "--format",
            "github",
            "--output-file",
            "sarif=reports/nodepit.sarif",
            "-o",
            "junit=nodepit.xml",
            "app.js",
        ],
    );
    // The exit code is the run's, and the --format report still goes to standard output.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    let alone = |format: &str| {
        stdout(&nodepit(
            dir.path(),
            &["check", "--format", format, "app.js"],
        ))
    };
    assert_eq!(stdout(&out), alone("github"));
    // Each file holds exactly what that format prints on its own (its folder was created).
    assert_eq!(read(dir.path(), "reports/nodepit.sarif"), alone("sarif"));
    assert_eq!(read(dir.path(), "nodepit.xml"), alone("junit"));
}

#[test]
fn a_plain_path_takes_the_format_report_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.js", FLOATING);
    let out = nodepit(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "-o",
            "report.json",
            "-o",
            "compact=c.txt",
            "app.js",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let json: serde_json::Value = serde_json::from_str(&read(dir.path(), "report.json")).unwrap();
    assert_eq!(
        json["diagnostics"][0]["rule"], "no-floating-promise",
        "{json}"
    );
    assert!(read(dir.path(), "c.txt").starts_with("app.js:2:1: "));
    // The pretty report in a file has no colour codes even when colour is forced on elsewhere.
    let out = nodepit(dir.path(), &["check", "-o", "pretty.txt", "app.js"]);
    assert_eq!(out.status.code(), Some(1));
    let pretty = read(dir.path(), "pretty.txt");
    assert!(
        pretty.contains("no-floating-promise") && !pretty.contains('\u{1b}'),
        "{pretty}"
    );
    // A clean run exits 0 and still writes its (empty) documents.
    write(dir.path(), "app.js", "module.exports = 1;\n");
    let out = nodepit(dir.path(), &["check", "-o", "sarif=s.sarif", "app.js"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(read(dir.path(), "s.sarif").contains("\"results\": []"));
}

#[test]
fn bad_targets_fail_before_linting() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.js", FLOATING);
    write(dir.path(), "file", "");
    let cases: [(&[&str], &str); 4] = [
        (
            &["-o", "xml=a.xml"],
            "unknown report format `xml` in --output-file xml=a.xml (known: pretty, json, sarif",
        ),
        (
            &["-o", "file/a.sarif"],
            "error: cannot write file/a.sarif: ",
        ),
        (
            &["-o", "a.txt", "-o", "b.txt"],
            "the --format report already has a file",
        ),
        (
            &["-o", "sarif=a", "-o", "junit=a"],
            "--output-file names a twice",
        ),
    ];
    for (flags, message) in cases {
        let mut args = vec!["check"];
        args.extend_from_slice(flags);
        args.push("app.js");
        let out = nodepit(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "nothing was linted: {args:?}");
    }
    // A file name that merely contains `=` is a path, not a format.
    let out = nodepit(dir.path(), &["check", "-o", "Report=1.txt", "app.js"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(read(dir.path(), "Report=1.txt").contains("no-floating-promise"));
}
