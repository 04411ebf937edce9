//! Runs every fixture under `fixtures/<rule-id>/`: the diagnostics must start exactly on the
//! lines the fixture's `// expect:` comments name, and the rendered output must match the
//! snapshot beside the fixture.

use nodepit_tests::{expected, found, lint, render, root};

#[test]
fn fixtures_match_their_expectations() {
    let dir = root().join("fixtures");
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule_dir in sorted_entries(&dir) {
        let rule = rule_dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        assert!(
            nodepit_rules::find(&rule).is_some(),
            "fixtures/{rule} does not name a rule"
        );
        let (mut flagged, mut valid_files) = (0, 0);
        for file in sorted_entries(&rule_dir) {
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            if name.ends_with(".snap") || name.ends_with(".snap.new") {
                continue;
            }
            let text = std::fs::read_to_string(&file).expect("fixture is UTF-8");
            let diagnostics = lint(&name, &text);
            let want = expected(&text);
            let got = found(&text, &diagnostics);
            if name.starts_with("valid") {
                valid_files += 1;
                assert!(
                    text.starts_with("// expect: none"),
                    "{rule}/{name} must begin with `// expect: none`"
                );
            } else {
                flagged += want.iter().filter(|(_, r)| *r == rule).count();
            }
            if want != got {
                failures.push(format!(
                    "{rule}/{name}\n  expected: {want:?}\n  found:    {got:?}\n{}",
                    render(&text, &diagnostics)
                ));
            }
            insta::with_settings!({ snapshot_path => rule_dir.clone(), prepend_module_to_snapshot => false, omit_expression => true }, {
                insta::assert_snapshot!(name.clone(), render(&text, &diagnostics));
            });
            checked += 1;
        }
        assert!(
            flagged >= 10,
            "{rule}: only {flagged} flagged cases, want at least 10"
        );
        assert!(valid_files >= 3, "{rule}: only {valid_files} valid files");
    }
    assert!(checked > 0, "no fixtures found");
    assert!(
        failures.is_empty(),
        "{} fixture(s) disagree:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Each rule alone, so only its own needles gate the file: skipping files without them must
/// change none of its findings on its fixtures.
#[test]
fn needle_gate_changes_no_finding() {
    use nodepit_analyzer::{Config, RuleSet};
    let mut compared = 0;
    for rule_dir in sorted_entries(&root().join("fixtures")) {
        let rule = rule_dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let select = [rule.clone()];
        let gated = RuleSet::new(nodepit_rules::REGISTRY, &Config::default(), Some(&select))
            .expect("rule exists");
        let ungated = RuleSet::new(nodepit_rules::REGISTRY, &Config::default(), Some(&select))
            .expect("rule exists")
            .without_gate();
        for file in sorted_entries(&rule_dir) {
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

fn sorted_entries(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    out.sort();
    out
}
