//! Shared by the fuzz targets: the rule set the CLI builds with no config, and how the first
//! byte picks the file kind.

use std::path::{Path, PathBuf};
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

/// Whether swc's parser itself panics on the text (parse only, on the big stack). Two such
/// panics are known upstream (fuzz/README.md): `(r,c()=>` as TypeScript fails a debug assertion
/// and `<r:a.a` as JSX reaches an `unreachable!`. nodepit cannot continue without a syntax tree,
/// and its guard already turns them into an `internal-error` (tests in nodepit_analyzer), so the
/// targets skip such inputs rather than stop at the first one: anything that panics after the
/// parse is still a finding. libFuzzer's hook aborts on any panic, so it is swapped out for the
/// check (the targets run one input at a time).
pub fn parser_panics(path: &Path, text: &str) -> bool {
    let source_type = nodepit_semantic::SourceType::for_file(path);
    let text = text.to_string();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let panicked = std::thread::Builder::new()
        .stack_size(512 * 1024 * 1024)
        .spawn(move || {
            nodepit_semantic::analyze_timed(
                &text,
                source_type,
                &mut nodepit_semantic::PhaseTimes::default(),
                nodepit_semantic::Depth::Parse,
                |_, _, _| (),
            )
        })
        .expect("thread")
        .join()
        .is_err();
    std::panic::set_hook(hook);
    panicked
}
