//! The protocol handlers.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use nodepit_analyzer::{Diagnostic, Severity, INTERNAL_ERROR, UNUSED_SUPPRESSION};
use nodepit_workspace::{Options, SetupError, Workspace};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::actions::{self, EXPLAIN};
use crate::docs;
use crate::document::{offset, range, Document, Encoding};
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
            }),
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
        *self.state.workspace.write().expect("lock") = Arc::new(workspace);
        self.state.shown_errors.lock().expect("lock").clear();
    }

    /// Analyses the document's current version off the protocol loop. Returns `None` when the
    /// document changed meanwhile or the analysis failed (the previous results then stay).
    async fn analyze(&self, uri: &Uri) -> Option<(i32, Arc<Vec<Diagnostic>>)> {
        let (text, version, path) = {
            let docs = self.state.docs.lock().expect("lock");
            let doc = docs.get(uri)?;
            if let Some(done) = doc.current() {
                return Some((doc.version, done));
            }
            (
                doc.text.clone(),
                doc.version,
                self.path_of(uri, &doc.language),
            )
        };
        if !self.enabled() {
            return Some((version, Arc::new(Vec::new())));
        }
        let workspace = self.state.workspace.read().expect("lock").clone();
        let job = tokio::task::spawn_blocking(move || {
            // A file the config's `ignore` excludes gets no findings here either, as in `check`.
            if workspace.is_ignored(&path)? {
                return Ok(None);
            }
            workspace
                .lint_text(&path, text.as_str().to_owned())
                .map(Some)
        });
        let diagnostics = match job.await {
            Ok(Ok(Some(result))) => result.diagnostics,
            Ok(Ok(None)) => Vec::new(),
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
        doc.analysis = Some((version, diagnostics.clone()));
        Some((version, diagnostics))
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
        let this = Self {
            client: self.client.clone(),
            state: self.state.clone(),
        };
        tokio::spawn(async move {
            tokio::time::sleep(debounce()).await;
            if this.version_of(&uri) != Some(version) {
                return;
            }
            if let Some((v, diagnostics)) = this.analyze(&uri).await {
                if v != version || this.version_of(&uri) != Some(version) {
                    return;
                }
                let items = this.to_lsp_all(&uri, &diagnostics);
                this.client
                    .publish_diagnostics(uri, items, Some(version))
                    .await;
            }
        });
    }

    fn version_of(&self, uri: &Uri) -> Option<i32> {
        self.state
            .docs
            .lock()
            .expect("lock")
            .get(uri)
            .map(|d| d.version)
    }

    fn relint_all(&self) {
        let open: Vec<(Uri, i32)> = {
            let mut docs = self.state.docs.lock().expect("lock");
            docs.iter_mut()
                .map(|(u, d)| {
                    d.analysis = None;
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
        diagnostics
            .iter()
            .map(|d| self.to_lsp(uri, doc, d))
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
        let related = (!d.related.is_empty()).then(|| {
            d.related
                .iter()
                .map(|r| DiagnosticRelatedInformation {
                    location: Location::new(
                        uri.clone(),
                        range(&doc.text, &doc.index, &r.range, enc),
                    ),
                    message: r.message.clone(),
                })
                .collect()
        });
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
        #[allow(deprecated)]
        if let Some(root) = params.root_uri.as_ref().and_then(|u| u.to_file_path()) {
            roots.push(root.into_owned());
        }
        *self.state.roots.write().expect("lock") = roots;
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
                text_document_sync: Some(TextDocumentSyncCapability::Kind(
                    TextDocumentSyncKind::INCREMENTAL,
                )),
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
                    commands: vec![EXPLAIN.to_string()],
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
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![FileSystemWatcher {
                glob_pattern: GlobPattern::String("**/nodepit.toml".to_string()),
                kind: None,
            }],
        };
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
        }
        self.schedule(uri, version);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.state.docs.lock().expect("lock").remove(&uri);
        if !self.pull() {
            self.client.publish_diagnostics(uri, Vec::new(), None).await;
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        for w in self.apply_settings(&params.settings) {
            self.client.log_message(MessageType::WARNING, w).await;
        }
        self.relint_all();
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        if params
            .changes
            .iter()
            .any(|c| c.uri.as_str().ends_with("nodepit.toml"))
        {
            self.state.workspace.read().expect("lock").invalidate();
            self.state.shown_errors.lock().expect("lock").clear();
            self.relint_all();
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
                    Some((_, d)) => self.to_lsp_all(&uri, &d),
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
        let uri = params.text_document.uri;
        let Some(diagnostics) = self.analyze(&uri).await.map(|(_, d)| d) else {
            return Ok(None);
        };
        let enc = self.encoding();
        let docs = self.state.docs.lock().expect("lock");
        let Some(doc) = docs.get(&uri) else {
            return Ok(None);
        };
        let doc_view = actions::Doc {
            uri: &uri,
            text: &doc.text,
            index: &doc.index,
            enc,
        };
        let start = offset(&doc.text, &doc.index, params.range.start, enc);
        let end = offset(&doc.text, &doc.index, params.range.end, enc);
        let only = params.context.only.clone();
        let wants = |kind: &str| {
            only.as_ref()
                .is_none_or(|o| o.iter().any(|k| kind.starts_with(k.as_str())))
        };
        let mut out = Vec::new();
        if wants("quickfix") {
            for d in diagnostics
                .iter()
                .filter(|d| d.range.start <= end && start <= d.range.end)
            {
                let lsp = self.to_lsp(&uri, doc, d);
                out.extend(actions::for_diagnostic(&doc_view, d, &lsp));
            }
        }
        if wants("source.fixAll.nodepit") {
            let path = self.path_of(&uri, &doc.language);
            out.extend(actions::fix_all(&doc_view, &path, &diagnostics));
        }
        Ok(Some(out))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
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
