//! Shared by the fuzz targets: the rule set the CLI builds with no config, and how the first
//! byte picks the file kind.

use std::path::PathBuf;
use std::sync::OnceLock;

use nodepit_analyzer::{Config, RuleSet};

/// Every rule at its default, built once.
pub fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        RuleSet::new(nodepit_rules::REGISTRY, &Config::default(), None).expect("default rules")
    })
}

/// The file the input is linted as (`.js`, `.ts` or `.tsx`, by the first byte) and the text.
pub fn split(data: &[u8]) -> Option<(PathBuf, &str)> {
    let (&kind, rest) = data.split_first()?;
    let text = std::str::from_utf8(rest).ok()?;
    let ext = ["js", "ts", "tsx"][kind as usize % 3];
    Some((PathBuf::from(format!("fuzz.{ext}")), text))
}

/// Runs `f` on a thread with the stack the CLI gives its linting threads, so deep nesting
/// overflows here exactly when it would there.
pub fn on_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(512 * 1024 * 1024)
        .spawn(f)
        .expect("thread")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}
