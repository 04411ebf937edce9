//! Baselines: record today's findings so CI reports only new ones.
//!
//! Entries match by rule, path and a fingerprint of the flagged code (not its line), so code
//! that moves up or down a file stays baselined. Paths are stored relative to the baseline
//! file's folder, so it matches whichever folder nodepit runs from and however paths are given.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use nodepit_workspace::{absolute_path, display_path, fingerprints, FileResult};
use serde::{Deserialize, Serialize};

/// Version 1 stored paths as spelled on the command line (relative to where nodepit ran);
/// version 2 stores them relative to the baseline file's folder.
const VERSION: u32 = 2;

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

type Key = (String, String, String);

/// The findings a baseline records, counted (the same code may be flagged more than once).
pub struct Known {
    counts: HashMap<Key, usize>,
    /// The baseline file's folder, which version 2 paths are relative to.
    dir: PathBuf,
    /// A version 1 file: also match paths as the command line spells them.
    legacy: bool,
}

/// A path with symlinks resolved where it exists, so `/home/x` and its real location agree.
fn resolved(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| absolute_path(path))
}

/// `file` relative to `dir` (both resolved), climbing with `..` when it lies outside.
fn relative_to(file: &Path, dir: &Path) -> PathBuf {
    let file = resolved(file);
    let common = file
        .components()
        .zip(dir.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in dir.components().skip(common) {
        out.push(Component::ParentDir);
    }
    for part in file.components().skip(common) {
        out.push(part);
    }
    out
}

/// The folder of the baseline file at `path`.
fn folder_of(path: &Path) -> PathBuf {
    let abs = absolute_path(path);
    resolved(abs.parent().unwrap_or(Path::new("/")))
}

/// A file's findings as entries, its path written as `path` (which the fingerprints hash too).
fn entries(path: &Path, r: &FileResult) -> Vec<Entry> {
    let shown = display_path(path);
    fingerprints(path, &r.text, &r.diagnostics)
        .into_iter()
        .zip(&r.diagnostics)
        .map(|(fingerprint, d)| Entry {
            rule: d.rule.to_string(),
            path: shown.clone(),
            fingerprint,
        })
        .collect()
}

/// Writes every current finding; returns how many.
pub fn write(path: &Path, results: &[FileResult]) -> std::io::Result<usize> {
    let dir = folder_of(path);
    let findings: Vec<Entry> = results
        .iter()
        .flat_map(|r| entries(&relative_to(&r.path, &dir), r))
        .collect();
    let n = findings.len();
    let text = serde_json::to_string_pretty(&Baseline {
        version: VERSION,
        findings,
    })
    .map_err(std::io::Error::other)?;
    std::fs::write(path, text + "\n")?;
    Ok(n)
}

/// Reads a baseline file (version 1 or 2).
pub fn read(path: &Path) -> Result<Known, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let b: Baseline = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    if b.version != 1 && b.version != VERSION {
        return Err(format!("unsupported baseline version {}", b.version));
    }
    let mut counts = HashMap::new();
    for e in b.findings {
        *counts.entry((e.rule, e.path, e.fingerprint)).or_insert(0) += 1;
    }
    Ok(Known {
        counts,
        dir: folder_of(path),
        legacy: b.version == 1,
    })
}

/// Drops findings the baseline records.
pub fn filter(results: &mut [FileResult], mut known: Known) {
    for r in results {
        let relative = entries(&relative_to(&r.path, &known.dir), r);
        // Version 1 paths were relative to wherever nodepit ran; when that was the baseline's
        // folder the relative form above matches, and when the run repeats the old command
        // line the path as given does.
        let as_given = if known.legacy {
            entries(&r.path, r)
        } else {
            Vec::new()
        };
        let mut take = |e: Entry| match known.counts.get_mut(&(e.rule, e.path, e.fingerprint)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        };
        let mut as_given = as_given.into_iter();
        let keep: Vec<bool> = relative
            .into_iter()
            .map(|e| {
                let other = as_given.next();
                !(take(e) || other.is_some_and(&mut take))
            })
            .collect();
        let mut keep = keep.into_iter();
        r.diagnostics.retain(|_| keep.next().unwrap_or(true));
    }
}
