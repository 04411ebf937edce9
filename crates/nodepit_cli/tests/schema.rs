//! The JSON Schema of `nodepit.toml` (npm/nodepit/nodepit.schema.json, which TOML editors read
//! through a `#:schema` line): generated from the config types and the rule registry, committed,
//! and checked here against both and against the README's examples.
//! `NODEPIT_UPDATE_SCHEMA=1 cargo test -p nodepit --test schema` rewrites the committed file.

use std::path::Path;

use nodepit_analyzer::SchemaRule;
use serde_json::Value;

const COMMITTED: &str = "npm/nodepit/nodepit.schema.json";

fn schema() -> Value {
    let rules: Vec<SchemaRule> = nodepit_rules::REGISTRY
        .iter()
        .map(|e| SchemaRule {
            id: e.meta.id,
            summary: e.meta.summary(),
            default: e.meta.severity,
            options: nodepit_rules::options_schema(e.meta.id).map(|s| s.to_value()),
        })
        .collect();
    nodepit_analyzer::json_schema(&rules)
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_schema_matches_the_config_types() {
    let fresh = serde_json::to_string_pretty(&schema()).expect("schema serialises") + "\n";
    let path = root().join(COMMITTED);
    if std::env::var_os("NODEPIT_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &fresh).expect("write the schema");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != fresh {
        let diff = similar::TextDiff::from_lines(&committed, &fresh)
            .unified_diff()
            .header(COMMITTED, "generated")
            .to_string();
        panic!("{COMMITTED} is stale; rerun with NODEPIT_UPDATE_SCHEMA=1 to rewrite it:\n{diff}");
    }
}

/// `options_schema` lists exactly the rules that take options, and every option they take.
#[test]
fn every_rule_option_is_in_the_schema() {
    let schema = schema();
    for entry in nodepit_rules::REGISTRY {
        let id = entry.meta.id;
        let mut table = toml::Table::new();
        table.insert("no-such-option".into(), toml::Value::Integer(1));
        let Err(message) = (entry.build)(Some(&table)) else {
            panic!("{id} accepts an unknown option");
        };
        // serde lists the fields it expected: "unknown field `x`, expected `allow`".
        let expected: Vec<&str> = message
            .split_once("expected")
            .map(|(_, names)| names.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        let table = &schema["$defs"]["Rules"]["properties"][id]["anyOf"][1]["properties"];
        let mut listed: Vec<&str> = table
            .as_object()
            .unwrap_or_else(|| panic!("{id} is missing from the schema"))
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "level")
            .collect();
        listed.sort_unstable();
        let mut expected = expected;
        expected.sort_unstable();
        assert_eq!(listed, expected, "{id}: {message}");
    }
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).expect("the schema is a valid JSON Schema")
}

fn as_json(toml_text: &str) -> Value {
    let value: toml::Value = toml::from_str(toml_text).expect("TOML parses");
    serde_json::to_value(value).expect("TOML converts")
}

#[test]
fn readme_examples_satisfy_the_schema() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let blocks: Vec<&str> = readme
        .split("```toml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .collect();
    assert!(blocks.len() >= 3);
    let validator = validator();
    for block in blocks {
        let errors: Vec<String> = validator
            .iter_errors(&as_json(block))
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{block}\n{errors:?}");
    }
}

#[test]
fn the_schema_rejects_what_the_loader_rejects() {
    let validator = validator();
    for bad in [
        "[rules]\nno-such-rule = \"off\"\n",
        "[rules]\nprefer-pipeline = \"loud\"\n",
        "[rules.no-floating-promise]\nallwo = [\"x\"]\n",
        "[rules.prefer-pipeline]\nallow = [\"x\"]\n",
        "[rules.no-unbounded-promise-all]\nstrict = \"yes\"\n",
        "[[overrides]]\nexclude = [\"a\"]\n",
        "[[overrides]]\nfiles = []\n",
        "colour = true\n",
    ] {
        assert!(!validator.is_valid(&as_json(bad)), "{bad}");
        assert!(
            nodepit_analyzer::Config::parse(bad, nodepit_rules::REGISTRY).is_err(),
            "{bad}"
        );
    }
    assert!(validator.is_valid(&as_json(
        "[rules]\nunused-suppression = \"warning\"\n[rules.no-unbounded-promise-all]\nlevel = \"off\"\nstrict = true\n"
    )));
}
