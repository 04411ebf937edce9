//! The whole per-file pipeline (parse, model, every rule, suppressions) on arbitrary text, as
//! `nodepit check` lints one file. Any panic aborts, even one `lint_source` would catch and
//! turn into an `internal-error`: that diagnostic is a bug too.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use nodepit_analyzer::INTERNAL_ERROR;

fuzz_target!(|data: &[u8]| {
    let Some((path, text)) = common::split(data) else {
        return;
    };
    if common::parser_panics(&path, text) {
        return;
    }
    let text = text.to_string();
    let diagnostics = common::on_big_stack(move || {
        nodepit_workspace::lint_text_with(&path, &text, common::rules())
            .into_iter()
            .map(|d| {
                assert!(d.range.start <= d.range.end && d.range.end <= text.len());
                assert!(text.is_char_boundary(d.range.start) && text.is_char_boundary(d.range.end));
                d
            })
            .collect::<Vec<_>>()
    });
    assert!(diagnostics.iter().all(|d| d.rule != INTERNAL_ERROR), "{diagnostics:?}");
});
