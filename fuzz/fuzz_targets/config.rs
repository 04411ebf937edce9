//! `nodepit.toml` (with `[[overrides]]`), suppression comments and baseline files, read the
//! way the CLI reads them: the config from disk by the workspace's discovery, a file linted
//! under it, then the baseline filtering the findings.
#![no_main]

#[allow(dead_code)]
#[path = "../../crates/nodepit_cli/src/baseline.rs"]
mod baseline;
#[allow(dead_code)]
mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use nodepit_analyzer::{parse_directive, INTERNAL_ERROR};
use nodepit_workspace::{Options, Workspace};

#[derive(Arbitrary, Debug)]
struct Input {
    config: String,
    source: String,
    baseline: String,
    comment: String,
    block: bool,
    ts: bool,
}

/// A folder of this process's own, holding `nodepit.toml`, the linted file and the baseline.
fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("nodepit-fuzz-config-{}", std::process::id()));
        std::fs::create_dir_all(d.join("test")).expect("temp dir");
        d
    })
}

fuzz_target!(|input: Input| {
    let dir = dir();
    if let Some(d) = parse_directive(&input.comment, 0..input.comment.len() + 4, input.block) {
        for (_, r) in &d.rules {
            assert!(input.comment.get(r.start - 2..r.end - 2).is_some(), "{d:?}");
        }
    }
    std::fs::write(dir.join("nodepit.toml"), &input.config).expect("write config");
    // A fresh workspace, so no config is cached from the last input.
    let ws = Workspace::new(Options::default()).expect("workspace");
    let file = dir.join(if input.ts { "test/a.spec.ts" } else { "a.js" });
    // swc's own panics (see common.rs) are not this target's subject: the file is only there
    // for the config and the baseline to apply to.
    if common::parser_panics(&file, &input.source) {
        return;
    }
    let Ok(result) = ws.lint_text(&file, input.source) else {
        return; // an invalid config: reported to the user, nothing linted
    };
    assert!(
        result.diagnostics.iter().all(|d| d.rule != INTERNAL_ERROR),
        "{:?}",
        result.diagnostics
    );
    let path = dir.join("baseline.json");
    std::fs::write(&path, &input.baseline).expect("write baseline");
    if let Ok(known) = baseline::read(&path) {
        let mut results = [result];
        baseline::filter(&mut results, known);
    }
});
