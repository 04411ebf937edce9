//! The linting core: diagnostics as plain data, the `Rule` trait and `declare_rule!`, the
//! one-pass dispatcher, suppression comments and `nodepit.toml` parsing.
//!
//! No IO and no output formats: front ends read files and render diagnostics.

mod config;
mod diagnostic;
mod lint;
mod rule;
mod suppress;

pub use config::{
    json_schema, normalize_glob, Config, ConfigError, Level, Override, RuleSetting, SchemaRule,
};
pub use diagnostic::{Diagnostic, Edit, Fix, Related, Severity};
pub use lint::{
    builtin, lint_project_file, lint_source, lint_source_timed, DependencyFn, FileLint, LintTimes,
    ResolveFn, RuleSet, BUILTIN, INTERNAL_ERROR, SKIPPED_FILE, SYNTAX_ERROR, UNUSED_SUPPRESSION,
};
pub use nodepit_project as project;
pub use nodepit_semantic as semantic;
pub use rule::{
    build_rule, Answer, Deferred, Node, NodeKind, Question, Reporter, Rule, RuleCx, RuleEntry,
    RuleMeta,
};
pub use suppress::{parse_directive, Directive, DirectiveKind};
