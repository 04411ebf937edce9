//! Diagnostics: what a rule found, where, and what to do about it.

use std::ops::Range;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Fails the run (exit code 1).
    Error,
    /// Reported, but does not fail the run by itself.
    Warning,
    /// Information about the run rather than the code, such as a file nodepit skipped; never
    /// fails the run, not even with `--deny-warnings`.
    Note,
}

impl Severity {
    /// `error`, `warning` or `note`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Note => "note",
        }
    }
}

/// A secondary location that explains a finding (the re-entering call, the route registration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// The file it is in, when it is not the diagnostic's own file (a registration or a caller
    /// in another module of the project).
    pub path: Option<std::path::PathBuf>,
    /// Byte range in that file.
    pub range: Range<usize>,
    /// What this location is.
    pub message: String,
}

/// One text replacement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Byte range to replace.
    pub range: Range<usize>,
    /// Replacement text.
    pub text: String,
}

/// A fix: edits that together resolve the finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, e.g. "Add `await`".
    pub message: String,
    /// Non-overlapping edits.
    pub edits: Vec<Edit>,
    /// Safe fixes keep behaviour except for the flagged bug; unsafe ones are suggestions.
    pub safe: bool,
}

/// A finding in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule id (`no-floating-promise`), or `syntax-error`, `internal-error`,
    /// `unused-suppression`, `skipped-file`.
    pub rule: &'static str,
    /// Severity after configuration.
    pub severity: Severity,
    /// Byte range of the flagged code.
    pub range: Range<usize>,
    /// What is wrong, naming the call.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// Locations that explain the finding.
    pub related: Vec<Related>,
    /// Fixes, safe first.
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    /// A diagnostic with just a rule, severity, range and message.
    pub fn new(
        rule: &'static str,
        severity: Severity,
        range: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            rule,
            severity,
            range,
            message: message.into(),
            help: None,
            related: Vec::new(),
            fixes: Vec::new(),
        }
    }
}
