//! A project session for long-running front ends (the language server): one folder's files,
//! summarised once and kept current as documents change, so an open document is linted with the
//! facts of every other file, as `nodepit check <folder>` lints it.
//!
//! Open documents override the disk (an overlay the resolver reads through too). Each file keeps
//! only its [`Summary`]; the linked [`Project`] is rebuilt lazily, when a summary changed since
//! the last link.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use nodepit_analyzer::project::{FileSystem, Project, Resolver};
use nodepit_analyzer::semantic::summary::Summary;
use nodepit_analyzer::semantic::SourceType;
use nodepit_analyzer::{lint_project_file, Config, Diagnostic, LintTimes, RuleSet};
use rayon::prelude::*;

use crate::{absolute_path, IoError, SetupError, Workspace, STACK_SIZE};

/// The files as the project sees them: open documents' text over the disk, and the source
/// files the walk found.
#[derive(Default)]
struct Overlay {
    docs: RwLock<HashMap<PathBuf, Arc<str>>>,
    /// Source files the folder's walk finds (config-ignored ones included, as `nodepit check`
    /// resolves imports): the only source files imports can name.
    sources: RwLock<HashSet<PathBuf>>,
}

impl Overlay {
    fn get(&self, path: &Path) -> Option<Arc<str>> {
        read(&self.docs).get(path).cloned()
    }

    fn is_source(&self, path: &Path) -> bool {
        read(&self.sources).contains(path)
    }
}

impl FileSystem for Overlay {
    fn is_file(&self, path: &Path) -> bool {
        // As in `nodepit check`: a gitignored build output is no module of the project, and
        // probing candidates costs no `stat`. Anything else (package.json) comes from the disk.
        if SourceType::from_path(path).is_some() {
            return self.is_source(path);
        }
        read(&self.docs).contains_key(path) || path.is_file()
    }

    fn read_to_string(&self, path: &Path) -> Option<String> {
        match self.get(path) {
            Some(text) => Some(text.to_string()),
            None => std::fs::read_to_string(path).ok(),
        }
    }
}

/// Every specifier a summary looked up, with the file it named.
type Resolved = Vec<(Box<str>, Option<PathBuf>)>;

/// A file of the project: its summary and how its specifiers resolved when it was made.
struct Entry {
    /// `None` when the file did not parse, is not UTF-8 or could not be read.
    summary: Option<Arc<Summary>>,
    /// Every specifier the summary looked up, with the file it named: when files appear or
    /// disappear, a changed resolution means the summary is out of date.
    resolved: Resolved,
}

/// The files of the project.
#[derive(Default)]
struct Files {
    map: HashMap<PathBuf, Entry>,
    /// Counts changes to summaries.
    generation: u64,
    /// Counts changes that alter what the project links to what (anything but byte ranges).
    facts: u64,
    /// Files whose summaries moved (only ranges changed), with the generation of the change.
    moved: HashMap<PathBuf, u64>,
}

/// How a file's summary changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Not at all.
    None,
    /// Only byte ranges moved (code was typed above a function): other files' findings can
    /// change only in their related locations inside this file.
    Ranges,
    /// Facts other files may depend on changed, or the file joined or left the project.
    Facts,
}

/// An open document linted as part of the project.
#[derive(Debug)]
pub struct Linted {
    /// Its findings, sorted by position, fixes included.
    pub diagnostics: Vec<Diagnostic>,
    /// How its summary differs from the one the project had: when it does, other files'
    /// findings may have changed too.
    pub change: Change,
}

/// A linked project, with the generation and fact count of the summaries it was linked from.
struct Linked {
    generation: u64,
    facts: u64,
    project: Arc<Project>,
}

/// One folder's project, kept current for a front end. Every method takes `&self` and is safe
/// to call from several threads.
pub struct Session {
    root: PathBuf,
    workspace: RwLock<Arc<Workspace>>,
    overlay: Arc<Overlay>,
    resolver: RwLock<Arc<Resolver>>,
    files: RwLock<Files>,
    /// The latest link; relinking holds this lock, so two threads asking at once link once.
    linked: Mutex<Option<Linked>>,
    /// No rules: summaries of files nobody has open need no findings.
    no_rules: RuleSet,
}

impl Session {
    /// A session for the folder `root`, with nothing loaded yet (see [`Session::load`]).
    pub fn new(root: &Path, workspace: Arc<Workspace>) -> Self {
        let overlay = Arc::new(Overlay::default());
        let no_rules = RuleSet::new(nodepit_rules::REGISTRY, &Config::default(), Some(&[]))
            .expect("an empty selection is valid");
        Self {
            root: absolute_path(root),
            workspace: RwLock::new(workspace),
            resolver: RwLock::new(Arc::new(Resolver::new(overlay.clone()))),
            overlay,
            files: RwLock::default(),
            linked: Mutex::new(None),
            no_rules,
        }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether `path` is inside the folder.
    pub fn contains(&self, path: &Path) -> bool {
        absolute_path(path).starts_with(&self.root)
    }

    /// Replaces the workspace (the editor's settings changed); configs are read again.
    pub fn set_workspace(&self, workspace: Arc<Workspace>) {
        *write(&self.workspace) = workspace;
    }

    fn workspace(&self) -> Arc<Workspace> {
        read(&self.workspace).clone()
    }

    fn resolver(&self) -> Arc<Resolver> {
        read(&self.resolver).clone()
    }

    /// How many files the project has.
    pub fn len(&self) -> usize {
        read(&self.files).map.len()
    }

    /// Whether the project has no file (not loaded, or an empty folder).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Walks the folder as `nodepit check` does (`.gitignore`, `node_modules`, the configs'
    /// `ignore`), summarises every file in parallel and replaces the project with the result.
    /// Call it again when `package.json`, `tsconfig.json` or `nodepit.toml` files change. Folders
    /// the walk cannot read come back; the rest is loaded.
    pub fn load(&self) -> Result<Vec<IoError>, SetupError> {
        let workspace = self.workspace();
        let (paths, errors) = workspace.collect_files(std::slice::from_ref(&self.root))?;
        let paths: Vec<PathBuf> = paths.iter().map(|p| absolute_path(p)).collect();
        *write(&self.overlay.sources) = paths.iter().cloned().collect();
        let mut resolver = Resolver::new(self.overlay.clone());
        // Searching a whole disk for package.json files would cost more than it could find.
        if self.root.components().count() > 2 {
            resolver.discover_packages(std::slice::from_ref(&self.root));
        }
        let resolver = Arc::new(resolver);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workspace.options.threads)
            .stack_size(STACK_SIZE)
            .build()
            .map_err(|e| SetupError::Rules(e.to_string()))?;
        let entries: Result<Vec<Option<(PathBuf, Entry)>>, SetupError> = pool.install(|| {
            paths
                .into_par_iter()
                .map(|path| {
                    if workspace.settings_for(&path)?.ignores(&path) {
                        return Ok(None);
                    }
                    let entry = self.summarize(&path, &resolver);
                    Ok(Some((path, entry)))
                })
                .collect()
        });
        let map = entries?.into_iter().flatten().collect();
        *write(&self.resolver) = resolver;
        let mut files = write(&self.files);
        files.map = map;
        files.generation += 1;
        files.facts += 1;
        Ok(errors)
    }

    /// Sets (`Some`) or drops (`None`) the editor's text of a file: while set, it is the file's
    /// content for every read. Summaries are not touched: see [`Session::update_file`].
    pub fn set_overlay(&self, path: &Path, text: Option<Arc<str>>) {
        let path = absolute_path(path);
        let mut docs = write(&self.overlay.docs);
        match text {
            Some(text) => docs.insert(path, text),
            None => docs.remove(&path),
        };
    }

    /// Reads a file again (the editor's text, else the disk) and updates its summary; a file
    /// no longer on disk leaves the project, a new one joins it when the folder's walk would
    /// find it. Returns whether the project changed.
    pub fn update_file(&self, path: &Path) -> bool {
        self.update_files(&[path.to_path_buf()])
    }

    /// Forgets a file (deleted). Returns whether the project changed.
    pub fn remove_file(&self, path: &Path) -> bool {
        let abs = absolute_path(path);
        let was_source = write(&self.overlay.sources).remove(&abs);
        let removed = self.forget(&abs);
        if !(removed || was_source) {
            return false;
        }
        self.reresolve() || removed
    }

    fn forget(&self, abs: &Path) -> bool {
        let mut files = write(&self.files);
        let removed = files.map.remove(abs).is_some();
        if removed {
            files.generation += 1;
            files.facts += 1;
        }
        removed
    }

    /// [`Session::update_file`] for a batch (the editor's file watcher reports several at
    /// once): files created, changed or deleted. When files appeared or disappeared, the other
    /// files whose imports now resolve differently are summarised again too.
    pub fn update_files(&self, paths: &[PathBuf]) -> bool {
        let workspace = self.workspace();
        let resolver = self.resolver();
        let mut changed = false;
        let mut membership = false;
        let mut listings = HashMap::new();
        for path in paths {
            let abs = absolute_path(path);
            if !abs.starts_with(&self.root) || SourceType::from_path(&abs).is_none() {
                continue;
            }
            // The disk decides, as for `nodepit check`: an unsaved new document is no file yet.
            if !abs.is_file() {
                let was_source = write(&self.overlay.sources).remove(&abs);
                let removed = self.forget(&abs);
                changed |= removed;
                membership |= removed || was_source;
                continue;
            }
            let known = read(&self.files).map.contains_key(&abs);
            if !known {
                if !self.overlay.is_source(&abs) {
                    if !walk_finds(&self.root, &abs, &mut listings) {
                        continue;
                    }
                    write(&self.overlay.sources).insert(abs.clone());
                    membership = true;
                }
                let ignored = workspace
                    .settings_for(&abs)
                    .map_or(true, |s| s.ignores(&abs));
                if ignored {
                    continue;
                }
            }
            let entry = crate::on_analysis_thread(|| self.summarize(&abs, &resolver));
            let Some(entry) = entry else { continue };
            membership |= !known;
            changed |= self.store(&abs, entry, true) != Change::None;
        }
        if membership {
            changed |= self.reresolve();
        }
        changed
    }

    /// Summarises again every file whose recorded specifiers now resolve to other files.
    fn reresolve(&self) -> bool {
        let resolver = self.resolver();
        // Copied out first: parallel work on an analysis thread may run another analysis there
        // while it waits, and that one may need to write the files.
        let recorded: Vec<(PathBuf, Resolved)> = read(&self.files)
            .map
            .iter()
            .map(|(path, entry)| (path.clone(), entry.resolved.clone()))
            .collect();
        let stale: Vec<PathBuf> = recorded
            .into_par_iter()
            .filter(|(path, resolved)| {
                resolved
                    .iter()
                    .any(|(spec, found)| resolver.resolve(path, spec) != *found)
            })
            .map(|(path, _)| path)
            .collect();
        let mut changed = false;
        for path in stale {
            if let Some(entry) = crate::on_analysis_thread(|| self.summarize(&path, &resolver)) {
                changed |= self.store(&path, entry, false) != Change::None;
            }
        }
        changed
    }

    /// Puts a file's entry in place and says how its summary changed. A file that is not in
    /// the project joins it only when `add` says so.
    fn store(&self, abs: &Path, entry: Entry, add: bool) -> Change {
        let mut files = write(&self.files);
        let change = match files.map.get_mut(abs) {
            Some(old) => {
                let change = if old.summary == entry.summary {
                    Change::None
                } else if same_facts(old.summary.as_deref(), entry.summary.as_deref()) {
                    Change::Ranges
                } else {
                    Change::Facts
                };
                *old = entry;
                change
            }
            None if add => {
                files.map.insert(abs.to_path_buf(), entry);
                Change::Facts
            }
            None => Change::None,
        };
        if change != Change::None {
            files.generation += 1;
        }
        match change {
            Change::Facts => files.facts += 1,
            Change::Ranges => {
                let generation = files.generation;
                files.moved.insert(abs.to_path_buf(), generation);
            }
            Change::None => {}
        }
        change
    }

    /// A file's summary from its current content (the editor's text, else the disk).
    fn summarize(&self, abs: &Path, resolver: &Resolver) -> Entry {
        let text = match self.overlay.get(abs) {
            Some(text) => Some(text),
            None => std::fs::read(abs)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .map(Arc::from),
        };
        let Some(text) = text else {
            return Entry {
                summary: None,
                resolved: Vec::new(),
            };
        };
        let (lint, resolved) = lint_in_project(abs, &text, &self.no_rules, resolver);
        Entry {
            summary: lint.summary,
            resolved,
        }
    }

    /// The project linked from the current summaries (linked again only when one changed).
    pub fn project(&self) -> Arc<Project> {
        self.linked(false).0
    }

    /// The linked project. With `moved_ok`, a link whose only difference from the current
    /// summaries is moved ranges is good enough, and comes with the files that moved: answers
    /// are the same except for locations inside those files.
    fn linked(&self, moved_ok: bool) -> (Arc<Project>, Vec<PathBuf>) {
        let mut linked = self.linked.lock().unwrap_or_else(PoisonError::into_inner);
        let (generation, facts, list) = {
            let files = read(&self.files);
            if let Some(l) = &*linked {
                if l.generation == files.generation {
                    return (l.project.clone(), Vec::new());
                }
                if moved_ok && l.facts == files.facts {
                    let moved = files
                        .moved
                        .iter()
                        .filter(|(_, g)| **g > l.generation)
                        .map(|(p, _)| p.clone())
                        .collect();
                    return (l.project.clone(), moved);
                }
            }
            let list: Vec<(PathBuf, Arc<Summary>)> = files
                .map
                .iter()
                .filter_map(|(p, e)| Some((p.clone(), e.summary.clone()?)))
                .collect();
            (files.generation, files.facts, list)
        };
        let project = Arc::new(Project::link(&self.root, list));
        *linked = Some(Linked {
            generation,
            facts,
            project: project.clone(),
        });
        write(&self.files).moved.retain(|_, g| *g > generation);
        (project, Vec::new())
    }

    /// Lints an open document's text as part of the project: its summary replaces the one the
    /// project had (when the file belongs to the project), the project is linked again when
    /// that changed it, and the questions its rules asked about other files are answered. A
    /// file its config ignores gets no findings, as in `nodepit check`. Runs on a large-stack
    /// thread; a crash inside becomes an error, never a panic.
    pub fn lint_open(&self, path: &Path, text: &str) -> Result<Linted, SetupError> {
        let workspace = self.workspace();
        let settings = workspace.settings_for(path)?;
        if settings.ignores(path) {
            return Ok(Linted {
                diagnostics: Vec::new(),
                change: Change::None,
            });
        }
        let rules = settings.rules_for(path)?;
        let abs = absolute_path(path);
        let resolver = self.resolver();
        crate::on_analysis_thread(|| {
            let (mut lint, resolved) = lint_in_project(&abs, text, &rules, &resolver);
            let entry = Entry {
                summary: lint.summary.take(),
                resolved,
            };
            let change = self.store(&abs, entry, false);
            // Relinking a large project takes longer than linting the document: while typing
            // only moves code, the last link answers every question the same way, except
            // where an answer points into a file that moved.
            let (project, moved) = self.linked(true);
            let mut diagnostics = lint.finish(&rules, |d| d.settle(&abs, &project));
            let points_into_moved = |d: &Diagnostic| {
                d.related
                    .iter()
                    .any(|r| r.path.as_ref().is_some_and(|p| moved.contains(p)))
            };
            if diagnostics.iter().any(points_into_moved) {
                let project = self.project();
                let (lint, _) = lint_in_project(&abs, text, &rules, &resolver);
                diagnostics = lint.finish(&rules, |d| d.settle(&abs, &project));
            }
            Linted {
                diagnostics,
                change,
            }
        })
        .ok_or_else(|| SetupError::Rules("linting thread crashed".into()))
    }
}

/// Whether the walk of the folder `root` finds `abs`: every folder on the way and the file
/// itself pass the ignore files (`.gitignore` and the like) and are not `node_modules`.
/// `listings` keeps each folder's walk for the next file.
fn walk_finds(root: &Path, abs: &Path, listings: &mut HashMap<PathBuf, HashSet<PathBuf>>) -> bool {
    let Ok(rel) = abs.strip_prefix(root) else {
        return false;
    };
    let mut dir = root.to_path_buf();
    for part in rel.components() {
        let child = dir.join(part);
        let listing = listings.entry(dir.clone()).or_insert_with(|| {
            ignore::WalkBuilder::new(&dir)
                .require_git(false)
                .max_depth(Some(1))
                .filter_entry(|e| e.file_name() != "node_modules")
                .build()
                .filter_map(Result::ok)
                .map(ignore::DirEntry::into_path)
                .collect()
        });
        if !listing.contains(&child) {
            return false;
        }
        dir = child;
    }
    true
}

/// Pass 1 of a file in the project, recording how each specifier resolved.
fn lint_in_project(
    abs: &Path,
    text: &str,
    rules: &RuleSet,
    resolver: &Resolver,
) -> (nodepit_analyzer::FileLint, Resolved) {
    let mut resolved = Vec::new();
    let mut resolve = |spec: &str| {
        let found = resolver.resolve(abs, spec);
        resolved.push((Box::from(spec), found.clone()));
        found
    };
    let dependency = |name: &str| resolver.dependency_version(abs, name);
    let lint = lint_project_file(
        text,
        crate::source_type_in(abs, resolver),
        rules,
        &mut LintTimes::default(),
        &mut resolve,
        &dependency,
    );
    (lint, resolved)
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

/// Whether two summaries say the same once byte ranges are set aside: the project links them
/// the same way, and only locations inside the file differ.
fn same_facts(a: Option<&Summary>, b: Option<&Summary>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => without_ranges(a) == without_ranges(b),
        _ => false,
    }
}

/// A summary with every byte range emptied. A range field added to [`Summary`] later and not
/// emptied here only makes moves count as fact changes (a relink), never the reverse.
fn without_ranges(s: &Summary) -> Summary {
    let mut s = s.clone();
    for f in &mut s.functions {
        f.range = 0..0;
        if let Some(o) = f.exported.as_mut().and_then(|e| e.returns_origin.as_mut()) {
            o.range = 0..0;
        }
    }
    for h in &mut s.handlers {
        h.2 = 0..0;
    }
    for r in &mut s.registrations {
        r.range = 0..0;
    }
    for c in &mut s.ext_calls {
        c.range = 0..0;
        for o in &mut c.arg_origins {
            o.range = 0..0;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Options;

    /// A fresh folder under the system's temp dir, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("nodepit-session-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("temp dir");
            Self(dir)
        }

        fn write(&self, name: &str, text: &str) -> PathBuf {
            let path = self.0.join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
            std::fs::write(&path, text).expect("write");
            path
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn workspace() -> Arc<Workspace> {
        Arc::new(Workspace::new(Options::default()).expect("workspace"))
    }

    fn lint(session: &Session, path: &Path) -> Linted {
        let text = std::fs::read_to_string(path).expect("read");
        session.lint_open(path, &text).expect("lints")
    }

    fn rules(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
        diagnostics.iter().map(|d| d.rule).collect()
    }

    const APP: &str = "const express = require('express');\nconst report = require('./controllers/report');\nconst app = express();\napp.get('/r', report.get);\n";
    const REPORT: &str = "const fs = require('fs');\nexports.get = (req, res) => {\n  res.send(fs.readFileSync('r.csv'));\n};\n";

    /// Every project fixture, linted file by file through a session, gives exactly what
    /// `nodepit check` gives for the folder.
    #[test]
    fn open_documents_get_the_findings_of_a_whole_run() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut folders: Vec<PathBuf> = std::fs::read_dir(&fixtures)
            .expect("fixtures")
            .flatten()
            .flat_map(|rule| {
                std::fs::read_dir(rule.path())
                    .into_iter()
                    .flatten()
                    .flatten()
            })
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        folders.sort();
        assert!(folders.len() > 20, "{folders:?}");
        let mut findings = 0;
        for folder in folders {
            let ws = workspace();
            let (files, _) = ws
                .collect_files(std::slice::from_ref(&folder))
                .expect("walk");
            // The run shows paths relative to the files' common folder (the tests run elsewhere).
            let root = crate::common_ancestor(files.iter().map(|p| absolute_path(p)))
                .expect("a common folder");
            let expected = ws.lint_files(files.clone()).expect("run");
            let session = Session::new(&root, ws.clone());
            session.load().expect("load");
            for result in expected {
                let linted = lint(&session, &result.path);
                assert_eq!(
                    linted.diagnostics,
                    result.diagnostics,
                    "{}",
                    result.path.display()
                );
                assert_eq!(linted.change, Change::None, "{}", result.path.display());
                findings += result.diagnostics.len();
            }
        }
        assert!(findings > 40, "{findings}");
    }

    #[test]
    fn edits_of_one_file_change_the_findings_of_another() {
        let dir = TempDir::new("edits");
        let app = dir.write("app.js", APP);
        let report = dir.write("controllers/report.js", REPORT);
        let session = Session::new(&dir.0, workspace());
        session.load().expect("load");
        assert_eq!(session.len(), 2);
        let found = lint(&session, &report).diagnostics;
        assert_eq!(rules(&found), vec!["no-sync-in-handler"]);
        assert_eq!(found[0].related[0].path.as_deref(), Some(app.as_path()));
        assert_eq!(
            found[0].related[0].range.start,
            APP.find("app.get").expect("route")
        );

        // Typing above the route only moves it: the related location follows.
        let moved = format!("// routes\n{APP}");
        let linted = session.lint_open(&app, &moved).expect("lints");
        assert_eq!(linted.change, Change::Ranges);
        let found = lint(&session, &report).diagnostics;
        assert_eq!(
            found[0].related[0].range.start,
            moved.find("app.get").expect("route")
        );

        // Unregistering the route is a change of facts, and the finding goes.
        let unregistered = APP.replace("app.get('/r', report.get);\n", "");
        let linted = session.lint_open(&app, &unregistered).expect("lints");
        assert_eq!(linted.change, Change::Facts);
        assert_eq!(
            rules(&lint(&session, &report).diagnostics),
            Vec::<&str>::new()
        );

        // The editor's text of a document stays what re-reading the file gives, until dropped.
        session.set_overlay(&app, Some(Arc::from(unregistered.as_str())));
        assert!(!session.update_file(&app));
        session.set_overlay(&app, None);
        assert!(session.update_file(&app));
        assert_eq!(
            rules(&lint(&session, &report).diagnostics),
            vec!["no-sync-in-handler"]
        );
    }

    #[test]
    fn files_created_and_deleted_on_disk_join_and_leave() {
        let dir = TempDir::new("created");
        dir.write(".gitignore", "dist/\n");
        let report = dir.write("controllers/report.js", REPORT);
        let session = Session::new(&dir.0, workspace());
        session.load().expect("load");
        assert!(lint(&session, &report).diagnostics.is_empty());

        // A build output the walk ignores does not join.
        let built = dir.write(
            "dist/app.js",
            APP.replace("./controllers", "../controllers").as_str(),
        );
        assert!(!session.update_file(&built));
        assert!(lint(&session, &report).diagnostics.is_empty());

        // A new source file does, and an import of it written before it existed now resolves.
        let index = dir.write(
            "index.js",
            "const express = require('express');\nconst routes = require('./routes');\nconst app = express();\napp.get('/r', routes.report);\n",
        );
        assert!(session.update_file(&index));
        assert!(lint(&session, &report).diagnostics.is_empty());
        let routes = dir.write(
            "routes.js",
            "exports.report = require('./controllers/report').get;\n",
        );
        assert!(session.update_files(std::slice::from_ref(&routes)));
        assert_eq!(
            rules(&lint(&session, &report).diagnostics),
            vec!["no-sync-in-handler"]
        );

        std::fs::remove_file(&routes).expect("delete");
        assert!(session.update_file(&routes));
        assert!(lint(&session, &report).diagnostics.is_empty());
        assert!(session.remove_file(&index));
        assert!(!session.remove_file(&index));
        assert_eq!(session.len(), 1);
    }

    /// Whatever the input, the session answers: broken and binary text, deep nesting, files
    /// outside the folder or nowhere on disk.
    #[test]
    fn never_panics() {
        let dir = TempDir::new("garbage");
        dir.write("app.js", APP);
        let session = Session::new(&dir.0, workspace());
        session.load().expect("load");
        let deep = format!("const x = {}1{};", "(".repeat(20_000), ")".repeat(20_000));
        for text in ["const a = ;", "\u{0}\u{1}\u{fffd}(((", "", deep.as_str()] {
            session
                .lint_open(&dir.0.join("app.js"), text)
                .expect("lints");
            session
                .lint_open(&dir.0.join("new/unsaved.ts"), text)
                .expect("lints");
            session
                .lint_open(Path::new("/elsewhere/x.mjs"), text)
                .expect("lints");
        }
        assert!(!session.update_file(Path::new("/elsewhere/x.mjs")));
        assert!(!session.update_file(&dir.0.join("missing.js")));
        assert!(!session.remove_file(&dir.0.join("missing.js")));
        let empty = Session::new(&dir.0.join("missing-folder"), workspace());
        assert!(empty.load().is_err());
        assert!(empty
            .lint_open(&dir.0.join("missing-folder/a.js"), APP)
            .is_ok());
    }
}
