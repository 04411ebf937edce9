//! The protocol handlers.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use nodepit_analyzer::semantic::{LineIndex, SourceType};
use nodepit_analyzer::{Diagnostic, Severity, INTERNAL_ERROR, UNUSED_SUPPRESSION};
use nodepit_workspace::{absolute_path, Change, Options, SetupError, Workspace};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::actions::{self, EXPLAIN, RUN_DEMO};
use crate::demo;
use crate::docs;
use crate::document::{offset, range, Document, Encoding};
use crate::folders::{AfterLoad, Folder, Folders};
use crate::settings::Settings;

/// How long a burst of keystrokes may settle before analysis starts; `NODEPIT_LSP_DEBOUNCE_MS`
/// overrides it (the latency benchmark sets 0 to time analysis alone).
fn debounce() -> Duration {
    static DEBOUNCE: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *DEBOUNCE.get_or_init(|| {
        let ms = std::env::var("NODEPIT_LSP_DEBOUNCE_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(15);
        Duration::from_millis(ms)
    })
}

/// How long changes to one file may settle before the other open documents its facts reach
/// are linted again: longer than a keystroke's debounce, so typing re-lints them once a pause.
fn relint_delay() -> Duration {
    debounce().max(Duration::from_millis(40))
}

/// Shared server state.
struct State {
    docs: Mutex<HashMap<Uri, Document>>,
    workspace: RwLock<Arc<Workspace>>,
    settings: RwLock<Settings>,
    encoding: RwLock<Encoding>,
    /// The client pulls diagnostics (`textDocument/diagnostic`), so none are pushed.
    pull: RwLock<bool>,
    docs_dir: RwLock<Option<PathBuf>>,
    roots: RwLock<Vec<PathBuf>>,
    shown_errors: Mutex<HashSet<String>>,
    /// The workspace folders, each with its project.
    folders: Folders,
    /// The client shows `window/workDoneProgress`.
    progress: RwLock<bool>,
    /// Numbers progress tokens.
    progress_tokens: AtomicU64,
    /// The client opens documents the server asks it to (`window/showDocument`).
    show_document: RwLock<bool>,
    /// Held from the last check that findings are current until they are sent, so findings
    /// made stale by another file's change never reach the client after fresher ones.
    publishing: tokio::sync::Mutex<()>,
}

/// The language server.
pub struct Backend {
    client: Client,
    state: Arc<State>,
}

impl Backend {
    /// A server talking to `client`.
    pub fn new(client: Client) -> Self {
        let workspace = Workspace::new(Options::default()).expect("default options are valid");
        Self {
            client,
            state: Arc::new(State {
                docs: Mutex::new(HashMap::new()),
                workspace: RwLock::new(Arc::new(workspace)),
                settings: RwLock::new(Settings::default()),
                encoding: RwLock::new(Encoding::Utf16),
                pull: RwLock::new(false),
                docs_dir: RwLock::new(None),
                roots: RwLock::new(Vec::new()),
                shown_errors: Mutex::new(HashSet::new()),
                folders: Folders::default(),
                progress: RwLock::new(false),
                progress_tokens: AtomicU64::new(0),
                show_document: RwLock::new(false),
                publishing: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Another handle on the same server, for tasks.
    fn handle(&self) -> Self {
        Self {
            client: self.client.clone(),
            state: self.state.clone(),
        }
    }

    fn encoding(&self) -> Encoding {
        *self.state.encoding.read().expect("lock")
    }

    fn pull(&self) -> bool {
        *self.state.pull.read().expect("lock")
    }

    fn enabled(&self) -> bool {
        self.state.settings.read().expect("lock").enable
    }

    /// The path a document is linted as: its file, or an untitled name in the first root.
    fn path_of(&self, uri: &Uri, language: &str) -> PathBuf {
        if let Some(p) = uri.to_file_path() {
            return p.into_owned();
        }
        let ext = match language {
            "typescript" => "ts",
            "typescriptreact" => "tsx",
            "javascriptreact" => "jsx",
            _ => "js",
        };
        let root = self
            .state
            .roots
            .read()
            .expect("lock")
            .first()
            .cloned()
            .unwrap_or_else(std::env::temp_dir);
        root.join(format!("untitled.{ext}"))
    }

    fn apply_settings(&self, value: &serde_json::Value) -> Vec<String> {
        let (settings, warnings) = Settings::from_json(value);
        let overrides = settings.overrides();
        *self.state.settings.write().expect("lock") = settings;
        self.rebuild_workspace(overrides);
        warnings
    }

    fn rebuild_workspace(&self, overrides: Vec<(String, nodepit_analyzer::Level)>) {
        let workspace = Workspace::new(Options {
            overrides,
            ..Options::default()
        })
        .expect("no selection");
        let workspace = Arc::new(workspace);
        for folder in self.state.folders.all() {
            folder.session.set_workspace(workspace.clone());
        }
        *self.state.workspace.write().expect("lock") = workspace;
        self.state.shown_errors.lock().expect("lock").clear();
    }

    /// The folder whose project a document is linted with (none for untitled documents and
    /// files outside every folder).
    fn folder_of(&self, uri: &Uri) -> Option<Arc<Folder>> {
        let path = uri.to_file_path()?;
        self.state.folders.for_path(&path)
    }

    /// Tells a document's project its editor text (or that the disk is its content again).
    fn set_overlay(&self, uri: &Uri, text: Option<&str>) {
        let (Some(folder), Some(path)) = (self.folder_of(uri), uri.to_file_path()) else {
            return;
        };
        folder.session.set_overlay(&path, text.map(Arc::from));
    }

    /// Reads files of a folder again (created, changed or deleted on disk, or closed) off the
    /// protocol loop, and lints the open documents again when the project changed. While the
    /// project is being built, they are read once the build is done, so no change is lost.
    fn update_files(&self, folder: Arc<Folder>, paths: Vec<PathBuf>) {
        let Some(paths) = folder.defer_changes(paths) else {
            return;
        };
        let this = self.handle();
        tokio::spawn(async move {
            let f = folder.clone();
            let changed = analysis(move || f.session.update_files(&paths))
                .await
                .unwrap_or(false);
            if changed {
                this.relint_folder(&folder, relint_delay(), |_, _| true);
            }
        });
    }

    /// Adds a workspace folder and builds its project in the background.
    fn add_folder(&self, root: &Path) {
        let workspace = self.state.workspace.read().expect("lock").clone();
        if let Some(folder) = self.state.folders.add(root, workspace) {
            self.load_folder(folder);
        }
    }

    /// (Re)builds a folder's project off the protocol loop, reporting progress when the client
    /// shows it. Documents are linted alone until the first build is done, then linted again.
    fn load_folder(&self, folder: Arc<Folder>) {
        if !folder.begin_load() {
            return;
        }
        let this = self.handle();
        tokio::spawn(async move {
            let progress = this.begin_progress(&folder).await;
            let changed = loop {
                let mut loaded = false;
                let f = folder.clone();
                match analysis(move || f.session.load()).await {
                    Ok(Ok(errors)) => {
                        loaded = true;
                        for e in errors {
                            this.client
                                .log_message(MessageType::WARNING, format!("nodepit: {e}"))
                                .await;
                        }
                    }
                    Ok(Err(e)) => this.report_setup_error(e).await,
                    Err(e) => {
                        let root = folder.session.root().display().to_string();
                        this.client
                            .log_message(
                                MessageType::ERROR,
                                format!("nodepit: building the project of {root} failed: {e}"),
                            )
                            .await;
                    }
                }
                match folder.end_load(loaded) {
                    AfterLoad::Again => continue,
                    AfterLoad::Done(changed) if loaded => break Some(changed),
                    AfterLoad::Done(_) => break None,
                }
            };
            if let Some(progress) = progress {
                let files = folder.session.len();
                progress.finish_with_message(format!("{files} files")).await;
            }
            let Some(changed) = changed else { return };
            if !changed.is_empty() {
                let f = folder.clone();
                let _ = analysis(move || f.session.update_files(&changed)).await;
            }
            this.relint_folder(&folder, Duration::ZERO, |_, _| true);
        });
    }

    /// Starts a progress report for a folder's build, when the client shows them.
    async fn begin_progress(
        &self,
        folder: &Folder,
    ) -> Option<
        tower_lsp_server::OngoingProgress<
            tower_lsp_server::Unbounded,
            tower_lsp_server::NotCancellable,
        >,
    > {
        if !*self.state.progress.read().expect("lock") {
            return None;
        }
        let n = self.state.progress_tokens.fetch_add(1, Ordering::Relaxed);
        let token = ProgressToken::String(format!("nodepit/project/{n}"));
        self.client
            .create_work_done_progress(token.clone())
            .await
            .ok()?;
        let name = folder.session.root().file_name().map_or_else(
            || folder.session.root().display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Some(
            self.client
                .progress(token, "nodepit")
                .with_message(format!("Building the project model of {name}"))
                .begin()
                .await,
        )
    }

    /// Marks the open documents of `folder` that `affected` selects as out of date, and lints
    /// them again after `delay` (unless another request for the folder comes meanwhile, which
    /// then does it). Pull clients are asked to pull again instead.
    fn relint_folder(
        &self,
        folder: &Arc<Folder>,
        delay: Duration,
        affected: impl Fn(&Uri, &Document) -> bool,
    ) {
        let any = {
            let mut docs = self.state.docs.lock().expect("lock");
            let mut any = false;
            for (uri, doc) in docs.iter_mut() {
                let mine = self.folder_of(uri).is_some_and(|f| Arc::ptr_eq(&f, folder));
                if mine && affected(uri, doc) {
                    doc.invalidate();
                    any = true;
                }
            }
            any
        };
        if !any {
            return;
        }
        let ticket = folder.relint.fetch_add(1, Ordering::AcqRel) + 1;
        let this = self.handle();
        let folder = folder.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            if folder.relint.load(Ordering::Acquire) != ticket {
                return;
            }
            if this.pull() {
                let _ = this.client.workspace_diagnostic_refresh().await;
                return;
            }
            let stale: Vec<(Uri, i32)> = {
                let docs = this.state.docs.lock().expect("lock");
                docs.iter()
                    .filter(|(_, d)| d.current().is_none())
                    .filter(|(u, _)| this.folder_of(u).is_some_and(|f| Arc::ptr_eq(&f, &folder)))
                    .map(|(u, d)| (u.clone(), d.version))
                    .collect()
            };
            for (uri, version) in stale {
                this.publish(uri, version, true).await;
            }
        });
    }

    /// After a document was linted: when its summary changed, the other open documents of its
    /// folder whose findings may depend on it are linted again.
    fn relint_dependents(&self, folder: &Arc<Folder>, uri: &Uri, path: &Path, change: Change) {
        let path = absolute_path(path);
        let points_into = |d: &Document| {
            d.latest().is_some_and(|found| {
                found.iter().any(|x| {
                    x.related
                        .iter()
                        .any(|r| r.path.as_deref() == Some(path.as_path()))
                })
            })
        };
        match change {
            Change::None => {}
            Change::Facts => self.relint_folder(folder, relint_delay(), |u, _| u != uri),
            // Only locations inside the file moved: only findings pointing into it change.
            Change::Ranges => {
                self.relint_folder(folder, relint_delay(), |u, d| u != uri && points_into(d))
            }
        }
    }

    /// Analyses the document's current version off the protocol loop: with its folder's
    /// project once that is built, else alone. Returns `None` when the document changed
    /// meanwhile or the analysis failed (the previous results then stay).
    async fn analyze(&self, uri: &Uri) -> Option<(i32, Arc<Vec<Diagnostic>>)> {
        self.analyze_epoch(uri).await.map(|(v, _, d)| (v, d))
    }

    /// [`Backend::analyze`], with the epoch the findings are for.
    async fn analyze_epoch(&self, uri: &Uri) -> Option<(i32, u64, Arc<Vec<Diagnostic>>)> {
        let (text, version, epoch, path) = {
            let docs = self.state.docs.lock().expect("lock");
            let doc = docs.get(uri)?;
            if let Some(done) = doc.current() {
                return Some((doc.version, doc.epoch, done));
            }
            (
                doc.text.clone(),
                doc.version,
                doc.epoch,
                self.path_of(uri, &doc.language),
            )
        };
        if !self.enabled() {
            return Some((version, epoch, Arc::new(Vec::new())));
        }
        let workspace = self.state.workspace.read().expect("lock").clone();
        let folder = self.folder_of(uri).filter(|f| f.is_ready());
        let in_project = folder.clone();
        let linted_path = path.clone();
        let job = analysis(move || {
            let path = linted_path;
            // A file the config's `ignore` excludes gets no findings here either, as in `check`.
            if workspace.is_ignored(&path)? {
                return Ok(None);
            }
            match in_project {
                Some(folder) => folder
                    .session
                    .lint_open(&path, &text)
                    .map(|l| Some((l.diagnostics, l.change))),
                None => workspace
                    .lint_text(&path, text.as_str().to_owned())
                    .map(|r| Some((r.diagnostics, Change::None))),
            }
        });
        let (diagnostics, change) = match job.await {
            Ok(Ok(Some(result))) => result,
            Ok(Ok(None)) => (Vec::new(), Change::None),
            Ok(Err(e)) => {
                self.report_setup_error(e).await;
                return None;
            }
            Err(e) => {
                self.client
                    .log_message(
                        MessageType::ERROR,
                        format!("nodepit: analysis of {} failed: {e}", uri.as_str()),
                    )
                    .await;
                return None;
            }
        };
        if let Some(folder) = &folder {
            self.relint_dependents(folder, uri, &path, change);
        }
        let crashed: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.rule == INTERNAL_ERROR)
            .map(|d| d.message.clone())
            .collect();
        if !crashed.is_empty() {
            // Keep what the document showed before rather than half an analysis.
            for message in crashed {
                self.client
                    .log_message(
                        MessageType::ERROR,
                        format!("nodepit: {}: {message}", uri.as_str()),
                    )
                    .await;
            }
            return None;
        }
        let diagnostics = Arc::new(diagnostics);
        let mut docs = self.state.docs.lock().expect("lock");
        let doc = docs.get_mut(uri)?;
        if doc.version != version {
            return None;
        }
        // Findings from before another file changed still answer a hover; they are not kept.
        if doc.epoch == epoch {
            doc.analysis = Some((version, epoch, diagnostics.clone()));
        }
        Some((version, epoch, diagnostics))
    }

    async fn report_setup_error(&self, e: SetupError) {
        let message = format!("nodepit: {e}");
        let first = self
            .state
            .shown_errors
            .lock()
            .expect("lock")
            .insert(message.clone());
        self.client.log_message(MessageType::ERROR, &message).await;
        if first {
            self.client.show_message(MessageType::ERROR, &message).await;
        }
    }

    /// Debounces, analyses and pushes diagnostics for one version of a document.
    fn schedule(&self, uri: Uri, version: i32) {
        if self.pull() {
            return;
        }
        let this = self.handle();
        tokio::spawn(async move {
            tokio::time::sleep(debounce()).await;
            this.publish(uri, version, false).await;
        });
    }

    /// Analyses and pushes diagnostics for one version of a document, unless it changed
    /// (or other files did) before the findings were ready: a newer run publishes then. When
    /// `quiet` (another file changed), findings the client already shows are not sent again.
    async fn publish(&self, uri: Uri, version: i32, quiet: bool) {
        if self.version_of(&uri).map(|(v, _)| v) != Some(version) {
            return;
        }
        let Some((v, epoch, diagnostics)) = self.analyze_epoch(&uri).await else {
            return;
        };
        let _publishing = self.state.publishing.lock().await;
        if v != version || self.version_of(&uri) != Some((version, epoch)) {
            return;
        }
        let items = self.to_lsp_all(&uri, &diagnostics);
        {
            let mut docs = self.state.docs.lock().expect("lock");
            let Some(doc) = docs.get_mut(&uri) else {
                return;
            };
            // Two runs for the same version and epoch (a keystroke's and a re-lint's) found the
            // same: the client hears it once.
            let shown = doc
                .published
                .as_ref()
                .is_some_and(|(v, e, p)| *v == version && (*e == epoch || quiet && *p == items));
            if shown {
                return;
            }
            doc.published = Some((version, epoch, items.clone()));
        }
        self.client
            .publish_diagnostics(uri, items, Some(version))
            .await;
    }

    /// A document's version and epoch.
    fn version_of(&self, uri: &Uri) -> Option<(i32, u64)> {
        self.state
            .docs
            .lock()
            .expect("lock")
            .get(uri)
            .map(|d| (d.version, d.epoch))
    }

    fn relint_all(&self) {
        let open: Vec<(Uri, i32)> = {
            let mut docs = self.state.docs.lock().expect("lock");
            docs.iter_mut()
                .map(|(u, d)| {
                    d.invalidate();
                    (u.clone(), d.version)
                })
                .collect()
        };
        if self.pull() {
            let client = self.client.clone();
            tokio::spawn(async move {
                let _ = client.workspace_diagnostic_refresh().await;
            });
            return;
        }
        for (uri, version) in open {
            self.schedule(uri, version);
        }
    }

    fn to_lsp_all(
        &self,
        uri: &Uri,
        diagnostics: &[Diagnostic],
    ) -> Vec<tower_lsp_server::ls_types::Diagnostic> {
        let docs = self.state.docs.lock().expect("lock");
        let Some(doc) = docs.get(uri) else {
            return Vec::new();
        };
        let mut others = OtherFiles::new(&docs);
        diagnostics
            .iter()
            .map(|d| self.to_lsp(uri, doc, d, &mut others))
            .collect()
    }

    fn doc_link(&self, rule: &str) -> Option<Uri> {
        let base = self
            .state
            .settings
            .read()
            .expect("lock")
            .docs_base_url
            .clone();
        let dir = self.state.docs_dir.read().expect("lock").clone();
        docs::doc_uri(rule, dir.as_deref(), base.as_deref())
    }

    fn to_lsp(
        &self,
        uri: &Uri,
        doc: &Document,
        d: &Diagnostic,
        others: &mut OtherFiles<'_>,
    ) -> tower_lsp_server::ls_types::Diagnostic {
        let enc = self.encoding();
        let has_doc = docs::meta(d.rule).is_some();
        let (severity, tags) = if d.rule == UNUSED_SUPPRESSION {
            (
                DiagnosticSeverity::HINT,
                Some(vec![DiagnosticTag::UNNECESSARY]),
            )
        } else {
            let s = match d.severity {
                Severity::Error => DiagnosticSeverity::ERROR,
                Severity::Warning => DiagnosticSeverity::WARNING,
                Severity::Note => DiagnosticSeverity::INFORMATION,
            };
            (s, None)
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push('\n');
            message.push_str(help);
        }
        let own = uri.to_file_path().map(|p| absolute_path(&p));
        let related: Vec<DiagnosticRelatedInformation> = d
            .related
            .iter()
            .filter_map(|r| {
                let location = match &r.path {
                    Some(path) if own.as_deref() != Some(path.as_path()) => {
                        // Another file: its open text, else the disk; left out when unreadable.
                        let (other, text, index) = others.get(path)?;
                        Location::new(other, range(&text, &index, &r.range, enc))
                    }
                    _ => Location::new(uri.clone(), range(&doc.text, &doc.index, &r.range, enc)),
                };
                Some(DiagnosticRelatedInformation {
                    location,
                    message: r.message.clone(),
                })
            })
            .collect();
        let related = (!related.is_empty()).then_some(related);
        tower_lsp_server::ls_types::Diagnostic {
            range: range(&doc.text, &doc.index, &d.range, enc),
            severity: Some(severity),
            code: Some(NumberOrString::String(d.rule.to_string())),
            code_description: if has_doc {
                self.doc_link(d.rule).map(|href| CodeDescription { href })
            } else {
                None
            },
            source: Some("nodepit".to_string()),
            message,
            related_information: related,
            tags,
            data: None,
        }
    }
}

impl Backend {
    /// `nodepit.runDemo <rule>`: answers at once and runs the demo in the background, so the
    /// protocol loop never waits on Node.
    fn run_demo(&self, params: &ExecuteCommandParams) -> Result<Option<LSPAny>> {
        let Some(rule) = params
            .arguments
            .first()
            .and_then(|a| a.as_str())
            .and_then(nodepit_rules::find)
        else {
            return Err(Error::invalid_params("expected a rule id"));
        };
        let Some(program) = rule.meta.demo() else {
            return Err(Error::invalid_params(format!(
                "{} has no demonstration",
                rule.meta.id
            )));
        };
        let (id, this) = (rule.meta.id, self.handle());
        tokio::spawn(async move { this.demonstrate(id, program).await });
        Ok(None)
    }

    async fn demonstrate(&self, id: &'static str, program: &'static str) {
        let file = match demo::write(id, program) {
            Ok(file) => file,
            Err(e) => {
                let msg = format!("nodepit: cannot write the demonstration of {id}: {e}");
                self.client.show_message(MessageType::ERROR, msg).await;
                return;
            }
        };
        let progress = if *self.state.progress.read().expect("lock") {
            let n = self.state.progress_tokens.fetch_add(1, Ordering::Relaxed);
            let token = ProgressToken::String(format!("nodepit/demo/{n}"));
            match self.client.create_work_done_progress(token.clone()).await {
                Ok(()) => Some(
                    self.client
                        .progress(token, "nodepit")
                        .with_message(format!("Running the demonstration of {id} with Node"))
                        .begin()
                        .await,
                ),
                Err(_) => None,
            }
        } else {
            None
        };
        let run_file = file.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            demo::run(Path::new("node"), &run_file, demo::TIMEOUT)
        })
        .await
        .unwrap_or_else(|e| demo::Outcome::NoNode(format!("the run failed: {e}")));
        let (kind, message) = match &outcome {
            demo::Outcome::NoNode(why) => (
                MessageType::WARNING,
                format!(
                    "nodepit: cannot run the demonstration of {id}: {why}. Install Node.js, or run it yourself: node {}",
                    file.display()
                ),
            ),
            demo::Outcome::Ran {
                version,
                code,
                timed_out,
                stdout,
                stderr,
            } => {
                let mut log = format!(
                    "nodepit: the demonstration of {id} ({}) on Node {version}, exit code {}\n{stdout}",
                    file.display(),
                    code.map_or_else(|| "none (killed)".to_string(), |c| c.to_string())
                );
                if !stderr.is_empty() {
                    log.push_str(&format!("stderr:\n{stderr}"));
                }
                self.client.log_message(MessageType::INFO, log).await;
                let verdict = outcome.verdict().unwrap_or("(no output)");
                let kind = if *code == Some(0) {
                    MessageType::INFO
                } else {
                    MessageType::WARNING
                };
                let head = if *timed_out {
                    format!("stopped after {} s; last line: ", demo::TIMEOUT.as_secs())
                } else {
                    String::new()
                };
                (kind, format!("{id} on Node {version}: {head}{verdict}"))
            }
        };
        if let Some(progress) = progress {
            progress.finish_with_message("done").await;
        }
        self.client.show_message(kind, message).await;
        if *self.state.show_document.read().expect("lock") {
            if let Some(uri) = Uri::from_file_path(&file) {
                let _ = self
                    .client
                    .show_document(ShowDocumentParams {
                        uri,
                        external: Some(false),
                        take_focus: Some(false),
                        selection: None,
                    })
                    .await;
            }
        }
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let caps = &params.capabilities;
        let utf8 = caps
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|encs| encs.contains(&PositionEncodingKind::UTF8));
        *self.state.encoding.write().expect("lock") = if utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        // Pull only from clients that can also be told to pull again (after a config change);
        // others, Neovim among them, would show stale findings until the next edit.
        let pull = caps
            .text_document
            .as_ref()
            .and_then(|t| t.diagnostic.as_ref())
            .is_some()
            && caps
                .workspace
                .as_ref()
                .and_then(|w| w.diagnostics.as_ref())
                .and_then(|d| d.refresh_support)
                .unwrap_or(false);
        *self.state.pull.write().expect("lock") = pull;
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| f.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
        // `rootUri` is the one folder of clients that know no workspace folders.
        #[allow(deprecated)]
        if let Some(root) = params.root_uri.as_ref().and_then(|u| u.to_file_path()) {
            if roots.is_empty() {
                roots.push(root.into_owned());
            }
        }
        let mut seen = HashSet::new();
        roots.retain(|r| seen.insert(absolute_path(r)));
        *self.state.roots.write().expect("lock") = roots;
        *self.state.progress.write().expect("lock") = caps
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false);
        *self.state.show_document.write().expect("lock") = caps
            .window
            .as_ref()
            .and_then(|w| w.show_document.as_ref())
            .is_some_and(|s| s.support);
        let warnings = match &params.initialization_options {
            Some(value) => self.apply_settings(value),
            None => Vec::new(),
        };
        let dir = tokio::task::spawn_blocking(docs::write_local_docs)
            .await
            .ok()
            .flatten();
        *self.state.docs_dir.write().expect("lock") = dir;
        for w in warnings {
            self.client.log_message(MessageType::WARNING, w).await;
        }
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "nodepit".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(if utf8 {
                    PositionEncodingKind::UTF8
                } else {
                    PositionEncodingKind::UTF16
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        // Saved text is the disk's again: the project reads it from there.
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..Default::default()
                    },
                )),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::new("source.fixAll.nodepit"),
                        ]),
                        ..Default::default()
                    },
                )),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![EXPLAIN.to_string(), RUN_DEMO.to_string()],
                    ..Default::default()
                }),
                diagnostic_provider: pull.then(|| {
                    DiagnosticServerCapabilities::Options(DiagnosticOptions {
                        identifier: Some("nodepit".to_string()),
                        inter_file_dependencies: false,
                        workspace_diagnostics: false,
                        ..Default::default()
                    })
                }),
                ..Default::default()
            },
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let roots = self.state.roots.read().expect("lock").clone();
        for root in roots {
            self.add_folder(&root);
        }
        // Configs, the files of the projects, and what decides how their imports resolve.
        let watchers = [
            "**/nodepit.toml",
            "**/*.{js,mjs,cjs,jsx,ts,mts,cts,tsx}",
            "**/package.json",
            "**/{tsconfig,jsconfig}*.json",
        ]
        .into_iter()
        .map(|glob| FileSystemWatcher {
            glob_pattern: GlobPattern::String(glob.to_string()),
            kind: None,
        })
        .collect();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = Registration {
            id: "nodepit-config-watcher".to_string(),
            method: "workspace/didChangeWatchedFiles".to_string(),
            register_options: serde_json::to_value(options).ok(),
        };
        // Clients without dynamic registration answer with an error; config then reloads on reopen.
        // Not awaited here: notifications are handled in order, and a client slow to answer
        // must not hold up the documents it opens next.
        let client = self.client.clone();
        tokio::spawn(async move {
            let _ = client.register_capability(vec![registration]).await;
        });
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let version = doc.version;
        self.set_overlay(&doc.uri, Some(&doc.text));
        self.state.docs.lock().expect("lock").insert(
            doc.uri.clone(),
            Document::new(doc.text, version, doc.language_id),
        );
        self.schedule(doc.uri, version);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        let enc = self.encoding();
        {
            let mut docs = self.state.docs.lock().expect("lock");
            let Some(doc) = docs.get_mut(&uri) else {
                return;
            };
            doc.apply(params.content_changes, version, enc);
            self.set_overlay(&uri, Some(&doc.text));
        }
        self.schedule(uri, version);
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        release_when_idle();
        self.set_overlay(&params.text_document.uri, None);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        release_when_idle();
        let uri = params.text_document.uri;
        self.state.docs.lock().expect("lock").remove(&uri);
        self.set_overlay(&uri, None);
        if !self.pull() {
            self.client
                .publish_diagnostics(uri.clone(), Vec::new(), None)
                .await;
        }
        // The disk is the file's content again (an unsaved edit is gone, a new file may be).
        if let (Some(folder), Some(path)) = (self.folder_of(&uri), uri.to_file_path()) {
            self.update_files(folder, vec![path.into_owned()]);
        }
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        for removed in &params.event.removed {
            if let Some(path) = removed.uri.to_file_path() {
                self.state.folders.remove(&path);
                self.state
                    .roots
                    .write()
                    .expect("lock")
                    .retain(|r| absolute_path(r) != absolute_path(&path));
            }
        }
        for added in &params.event.added {
            if let Some(path) = added.uri.to_file_path() {
                self.state
                    .roots
                    .write()
                    .expect("lock")
                    .push(path.to_path_buf());
                self.add_folder(&path);
            }
        }
        // Documents may have changed folders: lint each again.
        self.relint_all();
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        for w in self.apply_settings(&params.settings) {
            self.client.log_message(MessageType::WARNING, w).await;
        }
        self.relint_all();
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let mut config = false;
        let mut reload: Vec<Arc<Folder>> = Vec::new();
        let mut sources: Vec<(Arc<Folder>, Vec<PathBuf>)> = Vec::new();
        for change in &params.changes {
            let Some(path) = change.uri.to_file_path() else {
                continue;
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name == "nodepit.toml" {
                config = true;
                continue;
            }
            let Some(folder) = self.state.folders.for_path(&path) else {
                continue;
            };
            let resolution = name == "package.json"
                || ((name.starts_with("tsconfig") || name.starts_with("jsconfig"))
                    && name.ends_with(".json"));
            if resolution {
                // How every import resolves may have changed: build the project again.
                if !reload.iter().any(|f| Arc::ptr_eq(f, &folder)) {
                    reload.push(folder);
                }
            } else if SourceType::from_path(&path).is_some() {
                match sources.iter_mut().find(|(f, _)| Arc::ptr_eq(f, &folder)) {
                    Some((_, paths)) => paths.push(path.into_owned()),
                    None => sources.push((folder, vec![path.into_owned()])),
                }
            }
        }
        if config {
            // Ignores may have changed which files belong to each project.
            self.state.workspace.read().expect("lock").invalidate();
            self.state.shown_errors.lock().expect("lock").clear();
            for folder in self.state.folders.all() {
                self.load_folder(folder);
            }
            self.relint_all();
            return;
        }
        for folder in &reload {
            self.load_folder(folder.clone());
        }
        for (folder, paths) in sources {
            if !reload.iter().any(|f| Arc::ptr_eq(f, &folder)) {
                self.update_files(folder, paths);
            }
        }
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let uri = params.text_document.uri;
        let items = match self.analyze(&uri).await {
            Some((_, diagnostics)) => self.to_lsp_all(&uri, &diagnostics),
            None => {
                // Changed meanwhile, or failed: report what the latest finished analysis found.
                let previous = self
                    .state
                    .docs
                    .lock()
                    .expect("lock")
                    .get(&uri)
                    .and_then(|d| d.analysis.clone());
                match previous {
                    Some((_, _, d)) => self.to_lsp_all(&uri, &d),
                    None => Vec::new(),
                }
            }
        };
        Ok(DocumentDiagnosticReportResult::Report(
            DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: None,
                    items,
                },
            }),
        ))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        release_when_idle();
        let uri = params.text_document_position_params.text_document.uri;
        let pos = params.text_document_position_params.position;
        let Some(diagnostics) = self.analyze(&uri).await.map(|(_, d)| d) else {
            return Ok(None);
        };
        let enc = self.encoding();
        let docs = self.state.docs.lock().expect("lock");
        let Some(doc) = docs.get(&uri) else {
            return Ok(None);
        };
        let at = offset(&doc.text, &doc.index, pos, enc);
        let under =
            |d: &&Diagnostic| d.range.start <= at && at <= d.range.end.max(d.range.start + 1);
        // A rule's finding first, then a rule id in a suppression comment, then a diagnostic
        // nodepit reports itself (so an unused suppression still hovers as the rule it names).
        let hit = diagnostics
            .iter()
            .filter(|d| nodepit_rules::find(d.rule).is_some())
            .find(under)
            .map(|d| (d.rule, d.range.clone()))
            .or_else(|| suppression_rule_at(&doc.text, &doc.index, at))
            .or_else(|| {
                diagnostics
                    .iter()
                    .filter(|d| docs::meta(d.rule).is_some())
                    .find(under)
                    .map(|d| (d.rule, d.range.clone()))
            });
        let Some((rule, r)) = hit else {
            return Ok(None);
        };
        let Some(meta) = docs::meta(rule) else {
            return Ok(None);
        };
        let link = self.doc_link(rule);
        Ok(Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: docs::hover_markdown(meta, link.as_ref()),
            }),
            range: Some(range(&doc.text, &doc.index, &r, enc)),
        }))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        release_when_idle();
        let uri = params.text_document.uri;
        let Some(diagnostics) = self.analyze(&uri).await.map(|(_, d)| d) else {
            return Ok(None);
        };
        let enc = self.encoding();
        let only = params.context.only.clone();
        let wants = |kind: &str| {
            only.as_ref()
                .is_none_or(|o| o.iter().any(|k| kind.starts_with(k.as_str())))
        };
        let mut out = Vec::new();
        let fix_all = {
            let docs = self.state.docs.lock().expect("lock");
            let Some(doc) = docs.get(&uri) else {
                return Ok(None);
            };
            if wants("quickfix") {
                let doc_view = actions::Doc {
                    uri: &uri,
                    text: &doc.text,
                    index: &doc.index,
                    enc,
                };
                let start = offset(&doc.text, &doc.index, params.range.start, enc);
                let end = offset(&doc.text, &doc.index, params.range.end, enc);
                for d in diagnostics
                    .iter()
                    .filter(|d| d.range.start <= end && start <= d.range.end)
                {
                    let lsp = self.to_lsp(&uri, doc, d, &mut OtherFiles::new(&docs));
                    out.extend(actions::for_diagnostic(&doc_view, d, &lsp));
                }
            }
            wants("source.fixAll.nodepit").then(|| {
                let path = self.path_of(&uri, &doc.language);
                (doc.text.clone(), doc.index.clone(), path)
            })
        };
        // Fixing parses the document again: on an analysis thread, with its stack, and off
        // the protocol loop.
        if let Some((text, index, path)) = fix_all {
            let fixed = analysis(move || {
                let doc = actions::Doc {
                    uri: &uri,
                    text: &text,
                    index: &index,
                    enc,
                };
                actions::fix_all(&doc, &path, &diagnostics)
            });
            out.extend(fixed.await.ok().flatten());
        }
        Ok(Some(out))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        if params.command == RUN_DEMO {
            return self.run_demo(&params);
        }
        if params.command != EXPLAIN {
            return Err(Error::invalid_params(format!(
                "unknown command {}",
                params.command
            )));
        }
        let Some(rule) = params
            .arguments
            .first()
            .and_then(|a| a.as_str())
            .and_then(nodepit_rules::find)
        else {
            return Err(Error::invalid_params("expected a rule id"));
        };
        let Some(uri) = self.doc_link(rule.meta.id) else {
            return Ok(None);
        };
        let external = !uri.as_str().starts_with("file:");
        let _ = self
            .client
            .show_document(ShowDocumentParams {
                uri,
                external: Some(external),
                take_focus: Some(true),
                selection: None,
            })
            .await;
        Ok(None)
    }
}

/// A file's URI, text and line index.
type FileText = (Uri, Arc<String>, Arc<LineIndex>);

/// The text of files that related locations point into: open documents, else the disk, each
/// read once per batch of diagnostics.
struct OtherFiles<'d> {
    docs: &'d HashMap<Uri, Document>,
    read: HashMap<PathBuf, Option<FileText>>,
}

impl<'d> OtherFiles<'d> {
    fn new(docs: &'d HashMap<Uri, Document>) -> Self {
        Self {
            docs,
            read: HashMap::new(),
        }
    }

    /// The file's URI, text and line index, or `None` when it cannot be read.
    fn get(&mut self, path: &Path) -> Option<FileText> {
        if let Some(found) = self.read.get(path) {
            return found.clone();
        }
        let found = Uri::from_file_path(path).and_then(|uri| {
            if let Some(doc) = self.docs.get(&uri) {
                return Some((uri, doc.text.clone(), doc.index.clone()));
            }
            let text = std::fs::read_to_string(path).ok()?;
            let index = LineIndex::new(&text);
            Some((uri, Arc::new(text), Arc::new(index)))
        });
        self.read.insert(path.to_path_buf(), found.clone());
        found
    }
}

/// A rule id under the cursor inside a `nodepit-disable…` comment.
fn suppression_rule_at(
    text: &str,
    index: &nodepit_analyzer::semantic::LineIndex,
    at: usize,
) -> Option<(&'static str, std::ops::Range<usize>)> {
    let line = index.line(at);
    let start = index.line_start(line)?;
    let end = index.line_start(line + 1).unwrap_or(text.len());
    let line_text = &text[start..end];
    let comment = line_text.find("nodepit-disable")?;
    if at < start + comment {
        return None;
    }
    let is_id = |c: char| c.is_ascii_alphanumeric() || c == '-';
    let rel = at - start;
    let word_start = line_text[..rel]
        .rfind(|c: char| !is_id(c))
        .map_or(0, |i| i + 1);
    let word_end = line_text[rel..]
        .find(|c: char| !is_id(c))
        .map_or(line_text.len(), |i| rel + i);
    let word = &line_text[word_start..word_end];
    let entry = nodepit_rules::find(word)?;
    Some((entry.meta.id, start + word_start..start + word_end))
}

/// How long the server must have done nothing before it gives freed memory back: while the
/// user types, pages given back are faulted in again by the next analysis. Releasing after every
/// analysis measured p50 13 ms and p99 33 ms per edit of the 5,000-line benchmark file, against
/// 10 ms and 20 ms with this pause (tests/bench/lsp_latency.py, alternating runs).
const RELEASE_AFTER_IDLE: Duration = Duration::from_secs(1);

/// Counts analyses and other work, so a pending release can tell that the server did more since.
static ACTIVITY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Runs analysis work on one of the analysis threads and waits for it off the protocol loop.
async fn analysis<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> std::result::Result<T, AnalysisCrashed> {
    let (done, out) = tokio::sync::oneshot::channel();
    nodepit_workspace::spawn_analysis(move || {
        let _ = done.send(work());
    });
    let out = out.await.map_err(|_| AnalysisCrashed);
    release_when_idle();
    out
}

/// Gives freed memory back, on each thread that allocated, once the server has done nothing
/// for [`RELEASE_AFTER_IDLE`]: it idles between bursts of edits, and the allocator's own delayed
/// return only runs when a thread enters it again. Called after each analysis, and by requests
/// that answer from the last one (a hover, a code action) or free a document, as they leave
/// garbage on the protocol loop's thread too.
fn release_when_idle() {
    use std::sync::atomic::Ordering::Relaxed;
    let count = ACTIVITY.fetch_add(1, Relaxed) + 1;
    tokio::spawn(async move {
        tokio::time::sleep(RELEASE_AFTER_IDLE).await;
        if ACTIVITY.load(Relaxed) == count {
            nodepit_workspace::release_analysis_memory(crate::release_memory);
            // The protocol loop's thread: it decoded the documents' texts and edits.
            crate::release_memory();
        }
    });
}

/// An analysis that panicked (its panic message went to stderr) or found no thread to run on.
#[derive(Debug)]
struct AnalysisCrashed;

impl std::fmt::Display for AnalysisCrashed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the analysis crashed")
    }
}
