//! `nodepit.toml`: rule levels, rule options, ignore globs and per-folder `[[overrides]]`, with
//! errors that name the key and its line.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use crate::rule::RuleEntry;

/// The level spellings the error messages list.
const LEVELS: &str = "use \"error\", \"warn\" (alias \"warning\") or \"off\"";

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
    /// `"error"`, `"warn"` (or its alias `"warning"`, which ESLint users type) or `"off"`.
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

impl RuleSetting {
    /// Lays `over` on top of this setting: its level replaces ours when it sets one, and each
    /// option it sets replaces ours (options it does not mention are kept).
    pub fn merge(&mut self, over: &RuleSetting) {
        if over.level.is_some() {
            self.level = over.level;
        }
        if let Some(options) = &over.options {
            let base = self.options.get_or_insert_with(toml::Table::new);
            for (key, value) in options {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// One `[[overrides]]` block: settings for the files its globs match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Override {
    /// Globs (relative to the config file's folder) of the files this block applies to.
    pub files: Vec<String>,
    /// Globs of files it does not apply to, even when `files` matches them.
    pub exclude: Vec<String>,
    /// Settings laid on top of the base `[rules]` (and earlier blocks).
    pub rules: BTreeMap<String, RuleSetting>,
}

/// A parsed and validated `nodepit.toml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// Settings per rule id.
    pub rules: BTreeMap<String, RuleSetting>,
    /// Globs (relative to the config file's folder) of files not to lint.
    pub ignore: Vec<String>,
    /// `[[overrides]]` blocks, in file order (later blocks win).
    pub overrides: Vec<Override>,
    /// `max-file-size` in bytes: larger files are skipped with a note (`None`: the default).
    pub max_file_size: Option<u64>,
    /// `max-file-time`: one file's analysis stops after this long (`None`: the default).
    pub max_file_time: Option<std::time::Duration>,
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
    /// The offending key, when there is one (`rules.no-floating-promise.level`,
    /// `overrides[1].rules.prefer-pipeline`).
    pub key: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: ", self.line, self.column)?;
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// nodepit's configuration: rule levels and options, files not to lint, and settings for some
/// files only.
// The doc comments of these raw types are the descriptions in the JSON Schema.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "nodepit.toml")]
struct RawConfig {
    /// Globs (relative to this file's folder) of files not to lint.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    ignore: Vec<Spanned<String>>,
    /// Rule levels ("error", "warn", "off") and options, by rule id.
    #[serde(default)]
    #[schemars(with = "SchemaRules")]
    rules: BTreeMap<Spanned<String>, Spanned<RawRule>>,
    /// Settings for some files only, laid over [rules]; later blocks win.
    #[serde(default)]
    #[schemars(with = "Vec<RawOverride>")]
    overrides: Vec<Spanned<RawOverride>>,
    /// Files larger than this are not parsed but reported once as skipped: bytes, or a size
    /// such as "4MB" or "512KB" (binary units). Default "4MB".
    #[serde(default, rename = "max-file-size")]
    #[schemars(with = "Option<SchemaSize>")]
    max_file_size: Option<Spanned<toml::Value>>,
    /// How long one file's analysis may run before it stops with an internal-error: seconds,
    /// or a duration such as "30s" or "2m". Default "30s".
    #[serde(default, rename = "max-file-time")]
    #[schemars(with = "Option<SchemaSize>")]
    max_file_time: Option<Spanned<toml::Value>>,
}

/// Stands for `max-file-size` and `max-file-time` in the derived schema: a number or a string
/// with a unit.
struct SchemaSize;

impl schemars::JsonSchema for SchemaSize {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Amount".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "anyOf": [
                { "type": "integer", "minimum": 0 },
                { "type": "string", "pattern": "^\\s*[0-9]+(\\.[0-9]+)?\\s*[A-Za-z]*\\s*$" }
            ]
        })
    }
}

/// A number with an optional unit from `units` (factor per unit, matched case-insensitively;
/// the first is the unit of a bare number).
fn amount(value: &toml::Value, units: &[(&str, f64)]) -> Option<f64> {
    let n = match value {
        toml::Value::Integer(i) if *i >= 0 => return Some(*i as f64 * units[0].1),
        toml::Value::Float(f) if *f >= 0.0 && f.is_finite() => return Some(f * units[0].1),
        toml::Value::String(s) => s.trim(),
        _ => return None,
    };
    let split = n
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(n.len());
    let (number, unit) = n.split_at(split);
    let number: f64 = number.parse().ok().filter(|x: &f64| x.is_finite())?;
    let unit = unit.trim();
    let factor = if unit.is_empty() {
        units[0].1
    } else {
        units.iter().find(|(u, _)| u.eq_ignore_ascii_case(unit))?.1
    };
    Some(number * factor)
}

/// Settings for the files `files` matches and `exclude` does not.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    /// Globs (relative to this file's folder) of the files this block applies to.
    #[schemars(with = "Vec<String>", length(min = 1))]
    files: Option<Vec<Spanned<String>>>,
    /// Globs of files this block does not apply to, even when `files` matches them.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    exclude: Vec<Spanned<String>>,
    /// Rule levels and options laid over [rules] for these files.
    #[serde(default)]
    #[schemars(with = "SchemaRules")]
    rules: BTreeMap<Spanned<String>, Spanned<RawRule>>,
}

/// Stands for the `rules` table in the derived schema; [`json_schema`] fills in the rule ids,
/// which only the registry knows.
struct SchemaRules;

impl schemars::JsonSchema for SchemaRules {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Rules".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "object" })
    }
}

/// A rule as the JSON Schema describes it.
pub struct SchemaRule {
    /// The rule id.
    pub id: &'static str,
    /// Its one-line summary.
    pub summary: &'static str,
    /// Its level when the config does not set one.
    pub default: crate::Severity,
    /// The schema of its options (an object schema with `properties`), if it has options.
    pub options: Option<serde_json::Value>,
}

/// The JSON Schema of `nodepit.toml` for these rules: every rule id is a known key (so editors
/// complete them), its value a level or a table of `level` and the rule's own options.
pub fn json_schema(rules: &[SchemaRule]) -> serde_json::Value {
    use serde_json::{json, Map, Value};
    let mut root = schemars::schema_for!(RawConfig).to_value();
    let level = json!({
        "description": "\"error\" reports as an error (exit code 1), \"warn\" (alias \"warning\") as a warning, \"off\" does not run the rule.",
        "type": "string",
        "enum": ["error", "warn", "warning", "off"]
    });
    let mut properties = Map::new();
    let builtin: Vec<SchemaRule> = BUILTIN
        .iter()
        .filter_map(|&id| crate::builtin(id))
        .map(|meta| SchemaRule {
            id: meta.id,
            summary: meta.summary(),
            default: meta.severity,
            options: None,
        })
        .collect();
    let mut all: Vec<&SchemaRule> = rules.iter().collect();
    all.extend(builtin.iter());
    all.sort_by_key(|r| r.id);
    for rule in all {
        let mut table = Map::new();
        table.insert("level".into(), json!({ "$ref": "#/$defs/Level" }));
        if let Some(Value::Object(options)) =
            rule.options.as_ref().and_then(|o| o.get("properties"))
        {
            table.extend(options.clone());
        }
        let default = match rule.default {
            crate::Severity::Error => "error",
            _ => "warn",
        };
        properties.insert(
            rule.id.into(),
            json!({
                "description": format!("{} Default: \"{default}\".", rule.summary),
                "anyOf": [
                    { "$ref": "#/$defs/Level" },
                    { "type": "object", "properties": table, "additionalProperties": false }
                ]
            }),
        );
    }
    if let Some(Value::Object(defs)) = root.get_mut("$defs") {
        defs.insert("Level".into(), level);
        defs.insert(
            "Rules".into(),
            json!({
                "description": "Rule levels and options, by rule id.",
                "type": "object",
                "properties": properties,
                "additionalProperties": false
            }),
        );
    }
    root
}

/// A rule's value as written, with the span of every key in a table so errors can point at
/// the key's own line rather than the table's header.
enum RawRule {
    Level(String),
    Table(Vec<(Spanned<String>, Spanned<toml::Value>)>),
    Other(&'static str),
}

impl<'de> Deserialize<'de> for RawRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RawRuleVisitor;
        impl<'de> Visitor<'de> for RawRuleVisitor {
            type Value = RawRule;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a level string or a table")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawRule, E> {
                Ok(RawRule::Level(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<RawRule, E> {
                Ok(RawRule::Other("boolean"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<RawRule, E> {
                Ok(RawRule::Other("integer"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<RawRule, E> {
                Ok(RawRule::Other("integer"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<RawRule, E> {
                Ok(RawRule::Other("float"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawRule, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(RawRule::Other("array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawRule, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    entries.push((key, map.next_value::<Spanned<toml::Value>>()?));
                }
                Ok(RawRule::Table(entries))
            }
        }
        deserializer.deserialize_any(RawRuleVisitor)
    }
}

/// Names nodepit reports itself and that configs may set too.
const BUILTIN: &[&str] = &["unused-suppression"];

/// Turns byte offsets into located errors.
struct Locator<'t> {
    text: &'t str,
}

impl Locator<'_> {
    fn at(&self, offset: usize, key: Option<String>, message: String) -> ConfigError {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ConfigError {
            message,
            line,
            column,
            key,
        }
    }
}

impl Config {
    /// Parses config text and checks every rule id, level, option and glob against `registry`.
    pub fn parse(text: &str, registry: &[RuleEntry]) -> Result<Self, ConfigError> {
        let loc = Locator { text };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            loc.at(offset, None, e.message().trim().to_string())
        })?;
        let ignore = globs(&loc, raw.ignore, "ignore")?;
        let rules = rule_settings(&loc, raw.rules, registry, "rules")?;
        let mut overrides = Vec::new();
        for (i, block) in raw.overrides.into_iter().enumerate() {
            let prefix = format!("overrides[{i}]");
            let span = block.span();
            let block = block.into_inner();
            let files = match block.files {
                Some(files) if !files.is_empty() => files,
                _ => return Err(loc.at(
                    span.start,
                    Some(format!("{prefix}.files")),
                    "an override needs `files`, a non-empty list of globs such as [\"test/**\"]"
                        .into(),
                )),
            };
            overrides.push(Override {
                files: globs(&loc, files, &format!("{prefix}.files"))?,
                exclude: globs(&loc, block.exclude, &format!("{prefix}.exclude"))?,
                rules: rule_settings(&loc, block.rules, registry, &format!("{prefix}.rules"))?,
            });
        }
        const SIZES: &[(&str, f64)] = &[
            ("B", 1.0),
            ("KB", 1024.0),
            ("KiB", 1024.0),
            ("MB", 1048576.0),
            ("MiB", 1048576.0),
            ("GB", 1073741824.0),
            ("GiB", 1073741824.0),
        ];
        const TIMES: &[(&str, f64)] = &[("s", 1.0), ("ms", 0.001), ("m", 60.0), ("min", 60.0)];
        let max_file_size = match raw.max_file_size {
            None => None,
            Some(v) => Some(
                amount(v.get_ref(), SIZES)
                    .map(|b| b as u64)
                    .ok_or_else(|| {
                        loc.at(
                            v.span().start,
                            Some("max-file-size".into()),
                            "expected a size in bytes or a string such as \"4MB\" or \"512KB\""
                                .into(),
                        )
                    })?,
            ),
        };
        let max_file_time = match raw.max_file_time {
            None => None,
            Some(v) => Some(
                amount(v.get_ref(), TIMES)
                    .filter(|s| *s <= 1e9)
                    .map(std::time::Duration::from_secs_f64)
                    .ok_or_else(|| {
                        loc.at(
                            v.span().start,
                            Some("max-file-time".into()),
                            "expected seconds or a string such as \"30s\" or \"2m\"".into(),
                        )
                    })?,
            ),
        };
        Ok(Config {
            rules,
            ignore,
            overrides,
            max_file_size,
            max_file_time,
        })
    }

    /// The settings for a file that the `[[overrides]]` blocks at `matched` (ascending indices)
    /// apply to: each laid on the base rules in turn, so later blocks win. The result has no
    /// overrides of its own.
    pub fn with_overrides(&self, matched: &[usize]) -> Config {
        let mut rules = self.rules.clone();
        for block in matched.iter().filter_map(|&i| self.overrides.get(i)) {
            for (id, setting) in &block.rules {
                rules.entry(id.clone()).or_default().merge(setting);
            }
        }
        Config {
            rules,
            ignore: self.ignore.clone(),
            overrides: Vec::new(),
            max_file_size: self.max_file_size,
            max_file_time: self.max_file_time,
        }
    }
}

/// A glob as matched: relative to the config's folder, so a leading `./` is dropped.
pub fn normalize_glob(glob: &str) -> &str {
    glob.strip_prefix("./").unwrap_or(glob)
}

fn globs(
    loc: &Locator<'_>,
    raw: Vec<Spanned<String>>,
    key: &str,
) -> Result<Vec<String>, ConfigError> {
    raw.into_iter()
        .map(|g| {
            let span = g.span();
            let glob = g.into_inner();
            match globset::Glob::new(normalize_glob(&glob)) {
                Ok(_) => Ok(glob),
                Err(e) => Err(loc.at(
                    span.start,
                    Some(key.to_string()),
                    format!("invalid glob `{glob}`: {}", e.kind()),
                )),
            }
        })
        .collect()
}

fn invalid_level(s: &str, id: &str) -> String {
    format!("invalid level `{s}` for `{id}`: {LEVELS}")
}

fn rule_settings(
    loc: &Locator<'_>,
    raw: BTreeMap<Spanned<String>, Spanned<RawRule>>,
    registry: &[RuleEntry],
    prefix: &str,
) -> Result<BTreeMap<String, RuleSetting>, ConfigError> {
    let mut out = BTreeMap::new();
    for (key, value) in raw {
        let id = key.get_ref().clone();
        let path = format!("{prefix}.{id}");
        let entry = registry.iter().find(|e| e.meta.id == id);
        if entry.is_none() && !BUILTIN.contains(&id.as_str()) {
            let mut known: Vec<_> = registry.iter().map(|e| e.meta.id).collect();
            known.extend(BUILTIN);
            return Err(loc.at(
                key.span().start,
                Some(path),
                format!("unknown rule `{id}`; known rules: {}", known.join(", ")),
            ));
        }
        let span = value.span();
        let setting = match value.into_inner() {
            RawRule::Level(s) => RuleSetting {
                level: Some(
                    Level::parse(&s)
                        .ok_or_else(|| loc.at(span.start, Some(path), invalid_level(&s, &id)))?,
                ),
                options: None,
            },
            RawRule::Table(entries) => {
                let mut level = None;
                let mut options = toml::Table::new();
                let mut option_spans = Vec::new();
                for (k, v) in entries {
                    let v_span = v.span();
                    if k.get_ref() == "level" {
                        let key = Some(format!("{path}.level"));
                        level = Some(match v.into_inner() {
                            toml::Value::String(s) => Level::parse(&s)
                                .ok_or_else(|| loc.at(v_span.start, key, invalid_level(&s, &id)))?,
                            other => {
                                return Err(loc.at(
                                    v_span.start,
                                    key,
                                    format!(
                                        "`level` of `{id}` must be a string, not {}",
                                        other.type_str()
                                    ),
                                ))
                            }
                        });
                    } else {
                        option_spans.push((k.get_ref().clone(), k.span().start));
                        options.insert(k.into_inner(), v.into_inner());
                    }
                }
                if let Some((name, at)) = option_spans.first() {
                    let Some(entry) = entry else {
                        return Err(loc.at(
                            *at,
                            Some(format!("{path}.{name}")),
                            format!("`{id}` takes no options"),
                        ));
                    };
                    if let Err(e) = (entry.build)(Some(&options)) {
                        // Options are independent fields: the first one that fails alone is the
                        // culprit; when none does, the table as a whole is.
                        let culprit = option_spans.iter().find_map(|(name, at)| {
                            let mut one = toml::Table::new();
                            one.insert(name.clone(), options.get(name)?.clone());
                            let e = (entry.build)(Some(&one)).err()?;
                            Some((name, *at, e))
                        });
                        return Err(match culprit {
                            Some((name, at, e)) => loc.at(
                                at,
                                Some(format!("{path}.{name}")),
                                format!("invalid option for `{id}`: {e}"),
                            ),
                            None => loc.at(
                                span.start,
                                Some(path),
                                format!("invalid options for `{id}`: {e}"),
                            ),
                        });
                    }
                }
                RuleSetting {
                    level,
                    options: (!options.is_empty()).then_some(options),
                }
            }
            RawRule::Other(kind) => {
                return Err(loc.at(
                    span.start,
                    Some(path),
                    format!("`{id}` must be a level string or a table, not {kind}"),
                ))
            }
        };
        out.insert(id, setting);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::{Node, NodeKind, Rule, RuleCx, RuleMeta};
    use crate::Severity;

    #[derive(Debug, Default, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct WithOptions {
        #[serde(default)]
        #[allow(dead_code)]
        allow: Vec<String>,
        #[serde(default)]
        #[allow(dead_code)]
        strict: bool,
    }

    impl Rule for WithOptions {
        fn kinds(&self) -> &'static [NodeKind] {
            &[]
        }
        fn check(&self, _: Node<'_, '_>, _: &mut RuleCx<'_, '_>) {}
    }

    static META: RuleMeta = RuleMeta {
        id: "with-options",
        severity: Severity::Error,
        doc: "# with-options\n",
        has_fix: false,
    };
    static OTHER: RuleMeta = RuleMeta {
        id: "other",
        severity: Severity::Warning,
        doc: "# other\n",
        has_fix: false,
    };

    fn registry() -> Vec<RuleEntry> {
        vec![
            RuleEntry {
                meta: &META,
                build: crate::build_rule::<WithOptions>,
            },
            RuleEntry {
                meta: &OTHER,
                build: crate::build_rule::<WithOptions>,
            },
        ]
    }

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, &registry())
    }

    fn err(text: &str) -> (usize, String, String) {
        let e = parse(text).expect_err("config is rejected");
        (e.line, e.key.unwrap_or_default(), e.message)
    }

    #[test]
    fn overrides_parse_in_order() {
        let c = parse(
            r#"
[rules]
with-options = "warn"

[[overrides]]
files = ["test/**", "./**/*.spec.*"]
exclude = ["test/fixtures/**"]
[overrides.rules]
with-options = "off"

[[overrides]]
files = ["public/**"]
rules = { other = "error", with-options = { allow = ["x"] } }
"#,
        )
        .unwrap();
        assert_eq!(c.overrides.len(), 2);
        assert_eq!(c.overrides[0].files, ["test/**", "./**/*.spec.*"]);
        assert_eq!(c.overrides[0].exclude, ["test/fixtures/**"]);
        assert_eq!(c.overrides[0].rules["with-options"].level, Some(Level::Off));
        assert_eq!(c.overrides[1].rules["other"].level, Some(Level::Error));
        assert!(c.overrides[1].rules["with-options"].options.is_some());
    }

    #[test]
    fn later_overrides_win_and_options_merge_by_key() {
        let c = parse(
            r#"
[rules.with-options]
level = "warn"
allow = ["base"]
strict = true

[[overrides]]
files = ["a/**"]
rules.with-options = { level = "off", allow = ["a"] }

[[overrides]]
files = ["a/b/**"]
rules.with-options = "error"
"#,
        )
        .unwrap();
        let both = c.with_overrides(&[0, 1]);
        let s = &both.rules["with-options"];
        assert_eq!(s.level, Some(Level::Error), "the later block wins");
        let options = s.options.as_ref().unwrap();
        assert_eq!(options["allow"], toml::Value::Array(vec!["a".into()]));
        assert_eq!(
            options["strict"],
            toml::Value::Boolean(true),
            "unmentioned options stay"
        );
        assert_eq!(
            c.with_overrides(&[0]).rules["with-options"].level,
            Some(Level::Off)
        );
        assert_eq!(c.with_overrides(&[]).rules, c.rules);
        assert!(c.with_overrides(&[0]).overrides.is_empty());
    }

    #[test]
    fn warning_is_an_alias_of_warn() {
        let c = parse("[rules]\nwith-options = \"warning\"\n").unwrap();
        assert_eq!(c.rules["with-options"].level, Some(Level::Warn));
        let (_, _, message) = err("[rules]\nwith-options = \"loud\"\n");
        assert!(message.contains("\"warning\""), "{message}");
    }

    #[test]
    fn errors_inside_a_rule_table_point_at_the_key() {
        assert_eq!(
            err("[rules.with-options]\nallow = []\nlevel = \"loud\"\n"),
            (
                3,
                "rules.with-options.level".into(),
                "invalid level `loud` for `with-options`: use \"error\", \"warn\" (alias \"warning\") or \"off\"".into()
            )
        );
        let (line, key, message) =
            err("[rules.with-options]\nlevel = \"warn\"\n\nallwo = [\"x\"]\n");
        assert_eq!((line, key.as_str()), (4, "rules.with-options.allwo"));
        assert!(message.contains("unknown field `allwo`"), "{message}");
        let (line, key, message) = err("[rules.with-options]\nallow = [\"a\"]\nstrict = \"yes\"\n");
        assert_eq!((line, key.as_str()), (3, "rules.with-options.strict"));
        assert!(message.contains("invalid type"), "{message}");
        let (line, key, _) = err("[rules.with-options]\nlevel = 3\n");
        assert_eq!((line, key.as_str()), (2, "rules.with-options.level"));
        let (line, key, message) = err("[rules.unused-suppression]\nlevel = \"off\"\nx = 1\n");
        assert_eq!((line, key.as_str()), (3, "rules.unused-suppression.x"));
        assert!(message.contains("takes no options"), "{message}");
        let (line, key, _) = err("[rules]\nother = 1\n");
        assert_eq!((line, key.as_str()), (2, "rules.other"));
    }

    #[test]
    fn errors_in_overrides_name_the_block_and_line() {
        let text = r#"[[overrides]]
files = ["test/**"]
[overrides.rules]
with-options = "off"

[[overrides]]
files = ["src/**"]
[overrides.rules]
other = "warn"
no-such-rule = "off"
"#;
        let (line, key, message) = err(text);
        assert_eq!(
            (line, key.as_str()),
            (10, "overrides[1].rules.no-such-rule")
        );
        assert!(message.contains("unknown rule `no-such-rule`"), "{message}");

        let text = "[[overrides]]\nfiles = [\"a/**\"]\n\n[overrides.rules.with-options]\nallow = [\"x\"]\nlevel = \"sometimes\"\n";
        assert_eq!(err(text).0, 6);
        assert_eq!(err(text).1, "overrides[0].rules.with-options.level");

        let (line, key, _) = err("[[overrides]]\nfiles = [\"a/**\", \"b/[\"]\n");
        assert_eq!((line, key.as_str()), (2, "overrides[0].files"));
        let (line, key, _) =
            err("ignore = [\"x\"]\n[[overrides]]\nfiles = [\"a\"]\nexclude = [\"{\"]\n");
        assert_eq!((line, key.as_str()), (4, "overrides[0].exclude"));

        let (line, key, message) =
            err("[rules]\nother = \"warn\"\n\n[[overrides]]\nrules = { other = \"off\" }\n");
        assert_eq!((line, key.as_str()), (4, "overrides[0].files"));
        assert!(message.contains("needs `files`"), "{message}");
        assert_eq!(err("[[overrides]]\nfiles = []\n").0, 1);

        let (line, _, message) = err("[[overrides]]\nfiles = [\"a\"]\nfile = [\"b\"]\n");
        assert_eq!(line, 3);
        assert!(message.contains("unknown field `file`"), "{message}");
    }

    #[test]
    fn base_errors_keep_their_lines() {
        let (line, key, _) = err("[rules]\nwith-options = \"error\"\nno-such-rule = \"warn\"\n");
        assert_eq!((line, key.as_str()), (3, "rules.no-such-rule"));
        let (line, key, _) = err("ignore = [\n  \"ok/**\",\n  \"bad/[\",\n]\n");
        assert_eq!((line, key.as_str()), (3, "ignore"));
        let (line, _, message) = err("colour = true\n");
        assert_eq!(line, 1);
        assert!(message.contains("unknown field `colour`"), "{message}");
        assert!(parse("[rules\n").is_err());
    }
}
