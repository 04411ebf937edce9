//! The API both front ends call: finding files (respecting `.gitignore`, skipping
//! `node_modules`), finding each file's `nodepit.toml` and the `[[overrides]]` that apply to
//! it, and linting in parallel.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{Glob, GlobSet, GlobSetBuilder};
use nodepit_analyzer::project::{FileSystem, OsFs, Project, Resolver};
use nodepit_analyzer::semantic::summary::Summary;
use nodepit_analyzer::semantic::SourceType;
use nodepit_analyzer::{
    lint_project_file, lint_source, lint_source_timed, normalize_glob, Config, ConfigError,
    Diagnostic, FileLint, Level, LintTimes, RuleSet, Severity, SYNTAX_ERROR,
};
use rayon::prelude::*;

mod fix;
mod session;
pub use fix::{apply_fixes, fix_text, FixError, Fixed};
pub use session::{Change, Linted, Session};

/// The config file name, looked up from each file's folder upwards.
pub const CONFIG_FILE: &str = "nodepit.toml";

/// Where the rule docs are published; `<base>/<rule-id>.md` is a rule's interview answer.
pub const DOCS_BASE_URL: &str = "https://github.com/nodepit/nodepit/blob/main/rules";

/// Stack size of linting threads: deeply nested code recurses deeply in swc's visitors.
const STACK_SIZE: usize = 512 * 1024 * 1024;

/// The threads that run analyses for a front end (the language server's documents, builds and
/// updates of its projects), kept for the life of the process. A thread per analysis left each
/// one's freed pages in an allocator heap nobody entered again: the language server's soak
/// grew from 23 MB to 78 MB (tests/bench/README.md).
static ANALYSIS_THREADS: std::sync::OnceLock<Option<rayon::ThreadPool>> =
    std::sync::OnceLock::new();

fn analysis_threads() -> Option<&'static rayon::ThreadPool> {
    ANALYSIS_THREADS
        .get_or_init(|| {
            rayon::ThreadPoolBuilder::new()
                .stack_size(STACK_SIZE)
                .thread_name(|i| format!("nodepit-analysis-{i}"))
                .build()
                .ok()
        })
        .as_ref()
}

/// Runs `f` on one of the analysis threads (large stack, kept alive) and waits for it; `None`
/// when it panicked or no thread could be started. Rayon inside `f` may start another analysis
/// on the same thread while it waits, so `f` must not hold a lock across parallel work.
pub fn on_analysis_thread<T: Send>(f: impl FnOnce() -> T + Send) -> Option<T> {
    analysis_threads()?.install(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok())
}

/// Starts `f` on one of the analysis threads without waiting; a panic inside ends `f` only
/// (dropping what it owns, so a waiting caller learns of it). Dropped when no thread could be
/// started.
pub fn spawn_analysis(f: impl FnOnce() + Send + 'static) {
    if let Some(pool) = analysis_threads() {
        pool.spawn(move || {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        });
    }
}

/// Gives back, on every analysis thread (if they were started) and without waiting, what their
/// analyses left: the parser's interned strings that nothing holds any more, then the pages
/// `release` returns to the system (an allocator returns a thread's pages only on that thread).
/// Interned strings otherwise live as long as their thread, each pinning a page of the heap:
/// typing makes a new one with almost every keystroke.
pub fn release_analysis_memory(release: fn()) {
    if let Some(Some(pool)) = ANALYSIS_THREADS.get() {
        pool.spawn_broadcast(move |_| {
            hstr::global_atom_store_gc();
            release();
        });
    }
}

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
                // Configs are found by absolute path; show them as typed from here when inside.
                let cwd = std::env::current_dir().ok();
                let p = cwd
                    .as_deref()
                    .and_then(|c| p.strip_prefix(c).ok())
                    .unwrap_or(p);
                write!(f, "{}:{}:{}: ", p.display(), e.line, e.column)?;
                if let Some(key) = &e.key {
                    write!(f, "{key}: ")?;
                }
                f.write_str(&e.message)
            }
            Self::Rules(e) => f.write_str(e),
        }
    }
}

/// A file or folder that could not be read (exit code 2, but the run goes on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IoError {
    /// The path that failed.
    pub path: PathBuf,
    /// The operating system's error.
    pub error: String,
}

impl std::fmt::Display for IoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read {}: {}", self.path.display(), self.error)
    }
}

/// `[[overrides]]` globs, compiled: a block applies when `files` matches and `exclude` does not.
#[derive(Debug)]
struct OverrideGlobs {
    files: GlobSet,
    exclude: GlobSet,
}

/// A config file and the rules it enables.
#[derive(Debug)]
pub struct Settings {
    /// The `nodepit.toml` it came from (`None` for defaults).
    pub path: Option<PathBuf>,
    /// The parsed config (without the editor's levels).
    pub config: Config,
    /// The rules for files no `[[overrides]]` block matches.
    pub rules: Arc<RuleSet>,
    ignore: GlobSet,
    overrides: Vec<OverrideGlobs>,
    /// Rule sets by the indices of the override blocks that match, built on first use: a tree
    /// has few distinct combinations, so each is built once and shared.
    variants: Mutex<HashMap<Vec<usize>, Arc<RuleSet>>>,
    /// What the run adds on top of every config: the editor's levels and `--rule`.
    levels: Vec<(String, Level)>,
    select: Option<Vec<String>>,
    root: PathBuf,
}

impl Settings {
    /// A file's path relative to the config's folder, as globs match it.
    fn relative(&self, file: &Path) -> PathBuf {
        let abs = absolute_path(file);
        abs.strip_prefix(&self.root).unwrap_or(&abs).to_path_buf()
    }

    /// Whether the config's `ignore` globs exclude a file.
    pub fn ignores(&self, file: &Path) -> bool {
        self.ignore.is_match(self.relative(file))
    }

    /// The indices of the `[[overrides]]` blocks that apply to a file, in file order.
    pub fn overrides_for(&self, file: &Path) -> Vec<usize> {
        if self.overrides.is_empty() {
            return Vec::new();
        }
        let rel = self.relative(file);
        self.overrides
            .iter()
            .enumerate()
            .filter(|(_, o)| o.files.is_match(&rel) && !o.exclude.is_match(&rel))
            .map(|(i, _)| i)
            .collect()
    }

    /// The rules for a file: the base rules with every matching override laid on top.
    pub fn rules_for(&self, file: &Path) -> Result<Arc<RuleSet>, SetupError> {
        let matched = self.overrides_for(file);
        if matched.is_empty() {
            return Ok(self.rules.clone());
        }
        if let Some(rules) = self.variants.lock().expect("rule sets").get(&matched) {
            return Ok(rules.clone());
        }
        let config = self.config.with_overrides(&matched);
        let rules = Arc::new(build_rules(config, &self.levels, self.select.as_deref())?);
        // Two threads may build the same set at once; either result is the same.
        self.variants
            .lock()
            .expect("rule sets")
            .insert(matched, rules.clone());
        Ok(rules)
    }
}

/// The rules a config enables, with the run's levels (the editor's settings) applied last, so
/// they win over the config and its overrides.
fn build_rules(
    mut config: Config,
    levels: &[(String, Level)],
    select: Option<&[String]>,
) -> Result<RuleSet, SetupError> {
    for (id, level) in levels {
        config.rules.entry(id.clone()).or_default().level = Some(*level);
    }
    RuleSet::new(nodepit_rules::REGISTRY, &config, select).map_err(SetupError::Rules)
}

/// Compiles globs the config parser has already validated.
fn glob_set<'g>(globs: impl IntoIterator<Item = &'g String>) -> Result<GlobSet, SetupError> {
    let mut set = GlobSetBuilder::new();
    for g in globs {
        if let Ok(glob) = Glob::new(normalize_glob(g)) {
            set.add(glob);
        }
    }
    set.build().map_err(|e| SetupError::Rules(e.to_string()))
}

/// Whether an absolute Unix path has no `.`, `..` or empty part and no trailing slash.
fn is_normal_unix(path: &Path) -> bool {
    let bytes = path.as_os_str().as_encoded_bytes();
    match bytes.strip_prefix(b"/") {
        Some(rest) => rest
            .split(|b| *b == b'/')
            .all(|s| !matches!(s, b"" | b"." | b"..")),
        None => false,
    }
}

/// An absolute path with `.` and `..` removed by hand (no file system access, so symlinks are
/// kept as written): config lookup, globs and baselines all compare paths in this form.
pub fn absolute_path(path: &Path) -> PathBuf {
    use std::path::Component;
    // The working folder is read once: `std::path::absolute` asks the system on every call,
    // and a run makes several calls per file.
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        match CWD.get_or_init(|| std::env::current_dir().ok()) {
            Some(cwd) => cwd.join(path),
            None => path.to_path_buf(),
        }
    };
    // Most paths are already in that form; rebuilding them part by part was a tenth of the
    // summary phase's cost.
    if cfg!(unix) && is_normal_unix(&abs) {
        return abs;
    }
    let mut out = PathBuf::new();
    for part in abs.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
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
    /// Why fixing this file failed, or why some of its fixes were refused.
    pub fix_error: Option<String>,
    /// Time spent reading the file.
    pub read_time: std::time::Duration,
    /// Time spent in each linting phase.
    pub times: LintTimes,
    /// Why the file could not be read, when it could not (it then has no diagnostics).
    pub io_error: Option<String>,
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
            io_error: None,
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
    /// By folder path bytes (hashing a `Path` walks its components; every file asks).
    configs: Mutex<ByFolder<Option<Arc<Settings>>>>,
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
            configs: Mutex::new(rustc_hash::FxHashMap::default()),
        })
    }

    /// Lintable files under `paths`: directories are walked (respecting `.gitignore`, skipping
    /// `node_modules`); files named explicitly are always included. Folders the walk cannot
    /// read come back beside the files; a path that does not exist stops the run.
    pub fn collect_files(
        &self,
        paths: &[PathBuf],
    ) -> Result<(Vec<PathBuf>, Vec<IoError>), SetupError> {
        let mut files = Vec::new();
        let errors = Mutex::new(Vec::new());
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
                        match entry {
                            Ok(entry) => {
                                if entry.file_type().is_some_and(|t| t.is_file())
                                    && SourceType::from_path(entry.path()).is_some()
                                {
                                    found.lock().expect("walk").push(entry.into_path());
                                }
                            }
                            Err(e) => errors.lock().expect("walk").push(walk_error(&e, path)),
                        }
                        ignore::WalkState::Continue
                    })
                });
            files.append(&mut found.into_inner().expect("walk"));
        }
        nodepit_analyzer::project::sort_path_bufs(&mut files);
        files.dedup();
        let mut errors = errors.into_inner().expect("walk");
        errors.sort_by(|a, b| a.path.cmp(&b.path));
        errors.dedup();
        Ok((files, errors))
    }

    /// Whether the config that applies to `path` ignores it (for text linted under a given
    /// name, such as standard input, which no walk filters).
    pub fn is_ignored(&self, path: &Path) -> Result<bool, SetupError> {
        Ok(self.settings_for(path)?.ignores(path))
    }

    /// Forgets every loaded config, so the next lint reads `nodepit.toml` files again.
    pub fn invalidate(&self) {
        self.configs.lock().expect("config cache").clear();
    }

    /// The settings that apply to a file: the nearest `nodepit.toml` above it, or defaults.
    pub fn settings_for(&self, file: &Path) -> Result<Arc<Settings>, SetupError> {
        let abs = absolute_path(file);
        let mut dir = abs.parent().map(Path::to_path_buf);
        let mut visited = Vec::new();
        let found = loop {
            let Some(d) = dir else { break None };
            if let Some(cached) = self.configs.lock().expect("config cache").get(key(&d)) {
                break cached.clone();
            }
            let candidate = d.join(CONFIG_FILE);
            if candidate.is_file() {
                let settings = Arc::new(self.load(Some(&candidate), &d)?);
                self.configs
                    .lock()
                    .expect("config cache")
                    .insert(key(&d).into(), Some(settings.clone()));
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
                match cache.get(key(&root)).cloned().flatten() {
                    Some(s) => s,
                    None => {
                        let s = Arc::new(self.load(None, &root)?);
                        cache.insert(key(&root).into(), Some(s.clone()));
                        s
                    }
                }
            }
        };
        let mut cache = self.configs.lock().expect("config cache");
        for d in visited {
            cache.insert(key(&d).into(), Some(settings.clone()));
        }
        Ok(settings)
    }

    fn load(&self, path: Option<&Path>, dir: &Path) -> Result<Settings, SetupError> {
        let config = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| SetupError::Path(p.to_path_buf(), e.to_string()))?;
                Config::parse(&text, nodepit_rules::REGISTRY)
                    .map_err(|e| SetupError::Config(p.to_path_buf(), e))?
            }
            None => Config::default(),
        };
        let levels = self.options.overrides.clone();
        let select = self.options.select.clone();
        let rules = Arc::new(build_rules(config.clone(), &levels, select.as_deref())?);
        let ignore = glob_set(&config.ignore)?;
        let overrides = config
            .overrides
            .iter()
            .map(|o| {
                Ok(OverrideGlobs {
                    files: glob_set(&o.files)?,
                    exclude: glob_set(&o.exclude)?,
                })
            })
            .collect::<Result<_, SetupError>>()?;
        Ok(Settings {
            path: path.map(Path::to_path_buf),
            config,
            rules,
            ignore,
            overrides,
            variants: Mutex::new(HashMap::new()),
            levels,
            select,
            root: absolute_path(dir),
        })
    }

    /// Loads every file's settings, drops files their config ignores, and lints the rest in
    /// parallel as one project: pass 1 lints and summarises each file, pass 2 links the
    /// summaries, pass 3 answers the questions rules asked about other files (and fixes).
    pub fn lint_files(&self, files: Vec<PathBuf>) -> Result<Vec<FileResult>, SetupError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.options.threads)
            .stack_size(STACK_SIZE)
            .build()
            .map_err(|e| SetupError::Rules(e.to_string()))?;
        let fix = self.options.fix;
        let parse_only = self.options.parse_only;
        let resolver = (!parse_only).then(|| project_resolver(&files));
        // Config lookup runs in the pool too: on a big tree it is a noticeable serial cost.
        // Ignored files are left out as they come: a second, filtered vector of every file's
        // results would be alive next to the first one at the run's peak of memory.
        let pass1: Result<Vec<Pass1>, SetupError> = pool.install(|| {
            files
                .into_par_iter()
                .filter_map(|path| {
                    self.first_pass(path, parse_only, resolver.as_ref())
                        .transpose()
                })
                .collect()
        });
        let pass1 = pass1?;
        let abs = |p: &Pass1| {
            p.abs
                .clone()
                .unwrap_or_else(|| absolute_path(&p.result.path))
        };
        let root = project_root(pass1.iter().map(abs));
        let project = Project::link(
            &root,
            pass1
                .iter()
                .filter_map(|p| Some((abs(p), p.summary.clone()?)))
                .collect(),
        );
        let results = pool.install(|| {
            pass1
                .into_par_iter()
                .map(|p| {
                    let Pass1 {
                        mut result,
                        abs,
                        lint,
                        rules,
                        ..
                    } = p;
                    if let Some(lint) = lint {
                        let abs = abs.unwrap_or_else(|| absolute_path(&result.path));
                        result.diagnostics = lint.finish(&rules, |d| d.settle(&abs, &project));
                        if !result.diagnostics.is_empty() {
                            reread(&mut result);
                        }
                    }
                    let mut result = match fix {
                        Some(fix) if result.io_error.is_none() => {
                            let relint = |path: &Path, text: &str| {
                                relint_in_project(path, text, &rules, resolver.as_ref(), &project)
                            };
                            fix_result(result, &rules, fix, &relint)
                        }
                        _ => result,
                    };
                    if result.diagnostics.is_empty() && result.original.is_none() {
                        result.text = String::new();
                    }
                    result
                })
                .collect()
        });
        Ok(results)
    }

    /// Pass 1 of one file; `None` when its configuration ignores it.
    fn first_pass(
        &self,
        path: PathBuf,
        parse_only: bool,
        resolver: Option<&RunResolver>,
    ) -> Result<Option<Pass1>, SetupError> {
        let settings = self.settings_for(&path)?;
        if settings.ignores(&path) {
            return Ok(None);
        }
        let rules = settings.rules_for(&path)?;
        let pass1 = lint_path(path, rules, parse_only, resolver);
        collect_atoms_now_and_then();
        Ok(Some(pass1))
    }

    /// Lints text that is not (or not yet) on disk, as the file `path` (its config and
    /// overrides apply), on a large-stack thread. When the run fixes, the fixes are computed
    /// (for `--diff`) but never written: the text is not the file.
    pub fn lint_text(&self, path: &Path, text: String) -> Result<FileResult, SetupError> {
        let rules = self.settings_for(path)?.rules_for(path)?;
        let fix = self.options.fix.map(|f| FixOptions { write: false, ..f });
        let path = path.to_path_buf();
        on_analysis_thread(move || {
            let diagnostics = lint_text_with(&path, &text, &rules);
            let result = FileResult::new(path, text, diagnostics);
            match fix {
                Some(fix) => fix_result(result, &rules, fix, &|p, t| lint_text_with(p, t, &rules)),
                None => result,
            }
        })
        .ok_or_else(|| SetupError::Rules("linting thread crashed".into()))
    }
}

/// Most passes `--fix` makes over one file. A fix can enable another (an added `await` makes its
/// function able to reject, so its caller's call becomes fixable), and overlapping fixes wait for a
/// later pass; ESLint stops after ten passes for the same reasons.
const MAX_FIX_PASSES: usize = 10;

/// Applies a linted file's fixes once they pass the checks of [`fix_text`], and writes the file
/// when asked; refused fixes are reported in `fix_error`.
fn fix_result(
    mut result: FileResult,
    rules: &RuleSet,
    fix: FixOptions,
    relint: &dyn Fn(&Path, &str) -> Vec<Diagnostic>,
) -> FileResult {
    // The latest fixed text and its findings; `None` until a pass applies something, so the
    // file's own text is read in place rather than copied.
    let mut current: Option<(String, Vec<Diagnostic>)> = None;
    let mut applied = 0;
    let mut refused = Vec::new();
    for _ in 0..MAX_FIX_PASSES {
        let (text, diagnostics) = current
            .as_ref()
            .map_or((&result.text, &result.diagnostics), |(t, d)| (t, d));
        match fix_text(
            &result.path,
            text,
            diagnostics,
            Some(rules),
            fix.include_unsafe,
        ) {
            Ok(None) => break,
            Ok(Some(fixed)) => {
                // Linted again with the project, so findings that depend on other files stay.
                let diagnostics = relint(&result.path, &fixed.text);
                current = Some((fixed.text, diagnostics));
                applied += fixed.applied;
                refused.extend(fixed.refused);
            }
            Err(e) => {
                refused.push(e.0);
                break;
            }
        }
    }
    if !refused.is_empty() {
        result.fix_error = Some(refused.join("; "));
    }
    let Some((text, diagnostics)) = current else {
        return result;
    };
    if fix.write {
        if let Err(e) = std::fs::write(&result.path, &text) {
            result.fix_error = Some(format!("cannot write the fixed file: {e}"));
            return result;
        }
    }
    let original = std::mem::replace(&mut result.text, text);
    result.original = Some(original);
    result.diagnostics = diagnostics;
    result.fixes_applied = applied;
    result
}

/// Every so many files, drops the parser's interned strings that nothing holds any more: each
/// thread's table otherwise keeps every identifier and string of the run (9.7 MB on the
/// benchmark corpus), and the pages they sit on.
fn collect_atoms_now_and_then() {
    const EVERY: u32 = 256;
    thread_local!(static LINTED: std::cell::Cell<u32> = const { std::cell::Cell::new(0) });
    LINTED.with(|n| {
        n.set(n.get() + 1);
        if n.get() % EVERY == 0 {
            hstr::global_atom_store_gc();
        }
    });
}

/// A file after pass 1: its result so far, and what pass 3 needs.
struct Pass1 {
    result: FileResult,
    /// The file's absolute path, when pass 1 made it (project runs); later passes reuse it.
    abs: Option<PathBuf>,
    lint: Option<FileLint>,
    summary: Option<Arc<Summary>>,
    rules: Arc<RuleSet>,
}

fn lint_path(
    path: PathBuf,
    rules: Arc<RuleSet>,
    parse_only: bool,
    resolver: Option<&RunResolver>,
) -> Pass1 {
    let start = std::time::Instant::now();
    let done = |result: FileResult, rules: Arc<RuleSet>| Pass1 {
        result,
        abs: None,
        lint: None,
        summary: None,
        rules,
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            let mut result = FileResult::new(path, String::new(), Vec::new());
            result.io_error = Some(e.to_string());
            return done(result, rules);
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let d = Diagnostic::new(
                SYNTAX_ERROR,
                Severity::Error,
                at..at,
                format!("this file is not valid UTF-8 (invalid byte at offset {at}), so it was not linted"),
            );
            return done(FileResult::new(path, text, vec![d]), rules);
        }
    };
    let read_time = start.elapsed();
    let mut times = LintTimes::default();
    let source_type = SourceType::for_file(&path);
    let Some(resolver) = resolver.filter(|_| !parse_only) else {
        let diagnostics = lint_source_timed(&text, source_type, &rules, &mut times, !parse_only);
        let mut result = FileResult::new(path, text, diagnostics);
        if result.diagnostics.is_empty() {
            result.text = String::new();
        }
        result.read_time = read_time;
        result.times = times;
        return done(result, rules);
    };
    let abs = absolute_path(&path);
    let source_type = source_type_in(&abs, &resolver.resolver);
    let mut resolve = |spec: &str| resolver.resolve(&abs, spec);
    let dependency = |name: &str| resolver.resolver.dependency_version(&abs, name);
    let mut lint = lint_project_file(
        &text,
        source_type,
        &rules,
        &mut times,
        &mut resolve,
        &dependency,
    );
    let summary = lint.summary.take();
    let mut result = FileResult::new(path, text, Vec::new());
    // Most files end with no finding: rather than hold every text until the questions are
    // answered, pass 3 reads again the few that need one for output or fixes.
    result.text = String::new();
    result.read_time = read_time;
    result.times = times;
    Pass1 {
        result,
        abs: Some(abs),
        lint: Some(lint),
        summary,
        rules,
    }
}

/// Reads a file's text again for output and fixes; if it changed since pass 1, its findings
/// no longer match it and are dropped with a note.
fn reread(result: &mut FileResult) {
    match std::fs::read(&result.path).map(String::from_utf8) {
        Ok(Ok(text)) if text.len() == result.bytes => result.text = text,
        Ok(_) | Err(_) => {
            result.diagnostics.clear();
            result.io_error = Some("the file changed while it was being linted".into());
        }
    }
}

/// Lints a fixed text again as part of the project (its own summary is the one linked before).
fn relint_in_project(
    path: &Path,
    text: &str,
    rules: &RuleSet,
    resolver: Option<&RunResolver>,
    project: &Project,
) -> Vec<Diagnostic> {
    let Some(resolver) = resolver else {
        return lint_text_with(path, text, rules);
    };
    let abs = absolute_path(path);
    let mut resolve = |spec: &str| resolver.resolve(&abs, spec);
    let dependency = |name: &str| resolver.resolver.dependency_version(&abs, name);
    let source_type = source_type_in(&abs, &resolver.resolver);
    lint_project_file(
        text,
        source_type,
        rules,
        &mut LintTimes::default(),
        &mut resolve,
        &dependency,
    )
    .finish(rules, |d| d.settle(&abs, project))
}

/// How a file of the project is parsed: by its extension, and a `.js` file as an ES module
/// when the nearest `package.json` says `"type": "module"` (as Node loads it).
pub(crate) fn source_type_in(abs: &Path, resolver: &Resolver) -> SourceType {
    let by_extension = SourceType::for_file(abs);
    let plain_js = abs.extension().is_some_and(|e| e == "js");
    if plain_js && by_extension == SourceType::Js && resolver.is_esm_package(abs) {
        return SourceType::Mjs;
    }
    by_extension
}

/// The file system as the project sees it: source files are the ones the run lints (found by
/// the walk, so no `stat` per probed candidate, and a gitignored build output is not a module
/// of the project); anything else (`package.json`, `tsconfig.json`) is read from disk.
struct RunFs {
    /// By their bytes, as `others`: the resolver probes several candidates per import.
    sources: rustc_hash::FxHashSet<Box<[u8]>>,
    /// Other paths already asked about (`package.json` of a folder, probed once per import),
    /// by their bytes: hashing a `Path` walks its components.
    others: std::sync::RwLock<rustc_hash::FxHashMap<Box<[u8]>, bool>>,
}

impl FileSystem for RunFs {
    fn is_file(&self, path: &Path) -> bool {
        if SourceType::from_path(path).is_some() {
            return self.sources.contains(path.as_os_str().as_encoded_bytes());
        }
        let key = path.as_os_str().as_encoded_bytes();
        if let Some(known) = self.known(key) {
            return known;
        }
        let found = OsFs.is_file(path);
        if let Ok(mut m) = self.others.write() {
            m.insert(key.into(), found);
        }
        found
    }

    fn read_to_string(&self, path: &Path) -> Option<String> {
        // Every folder's `package.json` was probed when the packages were found: most are
        // missing, and asking the disk again would cost a failed `open` per folder.
        if self.known(path.as_os_str().as_encoded_bytes()) == Some(false) {
            return None;
        }
        OsFs.read_to_string(path)
    }
}

impl RunFs {
    /// What an earlier probe found for a path other than a source file, if one asked.
    fn known(&self, key: &[u8]) -> Option<bool> {
        self.others.read().ok().and_then(|m| m.get(key).copied())
    }
}

/// A resolver for the files of a run, knowing the workspace packages among the folders that
/// hold them. Packages are found by looking for a `package.json` in each folder on the way from
/// the files up to their common folder: one check per folder, where walking the tree again for
/// `package.json` files would read every folder and `.gitignore` a second time.
fn project_resolver(files: &[PathBuf]) -> RunResolver {
    let sources: rustc_hash::FxHashSet<PathBuf> = files.iter().map(|p| absolute_path(p)).collect();
    let root = common_ancestor(sources.iter().cloned());
    let mut folders: Vec<PathBuf> = Vec::new();
    if let Some(root) = root.filter(|r| r.components().count() > 2) {
        let mut seen = rustc_hash::FxHashSet::default();
        for file in &sources {
            for dir in file.ancestors().skip(1) {
                if !dir.starts_with(&root) || !seen.insert(dir.to_path_buf()) {
                    break;
                }
            }
        }
        folders = seen.into_iter().collect();
    }
    let fs = RunFs {
        sources: sources
            .iter()
            .map(|p| p.as_os_str().as_encoded_bytes().into())
            .collect(),
        others: Default::default(),
    };
    // Shallower folders first, so a name declared twice goes to the outer package, whatever
    // the order files were found in.
    folders.sort_by_cached_key(|p| (p.components().count(), p.clone()));
    folders.retain(|d| fs.is_file(&d.join("package.json")));
    let mut resolver = Resolver::new(Arc::new(fs));
    for dir in folders {
        resolver.add_package(&dir);
    }
    RunResolver {
        resolver,
        folders: Default::default(),
        bare: Default::default(),
    }
}

/// The run's resolver, with answers kept per folder and specifier: the files of a folder
/// import much the same modules, and the files do not change during a run. A bare name (a
/// package, a tsconfig `paths` alias) is kept per configuration that governs it instead, shared
/// by many folders. Lookups borrow their keys, so a known answer costs no allocation.
struct RunResolver {
    resolver: Resolver,
    /// By the folder's path bytes (hashing a `Path` walks its components).
    folders: std::sync::RwLock<ByFolder<Folder>>,
    bare: std::sync::RwLock<rustc_hash::FxHashMap<usize, Answers>>,
}

type Answers = rustc_hash::FxHashMap<String, Option<PathBuf>>;

/// A folder's answers to folder-relative specifiers, and the scope of its bare ones.
struct Folder {
    bare_scope: usize,
    answers: Answers,
}

impl RunResolver {
    fn resolve(&self, from: &Path, spec: &str) -> Option<PathBuf> {
        let dir = key(from.parent().unwrap_or(from));
        let relative = Resolver::is_folder_relative(spec);
        let scope = {
            let folders = self.folders.read().ok()?;
            match folders.get(dir) {
                Some(f) if relative => {
                    if let Some(known) = f.answers.get(spec) {
                        return known.clone();
                    }
                    None
                }
                Some(f) => Some(f.bare_scope),
                None => None,
            }
        };
        let scope = match scope {
            Some(s) => s,
            None => {
                let s = self.resolver.bare_scope(from);
                if let Ok(mut folders) = self.folders.write() {
                    folders.entry(dir.into()).or_insert_with(|| Folder {
                        bare_scope: s,
                        answers: Answers::default(),
                    });
                }
                s
            }
        };
        if !relative {
            if let Some(known) = self
                .bare
                .read()
                .ok()
                .and_then(|b| b.get(&scope).and_then(|a| a.get(spec).cloned()))
            {
                return known;
            }
        }
        let found = self.resolver.resolve(from, spec);
        if relative {
            if let Ok(mut folders) = self.folders.write() {
                if let Some(f) = folders.get_mut(dir) {
                    f.answers.insert(spec.to_string(), found.clone());
                }
            }
        } else if let Ok(mut bare) = self.bare.write() {
            bare.entry(scope)
                .or_default()
                .insert(spec.to_string(), found.clone());
        }
        found
    }
}

/// A cache keyed by a folder's path bytes.
type ByFolder<T> = rustc_hash::FxHashMap<Box<[u8]>, T>;

/// A path's bytes, as cache keys.
fn key(p: &Path) -> &[u8] {
    p.as_os_str().as_encoded_bytes()
}

/// The folder messages show paths relative to: the current folder when every file is inside
/// it, else the files' common folder.
fn project_root(files: impl Iterator<Item = PathBuf>) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let abs: Vec<PathBuf> = files.collect();
    if abs.iter().all(|p| p.starts_with(&cwd)) {
        return cwd;
    }
    common_ancestor(abs.into_iter()).unwrap_or(cwd)
}

fn common_ancestor(mut paths: impl Iterator<Item = PathBuf>) -> Option<PathBuf> {
    let first = paths.next()?;
    let mut common = first.parent()?.to_path_buf();
    for p in paths {
        while !p.starts_with(&common) {
            if !common.pop() {
                return None;
            }
        }
    }
    Some(common)
}

/// The path and OS error of a failed walk step (`ignore` wraps them in depth and path layers).
fn walk_error(err: &ignore::Error, root: &Path) -> IoError {
    fn message(err: &ignore::Error) -> String {
        match err {
            ignore::Error::Io(e) => e.to_string(),
            ignore::Error::WithPath { err, .. }
            | ignore::Error::WithDepth { err, .. }
            | ignore::Error::WithLineNumber { err, .. } => message(err),
            other => other.to_string(),
        }
    }
    fn path(err: &ignore::Error) -> Option<&Path> {
        match err {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                path(err)
            }
            _ => None,
        }
    }
    IoError {
        path: path(err).unwrap_or(root).to_path_buf(),
        error: message(err),
    }
}

/// Lints text with a rule set; the source type comes from the path (`.js` when unknown).
pub fn lint_text_with(path: &Path, text: &str, rules: &RuleSet) -> Vec<Diagnostic> {
    let source_type = SourceType::for_file(path);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analysis_threads_survive_a_panic_and_have_a_large_stack() {
        fn depth(n: u32) -> u32 {
            let pad = std::hint::black_box([0u8; 1024]);
            if n == 0 {
                u32::from(pad[0])
            } else {
                depth(n - 1) + 1
            }
        }
        let panicked: Option<()> = on_analysis_thread(|| panic!("an analysis that crashes"));
        assert_eq!(panicked, None);
        // 64 MB of frames: far past a default thread's 2 MB or 8 MB.
        assert_eq!(on_analysis_thread(|| depth(64 * 1024)), Some(64 * 1024));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        spawn_analysis(move || panic!("dropping {tx:?}"));
        assert!(rx.recv().is_err(), "a panicking job drops what it owns");
        let (tx, rx) = std::sync::mpsc::channel();
        spawn_analysis(move || tx.send(7).expect("receiver alive"));
        assert_eq!(rx.recv(), Ok(7));
        release_analysis_memory(|| {});
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

    /// A fresh folder under the system's temp dir, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("nodepit-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("temp dir");
            Self(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn rules_at(ws: &Workspace, path: &Path) -> Vec<(&'static str, Severity)> {
        let text = "const fs = require('fs');\nasync function save(x) { await db.put(x); }\nsave(1);\nfs.createReadStream('a').pipe(process.stdout);\n";
        let r = ws.lint_text(path, text.into()).expect("lints");
        r.diagnostics.iter().map(|d| (d.rule, d.severity)).collect()
    }

    #[test]
    fn text_linted_under_a_name_gets_that_paths_overrides_and_editor_levels_win() {
        let dir = TempDir::new("overrides");
        std::fs::write(
            dir.0.join(CONFIG_FILE),
            "[[overrides]]\nfiles = [\"test/**\"]\n[overrides.rules]\nno-floating-promise = \"off\"\nprefer-pipeline = \"off\"\n",
        )
        .expect("config");
        let ws = Workspace::new(Options::default()).expect("workspace");
        let pipe = ("prefer-pipeline", Severity::Warning);
        let float = ("no-floating-promise", Severity::Error);
        assert_eq!(rules_at(&ws, &dir.0.join("src/a.js")), vec![float, pipe]);
        assert_eq!(rules_at(&ws, &dir.0.join("test/a.js")), vec![]);
        assert_eq!(rules_at(&ws, &dir.0.join("src/../test/unit/a.js")), vec![]);
        // The editor's levels are laid over the config and its overrides.
        let ws = Workspace::new(Options {
            overrides: vec![("prefer-pipeline".into(), Level::Error)],
            ..Options::default()
        })
        .expect("workspace");
        assert_eq!(
            rules_at(&ws, &dir.0.join("test/a.js")),
            vec![("prefer-pipeline", Severity::Error)]
        );
    }

    #[test]
    fn re_export_webs_and_cycles_stay_cheap_and_answer() {
        // 40 barrels that all `export *` from each other: lookups must neither loop nor fan
        // out without end, and a name one of them really exports is still found.
        let dir = TempDir::new("export-web");
        let n = 40;
        for i in 0..n {
            let mut text: String = (0..n)
                .filter(|j| *j != i)
                .map(|j| format!("export * from './m{j}';\n"))
                .collect();
            if i == n - 1 {
                text.push_str("export async function save(x) { await fetch(x); }\n");
            }
            std::fs::write(dir.0.join(format!("m{i}.mjs")), text).expect("module");
        }
        std::fs::write(
            dir.0.join("main.mjs"),
            "import { save } from './m0.mjs';\nexport function run() {\n  save('http://x');\n}\n",
        )
        .expect("main");
        let ws = Workspace::new(Options::default()).expect("workspace");
        let (files, _) = ws
            .collect_files(std::slice::from_ref(&dir.0))
            .expect("files");
        let results = ws.lint_files(files).expect("lints");
        let main = results
            .iter()
            .find(|r| r.path.ends_with("main.mjs"))
            .expect("main linted");
        let rules: Vec<_> = main.diagnostics.iter().map(|d| d.rule).collect();
        assert_eq!(rules, vec!["no-floating-promise"], "{:?}", main.diagnostics);
    }

    #[test]
    fn absolute_paths_drop_dot_segments() {
        let cwd = std::env::current_dir().expect("cwd");
        assert_eq!(
            absolute_path(Path::new("./a/../b/./c.js")),
            cwd.join("b/c.js")
        );
        assert_eq!(absolute_path(Path::new("/x/y/../z")), PathBuf::from("/x/z"));
        // Spelled the same either way, through the fast path or the slow one.
        for p in ["/x/y/z.js", "/x//y/z.js", "/x/y/", "/x/./y", "/"] {
            let got = absolute_path(Path::new(p));
            assert_eq!(
                got.as_os_str(),
                got.components().collect::<PathBuf>().as_os_str(),
                "{p}"
            );
        }
        assert_eq!(absolute_path(Path::new("/x//y/")), PathBuf::from("/x/y"));
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
