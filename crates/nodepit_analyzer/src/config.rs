//! `nodepit.toml`: rule levels, rule options and ignore globs, with errors that name the key and line.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::rule::RuleEntry;

/// A rule's configured level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Report as an error.
    Error,
    /// Report as a warning.
    Warn,
    /// Do not run.
    Off,
}

impl Level {
    /// `"error"`, `"warn"` (or `"warning"`) or `"off"`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "error" => Some(Self::Error),
            "warn" | "warning" => Some(Self::Warn),
            "off" => Some(Self::Off),
            _ => None,
        }
    }
}

/// A rule's configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleSetting {
    /// The level, when set.
    pub level: Option<Level>,
    /// The rule's options (the table without `level`).
    pub options: Option<toml::Table>,
}

/// A parsed and validated `nodepit.toml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// Settings per rule id.
    pub rules: BTreeMap<String, RuleSetting>,
    /// Globs (relative to the config file's folder) of files not to lint.
    pub ignore: Vec<String>,
}

/// A config problem, located in the config text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// What is wrong.
    pub message: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The offending key, when there is one.
    pub key: Option<String>,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
}

/// Names nodepit reports itself and that configs may set too.
const BUILTIN: &[&str] = &["unused-suppression"];

impl Config {
    /// Parses config text and checks every rule id, level and option against `registry`.
    pub fn parse(text: &str, registry: &[RuleEntry]) -> Result<Self, ConfigError> {
        let at = |offset: usize, message: String, key: Option<String>| {
            let before = &text[..offset.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            ConfigError {
                message,
                line,
                column,
                key,
            }
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            at(offset, e.message().to_string(), None)
        })?;
        let mut config = Config {
            rules: BTreeMap::new(),
            ignore: raw.ignore,
        };
        for glob in &config.ignore {
            if let Err(e) = globset::Glob::new(glob) {
                return Err(at(
                    text.find(glob.as_str()).unwrap_or(0),
                    format!("invalid glob `{glob}`: {e}"),
                    Some("ignore".into()),
                ));
            }
        }
        for (key, value) in raw.rules {
            let id = key.get_ref().clone();
            let entry = registry.iter().find(|e| e.meta.id == id);
            if entry.is_none() && !BUILTIN.contains(&id.as_str()) {
                let known: Vec<_> = registry.iter().map(|e| e.meta.id).collect();
                return Err(at(
                    key.span().start,
                    format!("unknown rule `{id}`; known rules: {}", known.join(", ")),
                    Some(format!("rules.{id}")),
                ));
            }
            let span = value.span();
            let setting = match value.into_inner() {
                toml::Value::String(s) => {
                    let level = Level::parse(&s).ok_or_else(|| {
                        at(span.start, format!("invalid level `{s}` for `{id}`: use \"error\", \"warn\" or \"off\""), Some(format!("rules.{id}")))
                    })?;
                    RuleSetting {
                        level: Some(level),
                        options: None,
                    }
                }
                toml::Value::Table(mut table) => {
                    let level = match table.remove("level") {
                        None => None,
                        Some(toml::Value::String(s)) => Some(Level::parse(&s).ok_or_else(|| {
                            at(span.start, format!("invalid level `{s}` for `{id}`: use \"error\", \"warn\" or \"off\""), Some(format!("rules.{id}.level")))
                        })?),
                        Some(other) => {
                            return Err(at(span.start, format!("`level` of `{id}` must be a string, not {}", other.type_str()), Some(format!("rules.{id}.level"))))
                        }
                    };
                    let options = (!table.is_empty()).then_some(table);
                    if let (Some(entry), Some(options)) = (entry, &options) {
                        (entry.build)(Some(options)).map_err(|e| {
                            at(
                                span.start,
                                format!("invalid options for `{id}`: {e}"),
                                Some(format!("rules.{id}")),
                            )
                        })?;
                    } else if options.is_some() {
                        return Err(at(
                            span.start,
                            format!("`{id}` takes no options"),
                            Some(format!("rules.{id}")),
                        ));
                    }
                    RuleSetting { level, options }
                }
                other => {
                    return Err(at(
                        span.start,
                        format!(
                            "`{id}` must be a level string or a table, not {}",
                            other.type_str()
                        ),
                        Some(format!("rules.{id}")),
                    ))
                }
            };
            config.rules.insert(id, setting);
        }
        Ok(config)
    }
}
