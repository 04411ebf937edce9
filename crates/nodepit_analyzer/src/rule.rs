//! The rule interface and the declaration macro that ties a rule to its doc.

use std::fmt::Debug;

use nodepit_project::Project;
use nodepit_semantic::summary::Atom;
use nodepit_semantic::{CallSite, Model, StmtSite};
use serde::de::DeserializeOwned;
use swc_common::Span;

use crate::diagnostic::{Diagnostic, Fix, Related, Severity};

/// The node kinds the dispatcher hands to rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// Every call expression.
    Call,
    /// Every expression statement.
    ExprStmt,
    /// Every `new X(…)` whose callee is a name or a member.
    New,
    /// Every `try` statement, handed to [`Rule::check_try`].
    Try,
}

/// A node handed to a rule, with its place in the model.
#[derive(Debug, Clone, Copy)]
pub enum Node<'m, 'a> {
    /// A call expression.
    Call(&'m CallSite<'a>),
    /// An expression statement.
    ExprStmt(&'m StmtSite<'a>),
    /// A `new` expression, with the function it sits in.
    New(&'m nodepit_semantic::NewSite<'a>),
}

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct RuleMeta {
    /// The kebab-case id, stable forever.
    pub id: &'static str,
    /// Severity when the config says nothing.
    pub severity: Severity,
    /// `rules/<id>.md`, embedded.
    pub doc: &'static str,
    /// Whether the rule offers fixes.
    pub has_fix: bool,
}

impl RuleMeta {
    /// The one-line summary under the doc's title.
    pub fn summary(&self) -> &'static str {
        self.doc
            .lines()
            .skip(1)
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
    }

    /// The `## Interview question` section's text, without the heading and quote markers.
    pub fn section(&self, heading: &str) -> Option<&'static str> {
        let start = self.doc.find(&format!("\n## {heading}\n"))? + heading.len() + 5;
        let rest = &self.doc[start..];
        let end = rest.find("\n## ").unwrap_or(rest.len());
        Some(rest[..end].trim())
    }

    /// The program in the doc's `js demo` block (`## Prove it`), which shows the pitfall on a
    /// real Node; `None` when the doc has none.
    pub fn demo(&self) -> Option<&'static str> {
        let mut lines = self.doc.split_inclusive('\n');
        let mut at = 0;
        for line in lines.by_ref() {
            at += line.len();
            if line.trim_end() == "```js demo" {
                break;
            }
        }
        if at >= self.doc.len() {
            return None;
        }
        let start = at;
        for line in lines {
            if line.trim_end() == "```" {
                return Some(&self.doc[start..at]);
            }
            at += line.len();
        }
        None
    }
}

/// A rule. Its options are its own fields: the registry deserialises them from `nodepit.toml`.
pub trait Rule: Send + Sync + Debug {
    /// The node kinds `check` wants to see.
    fn kinds(&self) -> &'static [NodeKind];
    /// Substrings at least one of which appears in the source of every file this rule can flag,
    /// or `None` when there is no such cheap necessary condition. When no enabled rule's needle
    /// is in a file, nodepit parses it (for syntax errors and suppressions) but skips scopes,
    /// model and rules. A needle the rule can fire without is a missed finding, so list every
    /// spelling the rule's decision can rest on.
    fn needles(&self) -> Option<&'static [&'static str]> {
        None
    }
    /// Looks at one node and reports through `cx`.
    fn check(&self, node: Node<'_, '_>, cx: &mut RuleCx<'_, '_>);
    /// Looks at one `try` statement (for rules listing [`NodeKind::Try`]); a method of its own
    /// so that rules matching every [`Node`] need no new arm.
    fn check_try(&self, _site: &nodepit_semantic::TrySite<'_>, _cx: &mut RuleCx<'_, '_>) {}
}

/// Builds a configured rule from its options, or says why the options are wrong.
pub type BuildRule = fn(Option<&toml::Table>) -> Result<Box<dyn Rule>, String>;

/// A rule in the registry: its meta and how to build it from options.
#[derive(Debug, Clone, Copy)]
pub struct RuleEntry {
    /// Identity and docs.
    pub meta: &'static RuleMeta,
    /// Builds the rule from its `[rules.<id>]` options (without `level`).
    pub build: BuildRule,
}

/// Builds a rule from options, rejecting unknown ones.
pub fn build_rule<T: Rule + DeserializeOwned + Default + 'static>(
    options: Option<&toml::Table>,
) -> Result<Box<dyn Rule>, String> {
    match options {
        None => Ok(Box::new(T::default())),
        Some(table) => T::deserialize(toml::Value::Table(table.clone()))
            .map(|r| Box::new(r) as Box<dyn Rule>)
            .map_err(|e| e.message().to_string()),
    }
}

/// Declares a rule's metadata, embedding `rules/<id>.md` so a rule without docs does not compile.
#[macro_export]
macro_rules! declare_rule {
    ($ty:ident, $id:literal, $severity:ident, fix: $fix:literal) => {
        impl $ty {
            /// This rule's identity and docs.
            pub const META: $crate::RuleMeta = $crate::RuleMeta {
                id: $id,
                severity: $crate::Severity::$severity,
                doc: include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../../rules/",
                    $id,
                    ".md"
                )),
                has_fix: $fix,
            };
            /// This rule's registry entry.
            pub const ENTRY: $crate::RuleEntry = $crate::RuleEntry {
                meta: &Self::META,
                build: $crate::build_rule::<$ty>,
            };
        }
    };
}

/// What a rule sees while checking a file: the model and a place to report.
pub struct RuleCx<'m, 'a> {
    pub(crate) model: &'m Model<'a>,
    pub(crate) meta: &'static RuleMeta,
    pub(crate) severity: Severity,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Questions about other files; `None` when the file is linted alone.
    pub(crate) deferred: Option<Vec<Deferred>>,
    /// Whether a module specifier names a file of the project (in a project only).
    pub(crate) project_module: Option<&'m dyn Fn(&str) -> bool>,
    /// The version range the nearest `package.json` declares for a dependency (in a project).
    pub(crate) dependency: Option<&'m crate::lint::DependencyFn<'m>>,
}

/// A question a rule cannot answer from one file.
#[derive(Debug, Clone)]
pub enum Question {
    /// Which request handler, in any file, reaches this function of the file (by `FnId`)?
    Reached {
        /// The function.
        func: u32,
    },
    /// What does calling this value of another module give?
    Callee {
        /// The module specifier as written in this file.
        specifier: Atom,
        /// The property path into its exports.
        path: Vec<Atom>,
        /// Where `new` instantiates a class along the path.
        new_at: Option<u32>,
    },
    /// What do callers in other files pass as this parameter?
    ParamEvidence {
        /// The function (by `FnId`).
        func: u32,
        /// The parameter's position.
        index: u32,
        /// Properties read from the parameter (`["uids"]` for `data.uids`).
        path: Vec<Atom>,
    },
    /// Does calling this value of another module return a collection outside input sizes?
    ReturnEvidence {
        /// The module specifier as written in this file.
        specifier: Atom,
        /// The property path into its exports.
        path: Vec<Atom>,
        /// Where `new` instantiates a class along the path.
        new_at: Option<u32>,
    },
    /// Is this value of another module a function of the project, and if so, does it return a
    /// collection outside input sizes? (`repo.findAll()` reads like a query but may be the
    /// project's own function with a `limit`.)
    ProjectFn {
        /// The module specifier as written in this file.
        specifier: Atom,
        /// The property path into its exports.
        path: Vec<Atom>,
        /// Where `new` instantiates a class along the path.
        new_at: Option<u32>,
    },
    /// Does this validator of another module (a class-validator DTO class, a zod schema) cap
    /// some size?
    Caps {
        /// The module specifier as written in this file.
        specifier: Atom,
        /// The property path into its exports.
        path: Vec<Atom>,
    },
    /// Does any file of the project load this package (`express-async-errors`)?
    Loaded {
        /// The package name.
        package: Atom,
    },
    /// Which file is this? For a rule whose finish asks the project several things about
    /// functions this file calls, which the project finds by the caller's path.
    Here,
}

/// The project's answer to a [`Question`].
#[derive(Debug, Clone)]
pub enum Answer {
    /// The handler and the calls on the way.
    Reached(nodepit_project::Reached),
    /// The called function's promise facts.
    Callee(nodepit_project::CalleeFacts),
    /// What a caller passes.
    ParamEvidence(nodepit_project::ArgEvidence),
    /// What the called function returns (`at` is in its file; `via` is empty).
    ReturnEvidence(nodepit_project::ArgEvidence),
    /// Whether the value is a function of the project, and what it returns if so.
    ProjectFn(Option<Option<nodepit_project::ArgEvidence>>),
    /// Whether the validator caps some size.
    Caps(bool),
    /// Whether some file of the project loads the package.
    Loaded(bool),
    /// The path of the file that asked.
    Here(std::path::PathBuf),
}

/// Turns an answer into a finding (or none).
type Finish = Box<dyn FnOnce(&Answer, &Project) -> Option<Diagnostic> + Send + Sync>;

/// A finding that waits for an answer from the project.
pub struct Deferred {
    question: Question,
    finish: Finish,
}

impl std::fmt::Debug for Deferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.question.fmt(f)
    }
}

impl Deferred {
    /// The question.
    pub fn question(&self) -> &Question {
        &self.question
    }

    /// Asks the project about `file` (the file the question was asked in) and builds the finding.
    pub fn settle(self, file: &std::path::Path, project: &Project) -> Option<Diagnostic> {
        let answer = match &self.question {
            Question::Reached { func } => Answer::Reached(project.reached(file, *func)?),
            Question::Callee {
                specifier,
                path,
                new_at,
            } => Answer::Callee(project.callee(file, specifier, path, *new_at)?),
            Question::ParamEvidence { func, index, path } => {
                Answer::ParamEvidence(project.param_evidence(file, *func, *index, path)?)
            }
            Question::ReturnEvidence {
                specifier,
                path,
                new_at,
            } => Answer::ReturnEvidence(project.return_evidence(file, specifier, path, *new_at)?),
            Question::ProjectFn {
                specifier,
                path,
                new_at,
            } => Answer::ProjectFn(project.fn_return_evidence(file, specifier, path, *new_at)),
            Question::Caps { specifier, path } => {
                Answer::Caps(project.validator_caps(file, specifier, path)?)
            }
            Question::Loaded { package } => Answer::Loaded(project.loads_package(package)),
            Question::Here => Answer::Here(file.to_path_buf()),
        };
        (self.finish)(&answer, project)
    }
}

impl<'m, 'a> RuleCx<'m, 'a> {
    /// The file's semantic model.
    pub fn model(&self) -> &'m Model<'a> {
        self.model
    }

    /// Whether the file is linted as part of a project, so [`RuleCx::ask`] can be answered.
    pub fn in_project(&self) -> bool {
        self.deferred.is_some()
    }

    /// Whether a module specifier written in this file names a file of the project (always
    /// false when the file is linted alone): only those are worth a question.
    pub fn is_project_module(&self, specifier: &str) -> bool {
        self.project_module.is_some_and(|f| f(specifier))
    }

    /// The version range the file's nearest `package.json` declares for a dependency
    /// (`"^4.18.2"`), when the file is linted as part of a project.
    pub fn dependency_version(&self, name: &str) -> Option<String> {
        self.dependency.and_then(|f| f(name))
    }

    /// The major version a dependency's declared range starts at (`^4.18.2`, `~4.18`, `4.x`
    /// and `>=4` all give 4): what decides, say, whether Express forwards a rejected promise.
    pub fn dependency_major(&self, name: &str) -> Option<u64> {
        major_of(&self.dependency_version(name)?)
    }

    /// Asks the project a question; once it is answered, `finish` builds the finding (rule and
    /// severity are filled in). Does nothing when the file is linted alone.
    pub fn ask(
        &mut self,
        question: Question,
        finish: impl FnOnce(&Answer, &Project) -> Option<Diagnostic> + Send + Sync + 'static,
    ) {
        let (rule, severity) = (self.meta.id, self.severity);
        if let Some(deferred) = &mut self.deferred {
            deferred.push(Deferred {
                question,
                finish: Box::new(move |answer, project| {
                    let mut d = finish(answer, project)?;
                    d.rule = rule;
                    d.severity = severity;
                    Some(d)
                }),
            });
        }
    }

    /// Reports a finding built whole (rule and severity are filled in), for rules that build
    /// the same finding for a file alone and for a project's answer.
    pub fn report_diagnostic(&mut self, mut d: Diagnostic) {
        d.rule = self.meta.id;
        d.severity = self.severity;
        self.diagnostics.push(d);
    }

    /// Reports a finding at `span`.
    pub fn report(&mut self, span: Span, message: impl Into<String>) -> Reporter<'_> {
        let range = self.model.range(span);
        self.diagnostics
            .push(Diagnostic::new(self.meta.id, self.severity, range, message));
        Reporter {
            diagnostic: self.diagnostics.last_mut().expect("just pushed"),
        }
    }
}

/// Adds help, related locations and fixes to a reported diagnostic.
pub struct Reporter<'r> {
    diagnostic: &'r mut Diagnostic,
}

impl Reporter<'_> {
    /// The line that says what to do.
    pub fn help(self, help: impl Into<String>) -> Self {
        self.diagnostic.help = Some(help.into());
        self
    }

    /// A location that explains the finding.
    pub fn related(self, span: Span, message: impl Into<String>) -> Self {
        let range = nodepit_semantic::span_range(span);
        self.diagnostic.related.push(Related {
            path: None,
            range,
            message: message.into(),
        });
        self
    }

    /// A fix.
    pub fn fix(self, fix: Fix) -> Self {
        self.diagnostic.fixes.push(fix);
        self
    }
}

/// The first major version a semver range allows: the first number in it.
fn major_of(range: &str) -> Option<u64> {
    let start = range.find(|c: char| c.is_ascii_digit())?;
    let digits: String = range[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::major_of;

    #[test]
    fn major_versions_of_declared_ranges() {
        for (range, major) in [
            ("^4.18.2", Some(4)),
            ("~5.1.0", Some(5)),
            ("5.x", Some(5)),
            (">=4.17 <6", Some(4)),
            ("latest", None),
            ("workspace:*", None),
            ("npm:express@^5.0.1", Some(5)),
        ] {
            assert_eq!(major_of(range), major, "{range}");
        }
    }
}
