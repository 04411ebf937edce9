//! `nodepit init`: a commented nodepit.toml that loads without a warning, recipes only for the
//! folders the project has, the schema reference, and no overwriting without `--force`.

mod common;
use common::{nodepit, stderr, stdout, write};

fn read(dir: &std::path::Path) -> String {
    std::fs::read_to_string(dir.join("nodepit.toml")).expect("nodepit.toml written")
}

/// The file loads with the config loader and satisfies the committed schema.
fn assert_loads(text: &str) {
    if let Err(e) = nodepit_analyzer::Config::parse(text, nodepit_rules::REGISTRY) {
        panic!("{e}\n{text}");
    }
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("npm/nodepit/nodepit.schema.json"),
        )
        .expect("schema"),
    )
    .expect("schema is JSON");
    let value: toml::Value = toml::from_str(text).expect("TOML");
    let instance = serde_json::to_value(value).expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{text}");
}

#[test]
fn a_bare_project_gets_every_rule_and_no_overrides() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "server.js", "module.exports = 1;\n");
    let out = nodepit(dir.path(), &["init"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "Wrote ./nodepit.toml.\n");
    let text = read(dir.path());
    assert!(text.starts_with(
        "#:schema https://raw.githubusercontent.com/nodepit/nodepit/main/npm/nodepit/nodepit.schema.json\n"
    ));
    for entry in nodepit_rules::REGISTRY {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("# {} = \"", entry.meta.id)))
            .unwrap_or_else(|| panic!("{} missing:\n{text}", entry.meta.id));
        assert!(line.ends_with(entry.meta.summary()), "{line}");
    }
    assert!(!text.contains("[[overrides]]"), "{text}");
    assert_loads(&text);
    let out = nodepit(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "", "no warning about the config");
}

#[test]
fn tests_and_browser_code_get_their_recipes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "test/api.js", "module.exports = 1;\n");
    write(
        dir.path(),
        "src/users/__tests__/users.js",
        "module.exports = 1;\n",
    );
    write(dir.path(), "src/orders.spec.ts", "export {};\n");
    write(dir.path(), "public/app.js", "fetch('/x');\n");
    write(dir.path(), "public/vendor/lib.min.js", "fetch('/x');\n");
    write(dir.path(), "node_modules/nodepit/package.json", "{}\n");
    write(dir.path(), "node_modules/x/y.test.js", "");
    let out = nodepit(dir.path(), &["init", "--path", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).ends_with("with overrides for tests and browser code.\n"));
    let text = read(dir.path());
    assert!(text.starts_with("#:schema ./node_modules/nodepit/nodepit.schema.json\n"));
    assert!(
        text.contains("files = [\"test/**\", \"**/__tests__/**\", \"**/*.spec.*\"]\n"),
        "node_modules is not looked into:\n{text}"
    );
    assert!(text.contains("files = [\"public/**\"]\n"), "{text}");
    assert!(text.contains("ignore = [\"**/*.min.js\"]"), "{text}");
    assert_loads(&text);
    // The recipes apply: the browser file's floating promise is a warning, not an error.
    let out = nodepit(
        dir.path(),
        &["check", "--format", "compact", "public/app.js"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("warning no-floating-promise"),
        "{}",
        stdout(&out)
    );
    assert_eq!(stderr(&out), "");
}

#[test]
fn an_existing_config_is_kept_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/nodepit.toml",
        "[rules]\nprefer-pipeline = \"off\"\n",
    );
    let out = nodepit(dir.path(), &["init", "--path", "app"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("app/nodepit.toml already exists"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app/nodepit.toml")).unwrap(),
        "[rules]\nprefer-pipeline = \"off\"\n"
    );
    let out = nodepit(dir.path(), &["init", "--path", "app", "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(read(&dir.path().join("app")).contains("[rules]\n# "));
}
