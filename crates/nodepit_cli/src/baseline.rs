//! Baselines: record today's findings so CI reports only new ones.
//!
//! Entries match by rule, path and a fingerprint of the flagged code (not its line), so code
//! that moves up or down a file stays baselined.

use std::collections::HashMap;
use std::path::Path;

use nodepit_workspace::{display_path, fingerprints, FileResult};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Baseline {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, Hash)]
struct Entry {
    rule: String,
    path: String,
    fingerprint: String,
}

fn entries(r: &FileResult) -> Vec<Entry> {
    let path = display_path(&r.path);
    fingerprints(&r.path, &r.text, &r.diagnostics)
        .into_iter()
        .zip(&r.diagnostics)
        .map(|(fingerprint, d)| Entry {
            rule: d.rule.to_string(),
            path: path.clone(),
            fingerprint,
        })
        .collect()
}

/// Writes every current finding; returns how many.
pub fn write(path: &Path, results: &[FileResult]) -> std::io::Result<usize> {
    let findings: Vec<Entry> = results.iter().flat_map(entries).collect();
    let n = findings.len();
    let text = serde_json::to_string_pretty(&Baseline {
        version: 1,
        findings,
    })
    .map_err(std::io::Error::other)?;
    std::fs::write(path, text + "\n")?;
    Ok(n)
}

/// The recorded findings, counted (the same code may be flagged more than once).
pub fn read(path: &Path) -> Result<HashMap<(String, String, String), usize>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let b: Baseline = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    if b.version != 1 {
        return Err(format!("unsupported baseline version {}", b.version));
    }
    let mut known = HashMap::new();
    for e in b.findings {
        *known.entry((e.rule, e.path, e.fingerprint)).or_insert(0) += 1;
    }
    Ok(known)
}

/// Drops findings the baseline records.
pub fn filter(results: &mut [FileResult], mut known: HashMap<(String, String, String), usize>) {
    for r in results {
        let keep: Vec<bool> = entries(r)
            .into_iter()
            .map(|e| match known.get_mut(&(e.rule, e.path, e.fingerprint)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            })
            .collect();
        let mut keep = keep.into_iter();
        r.diagnostics.retain(|_| keep.next().unwrap_or(true));
    }
}
