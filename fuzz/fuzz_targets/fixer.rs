//! The fixer: for text that parses, applying every fix (safe and unsafe) pass after pass, as
//! `nodepit check --fix-unsafe` does, keeps the text parsing, applies each finding's fix at most
//! once per pass, and settles: once a pass has nothing left to apply, the next changes nothing.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use nodepit_analyzer::semantic::{analyze, SourceType};
use nodepit_analyzer::{INTERNAL_ERROR, SYNTAX_ERROR};
use nodepit_workspace::{fix_text, lint_text_with};

/// Passes `--fix` makes at most (MAX_FIX_PASSES in nodepit_workspace).
const PASSES: usize = 10;

fn parses(text: &str, st: SourceType) -> bool {
    analyze(text, st, |_, errors, _| errors.is_empty())
}

fuzz_target!(|data: &[u8]| {
    let Some((path, text)) = common::split(data) else {
        return;
    };
    if common::parser_panics(&path, text) {
        return;
    }
    let text = text.to_string();
    common::on_big_stack(move || {
        let rules = common::rules();
        let st = SourceType::for_file(&path);
        let mut current = text;
        let mut diagnostics = lint_text_with(&path, &current, rules);
        if diagnostics.iter().any(|d| d.rule == SYNTAX_ERROR) || !parses(&current, st) {
            return;
        }
        for pass in 0..=PASSES {
            assert!(diagnostics.iter().all(|d| d.rule != INTERNAL_ERROR), "{diagnostics:?}");
            let fixable = diagnostics.iter().filter(|d| !d.fixes.is_empty()).count();
            let Ok(Some(fixed)) = fix_text(&path, &current, &diagnostics, Some(rules), true) else {
                return; // nothing to fix, or every fix refused: the file is left alone
            };
            assert!(pass < PASSES, "fixes still apply after {PASSES} passes:\n{current}");
            assert!(fixed.applied >= 1 && fixed.applied <= fixable, "{fixed:?}");
            assert!(parses(&fixed.text, st), "fixed text does not parse:\n{}", fixed.text);
            assert_ne!(fixed.text, current, "a pass that applied fixes changed nothing");
            current = fixed.text;
            diagnostics = fixed
                .diagnostics
                .unwrap_or_else(|| lint_text_with(&path, &current, rules));
        }
    });
});
