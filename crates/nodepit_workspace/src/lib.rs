//! The API both front ends call: finding files (respecting `.gitignore`, skipping
//! `node_modules`), finding each file's `nodepit.toml`, and linting in parallel.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{Glob, GlobSet, GlobSetBuilder};
use nodepit_analyzer::semantic::SourceType;
use nodepit_analyzer::{
    lint_source, lint_source_timed, Config, ConfigError, Diagnostic, Level, LintTimes, RuleSet,
    RuleSetting, Severity, SYNTAX_ERROR,
};
use rayon::prelude::*;

/// The config file name, looked up from each file's folder upwards.
pub const CONFIG_FILE: &str = "nodepit.toml";

/// Where the rule docs are published; `<base>/<rule-id>.md` is a rule's interview answer.
pub const DOCS_BASE_URL: &str = "https://github.com/nodepit/nodepit/blob/main/rules";

/// Stack size of linting threads: deeply nested code recurses deeply in swc's visitors.
const STACK_SIZE: usize = 512 * 1024 * 1024;

/// A problem that stops a run before linting (exit code 2).
#[derive(Debug)]
pub enum SetupError {
    /// A path given on the command line cannot be read.
    Path(PathBuf, String),
    /// A `nodepit.toml` is broken.
    Config(PathBuf, ConfigError),
    /// `--rule` names an unknown rule, or the rule set cannot be built.
    Rules(String),
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Path(p, e) => write!(f, "cannot read {}: {e}", p.display()),
            Self::Config(p, e) => {
                write!(f, "{}:{}:{}: {}", p.display(), e.line, e.column, e.message)
            }
            Self::Rules(e) => f.write_str(e),
        }
    }
}

/// A config file and the rules it enables.
#[derive(Debug)]
pub struct Settings {
    /// The `nodepit.toml` it came from (`None` for defaults).
    pub path: Option<PathBuf>,
    /// The parsed config.
    pub config: Config,
    /// The rules to run.
    pub rules: RuleSet,
    ignore: GlobSet,
    root: PathBuf,
}

impl Settings {
    /// Whether the config's `ignore` globs exclude a file.
    pub fn ignores(&self, file: &Path) -> bool {
        let rel = file.strip_prefix(&self.root).unwrap_or(file);
        self.ignore.is_match(rel)
    }
}

/// The linted result of one file.
#[derive(Debug)]
pub struct FileResult {
    /// The path as given or found.
    pub path: PathBuf,
    /// The text (lossily decoded when not UTF-8), for rendering snippets. [`Workspace::lint_files`]
    /// keeps it only for files with findings or fixes, so a large tree's text is not all held
    /// until output.
    pub text: String,
    /// Size of the text that was linted, in bytes (kept when `text` is dropped).
    pub bytes: usize,
    /// Findings, sorted by position (after fixing, the ones that remain).
    pub diagnostics: Vec<Diagnostic>,
    /// When fixes changed the file: its text before them.
    pub original: Option<String>,
    /// How many fixes were applied.
    pub fixes_applied: usize,
    /// Why fixing this file failed, if it did.
    pub fix_error: Option<String>,
    /// Time spent reading the file.
    pub read_time: std::time::Duration,
    /// Time spent in each linting phase.
    pub times: LintTimes,
}

impl FileResult {
    fn new(path: PathBuf, text: String, diagnostics: Vec<Diagnostic>) -> Self {
        Self {
            path,
            bytes: text.len(),
            text,
            diagnostics,
            original: None,
            fixes_applied: 0,
            fix_error: None,
            read_time: std::time::Duration::ZERO,
            times: LintTimes::default(),
        }
    }
}

/// Options of a run.
#[derive(Debug, Default, Clone)]
pub struct Options {
    /// Run only these rules.
    pub select: Option<Vec<String>>,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Rule levels that override every config file (the editor's settings).
    pub overrides: Vec<(String, Level)>,
    /// Apply fixes while linting.
    pub fix: Option<FixOptions>,
    /// Only parse and resolve scopes, building no model and running no rule (the benchmark floor).
    pub parse_only: bool,
}

/// How `--fix`, `--fix-unsafe` and `--diff` run.
#[derive(Debug, Default, Clone, Copy)]
pub struct FixOptions {
    /// Also apply fixes that may change behaviour.
    pub include_unsafe: bool,
    /// Write fixed files back (otherwise only compute them, for `--diff`).
    pub write: bool,
}

/// Finds configs and lints files.
pub struct Workspace {
    options: Options,
    configs: Mutex<HashMap<PathBuf, Option<Arc<Settings>>>>,
}

impl Workspace {
    /// A workspace with run options.
    pub fn new(options: Options) -> Result<Self, SetupError> {
        if let Some(select) = &options.select {
            RuleSet::new(nodepit_rules::REGISTRY, &Config::default(), Some(select))
                .map_err(SetupError::Rules)?;
        }
        Ok(Self {
            options,
            configs: Mutex::new(HashMap::new()),
        })
    }

    /// Lintable files under `paths`: directories are walked (respecting `.gitignore`, skipping
    /// `node_modules`); files named explicitly are always included.
    pub fn collect_files(&self, paths: &[PathBuf]) -> Result<Vec<PathBuf>, SetupError> {
        let mut files = Vec::new();
        for path in paths {
            let meta = std::fs::metadata(path)
                .map_err(|e| SetupError::Path(path.clone(), e.to_string()))?;
            if meta.is_file() {
                files.push(path.clone());
                continue;
            }
            // Directory reads and stats are a serial cost before linting starts: walk in parallel.
            let found = Mutex::new(Vec::new());
            ignore::WalkBuilder::new(path)
                .require_git(false)
                .threads(self.options.threads)
                .filter_entry(|e| e.file_name() != "node_modules")
                .build_parallel()
                .run(|| {
                    Box::new(|entry| {
                        if let Ok(entry) = entry {
                            if entry.file_type().is_some_and(|t| t.is_file())
                                && SourceType::from_path(entry.path()).is_some()
                            {
                                found.lock().expect("walk").push(entry.into_path());
                            }
                        }
                        ignore::WalkState::Continue
                    })
                });
            files.append(&mut found.into_inner().expect("walk"));
        }
        files.sort();
        files.dedup();
        Ok(files)
    }

    /// Forgets every loaded config, so the next lint reads `nodepit.toml` files again.
    pub fn invalidate(&self) {
        self.configs.lock().expect("config cache").clear();
    }

    /// The settings that apply to a file: the nearest `nodepit.toml` above it, or defaults.
    pub fn settings_for(&self, file: &Path) -> Result<Arc<Settings>, SetupError> {
        let abs = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        let mut dir = abs.parent().map(Path::to_path_buf);
        let mut visited = Vec::new();
        let found = loop {
            let Some(d) = dir else { break None };
            if let Some(cached) = self.configs.lock().expect("config cache").get(&d) {
                break cached.clone();
            }
            let candidate = d.join(CONFIG_FILE);
            if candidate.is_file() {
                let settings = Arc::new(self.load(Some(&candidate), &d)?);
                self.configs
                    .lock()
                    .expect("config cache")
                    .insert(d.clone(), Some(settings.clone()));
                break Some(settings);
            }
            visited.push(d.clone());
            dir = d.parent().map(Path::to_path_buf);
        };
        let settings = match found {
            Some(s) => s,
            None => {
                let root = PathBuf::from("/");
                let mut cache = self.configs.lock().expect("config cache");
                match cache.get(&root).cloned().flatten() {
                    Some(s) => s,
                    None => {
                        let s = Arc::new(self.load(None, &root)?);
                        cache.insert(root, Some(s.clone()));
                        s
                    }
                }
            }
        };
        let mut cache = self.configs.lock().expect("config cache");
        for d in visited {
            cache.insert(d, Some(settings.clone()));
        }
        Ok(settings)
    }

    fn load(&self, path: Option<&Path>, dir: &Path) -> Result<Settings, SetupError> {
        let mut config = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| SetupError::Path(p.to_path_buf(), e.to_string()))?;
                Config::parse(&text, nodepit_rules::REGISTRY)
                    .map_err(|e| SetupError::Config(p.to_path_buf(), e))?
            }
            None => Config::default(),
        };
        for (id, level) in &self.options.overrides {
            config
                .rules
                .entry(id.clone())
                .or_insert_with(RuleSetting::default)
                .level = Some(*level);
        }
        let rules = RuleSet::new(
            nodepit_rules::REGISTRY,
            &config,
            self.options.select.as_deref(),
        )
        .map_err(SetupError::Rules)?;
        let mut globs = GlobSetBuilder::new();
        for g in &config.ignore {
            // Validated when the config was parsed.
            if let Ok(glob) = Glob::new(g) {
                globs.add(glob);
            }
        }
        let ignore = globs
            .build()
            .map_err(|e| SetupError::Rules(e.to_string()))?;
        Ok(Settings {
            path: path.map(Path::to_path_buf),
            config,
            rules,
            ignore,
            root: dir.to_path_buf(),
        })
    }

    /// Loads every file's settings, drops files their config ignores, and lints the rest in parallel.
    pub fn lint_files(&self, files: Vec<PathBuf>) -> Result<Vec<FileResult>, SetupError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.options.threads)
            .stack_size(STACK_SIZE)
            .build()
            .map_err(|e| SetupError::Rules(e.to_string()))?;
        let fix = self.options.fix;
        let parse_only = self.options.parse_only;
        // Config lookup runs in the pool too: on a big tree it is a noticeable serial cost.
        let results: Result<Vec<Option<FileResult>>, SetupError> = pool.install(|| {
            files
                .into_par_iter()
                .map(|path| {
                    let settings = self.settings_for(&path)?;
                    if settings
                        .ignores(&std::path::absolute(&path).unwrap_or_else(|_| path.clone()))
                    {
                        return Ok(None);
                    }
                    let result = lint_path(path, &settings, parse_only);
                    let mut result = match fix {
                        Some(fix) => fix_result(result, &settings, fix),
                        None => result,
                    };
                    if result.diagnostics.is_empty() && result.original.is_none() {
                        result.text = String::new();
                    }
                    Ok(Some(result))
                })
                .collect()
        });
        Ok(results?.into_iter().flatten().collect())
    }

    /// Lints text that is not (or not yet) on disk, as the file `path`, on a large-stack thread.
    pub fn lint_text(&self, path: &Path, text: String) -> Result<FileResult, SetupError> {
        let settings = self.settings_for(path)?;
        let path = path.to_path_buf();
        let handle = std::thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn(move || {
                let diagnostics = lint_text_with(&path, &text, &settings.rules);
                FileResult::new(path, text, diagnostics)
            })
            .map_err(|e| SetupError::Rules(e.to_string()))?;
        handle
            .join()
            .map_err(|_| SetupError::Rules("linting thread crashed".into()))
    }
}

/// Applies a linted file's fixes, writes the file when asked, and re-lints the new text.
fn fix_result(mut result: FileResult, settings: &Settings, fix: FixOptions) -> FileResult {
    match apply_fixes(
        &result.path,
        &result.text,
        &result.diagnostics,
        fix.include_unsafe,
    ) {
        Ok(None) => result,
        Ok(Some((fixed, count))) => {
            if fix.write {
                if let Err(e) = std::fs::write(&result.path, &fixed) {
                    result.fix_error = Some(format!("cannot write the fixed file: {e}"));
                    return result;
                }
            }
            let diagnostics = lint_text_with(&result.path, &fixed, &settings.rules);
            let original = std::mem::replace(&mut result.text, fixed);
            result.original = Some(original);
            result.diagnostics = diagnostics;
            result.fixes_applied = count;
            result
        }
        Err(e) => {
            result.fix_error = Some(e.0);
            result
        }
    }
}

fn lint_path(path: PathBuf, settings: &Settings, parse_only: bool) -> FileResult {
    let start = std::time::Instant::now();
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            let d = Diagnostic::new(
                SYNTAX_ERROR,
                Severity::Error,
                0..0,
                format!("cannot read this file: {e}"),
            );
            return FileResult::new(path, String::new(), vec![d]);
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => {
            let read_time = start.elapsed();
            let mut times = LintTimes::default();
            let source_type = SourceType::from_path(&path).unwrap_or(SourceType::Js);
            let diagnostics =
                lint_source_timed(&text, source_type, &settings.rules, &mut times, !parse_only);
            let mut result = FileResult::new(path, text, diagnostics);
            result.read_time = read_time;
            result.times = times;
            result
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let d = Diagnostic::new(
                SYNTAX_ERROR,
                Severity::Error,
                at..at,
                format!("this file is not valid UTF-8 (invalid byte at offset {at}), so it was not linted"),
            );
            FileResult::new(path, text, vec![d])
        }
    }
}

/// Lints text with a rule set; the source type comes from the path (`.js` when unknown).
pub fn lint_text_with(path: &Path, text: &str, rules: &RuleSet) -> Vec<Diagnostic> {
    let source_type = SourceType::from_path(path).unwrap_or(SourceType::Js);
    lint_source(text, source_type, rules)
}

/// The URL of a rule's interview answer.
pub fn docs_url(rule: &str) -> String {
    format!("{DOCS_BASE_URL}/{rule}.md")
}

/// A path as reports and baselines write it: forward slashes, no leading `./`.
pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// Stable fingerprints of a file's findings, in the order given: rule, path (as
/// [`display_path`] writes it, so `./src/a.js` and `src/a.js` agree) and the flagged code with
/// whitespace collapsed, plus an occurrence count among identical ones. Moving code up or down a
/// file keeps them; editing the flagged code changes them.
pub fn fingerprints(path: &Path, text: &str, diagnostics: &[Diagnostic]) -> Vec<String> {
    let path = display_path(path);
    let mut seen: HashMap<u64, usize> = HashMap::new();
    diagnostics
        .iter()
        .map(|d| {
            let code = text.get(d.range.clone()).unwrap_or("");
            let normalized: Vec<&str> = code.split_whitespace().collect();
            let key = fnv1a(&[
                d.rule.as_bytes(),
                path.as_bytes(),
                normalized.join(" ").as_bytes(),
            ]);
            let n = seen.entry(key).or_insert(0);
            *n += 1;
            format!("{key:016x}:{n}")
        })
        .collect()
}

/// FNV-1a over byte strings, with a separator between them; stable across platforms and releases.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.iter().chain(std::iter::once(&0xff)) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// Why a file's fixes were not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixError(pub String);

/// Applies every diagnostic's first eligible fix (safe ones, or any with `include_unsafe`) in one
/// pass: fixes that overlap an earlier one wait for the next run, identical edits (two findings
/// adding the same import) apply once, and a fix that would delete a comment is skipped. Returns
/// the new text and how many fixes went in, or an error when the result no longer parses (the
/// caller then leaves the file alone). `None` when there is nothing to fix.
pub fn apply_fixes(
    path: &Path,
    text: &str,
    diagnostics: &[Diagnostic],
    include_unsafe: bool,
) -> Result<Option<(String, usize)>, FixError> {
    let mut accepted: Vec<&nodepit_analyzer::Edit> = Vec::new();
    let mut count = 0;
    for fix in diagnostics
        .iter()
        .filter_map(|d| d.fixes.iter().find(|f| f.safe || include_unsafe))
    {
        let deletes_comment = fix.edits.iter().any(|e| {
            let old = text.get(e.range.clone()).unwrap_or("");
            (old.contains("//") || old.contains("/*")) && !e.text.contains(old)
        });
        let overlaps = fix.edits.iter().any(|e| {
            accepted.iter().any(|a| {
                let same = a.range == e.range && a.text == e.text;
                let touching_insert = e.range.is_empty() && a.range.is_empty();
                !same
                    && !touching_insert
                    && e.range.start < a.range.end.max(a.range.start + 1)
                    && a.range.start < e.range.end.max(e.range.start + 1)
            })
        });
        if deletes_comment
            || overlaps
            || fix
                .edits
                .iter()
                .any(|e| text.get(e.range.clone()).is_none())
        {
            continue;
        }
        for e in &fix.edits {
            if !accepted
                .iter()
                .any(|a| a.range == e.range && a.text == e.text)
            {
                accepted.push(e);
            }
        }
        count += 1;
    }
    if count == 0 {
        return Ok(None);
    }
    accepted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in accepted {
        out.push_str(&text[at..e.range.start.max(at)]);
        out.push_str(&e.text);
        at = at.max(e.range.end);
    }
    out.push_str(&text[at..]);
    let source_type = SourceType::from_path(path).unwrap_or(SourceType::Js);
    // Syntax is all this checks: parse only, no scopes or model.
    let parses = |t: &str| {
        use nodepit_analyzer::semantic::{analyze_timed, Depth, PhaseTimes};
        let mut times = PhaseTimes::default();
        analyze_timed(t, source_type, &mut times, Depth::Parse, |_, errors, _| {
            errors.is_empty()
        })
    };
    if parses(text) && !parses(&out) {
        return Err(FixError(
            "applying the fixes would leave the file with a syntax error, so it was left unchanged"
                .into(),
        ));
    }
    Ok(Some((out, count)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodepit_analyzer::{Edit, Fix};

    fn diag(
        range: std::ops::Range<usize>,
        edits: Vec<(std::ops::Range<usize>, &str)>,
    ) -> Diagnostic {
        let mut d = Diagnostic::new("no-floating-promise", Severity::Error, range, "m");
        d.fixes.push(Fix {
            message: "f".into(),
            edits: edits
                .into_iter()
                .map(|(range, text)| Edit {
                    range,
                    text: text.into(),
                })
                .collect(),
            safe: true,
        });
        d
    }

    #[test]
    fn overlapping_fixes_wait_and_identical_edits_apply_once() {
        let text = "a(); b();\n";
        let ds = [
            diag(0..3, vec![(0..0, "await "), (0..0, "/*x*/")]),
            diag(0..3, vec![(0..3, "c()")]),
            diag(5..8, vec![(5..5, "await "), (0..0, "/*x*/")]),
        ];
        let (out, n) = apply_fixes(Path::new("a.js"), text, &ds, false)
            .unwrap()
            .unwrap();
        assert_eq!(n, 2);
        assert_eq!(out, "await /*x*/a(); await b();\n");
    }

    #[test]
    fn a_fix_that_breaks_syntax_is_refused() {
        let text = "f();\n";
        let ds = [diag(0..3, vec![(0..0, "(")])];
        assert!(apply_fixes(Path::new("a.js"), text, &ds, false).is_err());
    }

    #[test]
    fn a_fix_that_would_delete_a_comment_is_skipped() {
        let text = "a /* keep */ .b();\n";
        let ds = [diag(0..4, vec![(1..13, "")])];
        assert_eq!(
            apply_fixes(Path::new("a.js"), text, &ds, false).unwrap(),
            None
        );
    }

    #[test]
    fn fingerprints_survive_moves_and_count_repeats() {
        let d = |r: std::ops::Range<usize>| Diagnostic::new("x", Severity::Error, r, "m");
        let a = fingerprints(
            Path::new("a.js"),
            "save();\nsave();\n",
            &[d(0..6), d(8..14)],
        );
        let b = fingerprints(
            Path::new("a.js"),
            "\n\n  save();\nsave();\n",
            &[d(4..10), d(12..18)],
        );
        assert_eq!(a, b);
        assert_ne!(a[0], a[1]);
    }

    #[test]
    fn fingerprints_ignore_how_the_path_was_spelled() {
        let d = [Diagnostic::new("x", Severity::Error, 0..6, "m")];
        let text = "save();\n";
        assert_eq!(
            fingerprints(Path::new("./src/a.js"), text, &d),
            fingerprints(Path::new("src/a.js"), text, &d)
        );
    }
}
