//! Runs every fixture under `fixtures/<rule-id>/`: the diagnostics must start exactly on the
//! lines the fixture's `// expect:` comments name, and the rendered output must match the
//! snapshot beside the fixture.
//!
//! A fixture that is a folder (`project_<case>/`, `valid_project_<case>/`) is a project: the
//! whole folder is linted as one project through the workspace API, each of its files is held
//! to its own `// expect:` comments, and one snapshot (`<folder>.snap` beside the folder)
//! renders every file with findings.

use std::path::Path;

use nodepit_tests::{expected, found, lint, lint_project, render, render_project, root};

/// What one rule's fixtures add up to.
#[derive(Default)]
struct Tally {
    /// Expected findings of the rule in flagged fixtures.
    flagged: usize,
    /// `valid_*` files, counting each file of a `valid_project_*` folder.
    valid_files: usize,
}

#[test]
fn fixtures_match_their_expectations() {
    let dir = root().join("fixtures");
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule_dir in sorted_entries(&dir) {
        let rule = file_name(&rule_dir);
        assert!(
            nodepit_rules::find(&rule).is_some(),
            "fixtures/{rule} does not name a rule"
        );
        let mut tally = Tally::default();
        for entry in sorted_entries(&rule_dir) {
            let name = file_name(&entry);
            if name.ends_with(".snap") || name.ends_with(".snap.new") {
                continue;
            }
            if entry.is_dir() {
                check_project(&rule, &rule_dir, &entry, &mut tally, &mut failures);
            } else {
                check_file(&rule, &rule_dir, &entry, &mut tally, &mut failures);
            }
            checked += 1;
        }
        assert!(
            tally.flagged >= 10,
            "{rule}: only {} flagged cases, want at least 10",
            tally.flagged
        );
        assert!(
            tally.valid_files >= 3,
            "{rule}: only {} valid files",
            tally.valid_files
        );
    }
    assert!(checked > 0, "no fixtures found");
    assert!(
        failures.is_empty(),
        "{} fixture(s) disagree:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// One single-file fixture.
fn check_file(
    rule: &str,
    rule_dir: &Path,
    file: &Path,
    tally: &mut Tally,
    failures: &mut Vec<String>,
) {
    let name = file_name(file);
    let text = std::fs::read_to_string(file).expect("fixture is UTF-8");
    let diagnostics = lint(&name, &text);
    let want = expected(&text);
    let got = found(&text, &diagnostics);
    if name.starts_with("valid") {
        tally.valid_files += 1;
        assert!(
            text.starts_with("// expect: none"),
            "{rule}/{name} must begin with `// expect: none`"
        );
    } else {
        tally.flagged += want.iter().filter(|(_, r)| *r == rule).count();
    }
    if want != got {
        failures.push(format!(
            "{rule}/{name}\n  expected: {want:?}\n  found:    {got:?}\n{}",
            render(&text, &diagnostics)
        ));
    }
    snapshot(rule_dir, &name, &render(&text, &diagnostics), failures);
}

/// One project folder: every linted file against its own expectations, then one snapshot.
fn check_project(
    rule: &str,
    rule_dir: &Path,
    dir: &Path,
    tally: &mut Tally,
    failures: &mut Vec<String>,
) {
    let name = file_name(dir);
    let valid = name.starts_with("valid_project_");
    assert!(
        valid || name.starts_with("project_"),
        "{rule}/{name}/: a project fixture is named `project_<case>` or `valid_project_<case>`"
    );
    let files = lint_project(dir);
    assert!(
        !files.is_empty(),
        "{rule}/{name}/ has no file nodepit lints"
    );
    let mut disagree = Vec::new();
    let mut expects_rule = 0;
    for f in &files {
        let want = expected(&f.text);
        let got = found(&f.text, &f.diagnostics);
        expects_rule += want.iter().filter(|(_, r)| *r == rule).count();
        if valid {
            tally.valid_files += 1;
            assert!(
                f.text.starts_with("// expect: none"),
                "{rule}/{name}/{} must begin with `// expect: none`",
                f.rel
            );
        }
        if want != got {
            disagree.push(format!(
                "  {}\n    expected: {want:?}\n    found:    {got:?}",
                f.rel
            ));
        }
    }
    if !valid {
        assert!(
            expects_rule > 0,
            "{rule}/{name}/ expects no `{rule}` finding: name it `valid_project_*`"
        );
        tally.flagged += expects_rule;
    }
    let rendered = render_project(dir, &files);
    if disagree.is_empty() {
        snapshot(rule_dir, &name, &rendered, failures);
    } else {
        // Its snapshot is checked once the expectations hold; until then the rendering is
        // shown here, and no `.snap.new` is written for output known to be wrong.
        failures.push(format!(
            "{rule}/{name}/ (project)\n{}\n{rendered}",
            disagree.join("\n")
        ));
    }
}

/// Asserts the snapshot `<name>.snap` in `dir`; a mismatch (insta writes `<name>.snap.new` and
/// prints the diff) is recorded so the remaining fixtures still run.
fn snapshot(dir: &Path, name: &str, rendered: &str, failures: &mut Vec<String>) {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        insta::with_settings!({ snapshot_path => dir, prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(name.to_string(), rendered);
        });
    }));
    if outcome.is_err() {
        failures.push(format!(
            "{}/{name}: the snapshot is missing or differs (see insta's report above)",
            file_name(dir)
        ));
    }
}

/// Each rule alone, so only its own needles gate the file: skipping files without them must
/// change none of its findings on its fixtures.
#[test]
fn needle_gate_changes_no_finding() {
    use nodepit_analyzer::{Config, RuleSet};
    let mut compared = 0;
    for rule_dir in sorted_entries(&root().join("fixtures")) {
        let rule = file_name(&rule_dir);
        let select = [rule.clone()];
        let gated = RuleSet::new(nodepit_rules::REGISTRY, &Config::default(), Some(&select))
            .expect("rule exists");
        let ungated = RuleSet::new(nodepit_rules::REGISTRY, &Config::default(), Some(&select))
            .expect("rule exists")
            .without_gate();
        for file in sorted_entries(&rule_dir) {
            // A project folder runs through `Workspace`, whose `Options` cannot carry an
            // ungated rule set, so the gate is compared on single files only.
            if file.is_dir() {
                continue;
            }
            let name = file.to_string_lossy().to_string();
            if name.ends_with(".snap") || name.ends_with(".snap.new") {
                continue;
            }
            let text = std::fs::read_to_string(&file).expect("fixture is UTF-8");
            let with = nodepit_workspace::lint_text_with(&file, &text, &gated);
            let without = nodepit_workspace::lint_text_with(&file, &text, &ungated);
            assert_eq!(
                found(&text, &with),
                found(&text, &without),
                "{name}: the needle gate of `{rule}` changed its findings"
            );
            compared += 1;
        }
    }
    assert!(compared > 0, "no fixtures compared");
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string()
}

fn sorted_entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    out.sort();
    out
}
