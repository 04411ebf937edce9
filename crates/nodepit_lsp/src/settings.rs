//! Client settings: `initializationOptions` and `workspace/didChangeConfiguration`.

use nodepit_analyzer::Level;
use serde::Deserialize;

/// What the editor may set.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Lint at all.
    pub enable: bool,
    /// Rule levels, overriding `nodepit.toml`.
    pub rules: std::collections::BTreeMap<String, String>,
    /// Link diagnostics to hosted docs (`<base>/<rule-id>.md`) instead of local copies.
    pub docs_base_url: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            enable: true,
            rules: Default::default(),
            docs_base_url: None,
        }
    }
}

impl Settings {
    /// Reads settings from a JSON value, flat or under a `nodepit` key; bad values are skipped
    /// and named in the returned warnings.
    pub fn from_json(value: &serde_json::Value) -> (Self, Vec<String>) {
        let value = value.get("nodepit").unwrap_or(value);
        if value.is_null() {
            return (Self::default(), Vec::new());
        }
        match serde_json::from_value::<Settings>(value.clone()) {
            Ok(s) => {
                let warnings = s
                    .rules
                    .iter()
                    .filter(|(id, level)| {
                        nodepit_rules::find(id).is_none() || Level::parse(level).is_none()
                    })
                    .map(|(id, level)| format!("ignoring setting rules.{id} = {level:?}"))
                    .collect();
                (s, warnings)
            }
            Err(e) => (
                Self::default(),
                vec![format!("ignoring invalid nodepit settings: {e}")],
            ),
        }
    }

    /// The rule levels to apply on top of config files.
    pub fn overrides(&self) -> Vec<(String, Level)> {
        self.rules
            .iter()
            .filter(|(id, _)| {
                nodepit_rules::find(id).is_some() || id.as_str() == "unused-suppression"
            })
            .filter_map(|(id, level)| Some((id.clone(), Level::parse(level)?)))
            .collect()
    }
}
