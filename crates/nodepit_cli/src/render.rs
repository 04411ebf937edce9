//! Rendering results: miette reports for people, the JSON contract for scripts.

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use nodepit_analyzer::semantic::LineIndex;
use nodepit_analyzer::{Diagnostic, Related, Severity};
use nodepit_workspace::{absolute_path, display_path, docs_url, FileResult, DOCS_BASE_URL};
use serde::Serialize;

/// Counts for the summary line and the JSON `summary`.
struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
}

fn summarize(results: &[FileResult]) -> Summary {
    let all = results.iter().flat_map(|r| &r.diagnostics);
    let count = |s: Severity| all.clone().filter(|d| d.severity == s).count();
    Summary {
        files: results.len(),
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        notes: count(Severity::Note),
    }
}

/// Where a diagnostic's doc is published: a rule's interview answer, or the page of a diagnostic
/// nodepit reports itself (`rules/builtin/<id>.md`).
pub fn doc_url(id: &str) -> Option<String> {
    if nodepit_rules::find(id).is_some() {
        Some(docs_url(id))
    } else {
        nodepit_analyzer::builtin(id).map(|_| format!("{DOCS_BASE_URL}/builtin/{id}.md"))
    }
}

/// Human output: one miette report per diagnostic, then a summary line. Reports are drawn on
/// `threads` threads (0: one per core) when there are many, and joined in order.
pub fn pretty(results: &[FileResult], color: bool, threads: usize) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false)
        .with_word_separator(textwrap::WordSeparator::Custom(memoised_words));
    let files: Vec<(&FileResult, Window<'_>)> = results
        .iter()
        .filter(|r| !r.diagnostics.is_empty())
        .map(|r| {
            let source = Window {
                name: r.path.display().to_string(),
                path: &r.path,
                text: &r.text,
                index: LineIndex::new(&r.text),
            };
            (r, source)
        })
        .collect();
    // Every report, as (file, diagnostic), in output order.
    let reports: Vec<(&Window<'_>, &Diagnostic)> = files
        .iter()
        .flat_map(|(r, source)| r.diagnostics.iter().map(move |d| (source, d)))
        .collect();
    let elsewhere = Elsewhere::new(results);
    let draw = |chunk: &[(&Window<'_>, &Diagnostic)]| {
        let mut out = String::new();
        for &(source, d) in chunk {
            let snippet = Snippet {
                diag: to_miette(source.text, d, source.path),
                source,
            };
            let _ = handler.render_report(&mut out, &snippet);
            // A location in another file cannot be drawn in this file's snippet: a note line.
            for rel in &d.related {
                if let Some(path) = other_file(source.path, rel) {
                    let at = match elsewhere.position(path, rel.range.start) {
                        Some((line, column)) => format!("{}:{line}:{column}", shown_path(path)),
                        None => shown_path(path),
                    };
                    out.push_str(&format!("  note: {at}: {}\n", rel.message));
                }
            }
            out.push('\n');
        }
        out
    };
    const CHUNK: usize = 256;
    let pool = (reports.len() > CHUNK)
        .then(|| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .ok()
        })
        .flatten();
    let mut out = match pool {
        Some(pool) => pool.install(|| {
            use rayon::prelude::*;
            reports
                .par_chunks(CHUNK)
                .map(draw)
                .collect::<Vec<_>>()
                .concat()
        }),
        None => draw(&reports),
    };
    let s = summarize(results);
    let plural = |n: usize, one: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    // Notes are named only when there are some, so the usual line stays as it always was.
    let counts = if s.notes == 0 {
        format!(
            "{} and {}",
            plural(s.errors, "error"),
            plural(s.warnings, "warning")
        )
    } else {
        format!(
            "{}, {} and {}",
            plural(s.errors, "error"),
            plural(s.warnings, "warning"),
            plural(s.notes, "note")
        )
    };
    out.push_str(&format!(
        "{counts} in {} checked.\n",
        plural(s.files, "file")
    ));
    out
}

thread_local! {
    /// Where textwrap's Unicode line breaking splits each text it has seen, as word end offsets.
    static WORD_ENDS: std::cell::RefCell<std::collections::HashMap<String, Vec<usize>>> =
        Default::default();
}

/// textwrap's default word separator (Unicode line breaking), remembered per text: a file with
/// thousands of findings repeats the same few messages and help lines, and finding their break
/// opportunities was a fifth of the rendering time. The words are the same slices as before.
fn memoised_words(line: &str) -> Box<dyn Iterator<Item = textwrap::core::Word<'_>> + '_> {
    let ends = WORD_ENDS.with(|cache| {
        if let Some(ends) = cache.borrow().get(line) {
            return ends.clone();
        }
        let mut end = 0;
        let ends: Vec<usize> = textwrap::WordSeparator::UnicodeBreakProperties
            .find_words(line)
            .map(|w| {
                end += w.word.len() + w.whitespace.len();
                end
            })
            .collect();
        let mut cache = cache.borrow_mut();
        // Messages naming variables can all differ; keep the memory bounded.
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(line.to_string(), ends.clone());
        ends
    });
    let mut start = 0;
    Box::new(ends.into_iter().map(move |end| {
        let word = textwrap::core::Word::from(&line[start..end]);
        start = end;
        word
    }))
}

/// The file a related location is in, when it is not its diagnostic's own file `own`.
pub(crate) fn other_file<'r>(own: &Path, rel: &'r Related) -> Option<&'r Path> {
    let path = rel.path.as_deref()?;
    (absolute_path(path) != absolute_path(own)).then_some(path)
}

/// A path of another file as reports show it: relative to the current folder when inside it
/// (as the files named on the command line usually are), else as it is.
pub(crate) fn shown_path(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    display_path(path.strip_prefix(&cwd).unwrap_or(path))
}

/// The text of the other files that related locations point into, each read once (`None`
/// when it cannot be read).
pub(crate) struct Elsewhere {
    texts: HashMap<PathBuf, Option<(String, LineIndex)>>,
}

impl Elsewhere {
    /// Reads every other file the results' related locations point into.
    pub(crate) fn new(results: &[FileResult]) -> Self {
        let mut texts = HashMap::new();
        for r in results {
            for rel in r.diagnostics.iter().flat_map(|d| &d.related) {
                if let Some(path) = other_file(&r.path, rel) {
                    texts.entry(path.to_path_buf()).or_insert_with(|| {
                        let text = std::fs::read_to_string(path).ok()?;
                        let index = LineIndex::new(&text);
                        Some((text, index))
                    });
                }
            }
        }
        Self { texts }
    }

    /// The text of a file read by [`Elsewhere::new`].
    pub(crate) fn text(&self, path: &Path) -> Option<&str> {
        self.texts.get(path)?.as_ref().map(|(t, _)| t.as_str())
    }

    /// 1-based line and column (in characters) of an offset in a file read by
    /// [`Elsewhere::new`].
    fn position(&self, path: &Path, offset: usize) -> Option<(usize, usize)> {
        let (text, index) = self.texts.get(path)?.as_ref()?;
        let offset = floor_boundary(text, offset.min(text.len()));
        let (line, column) = index.char_position(text, offset);
        Some((line + 1, column + 1))
    }
}

/// The miette report of a diagnostic of the file `own`: related locations in it become labels
/// (those in other files are drawn as notes by the caller).
fn to_miette(text: &str, d: &Diagnostic, own: &Path) -> MietteDiagnostic {
    let clamp = |r: &std::ops::Range<usize>| {
        let start = r.start.min(text.len());
        (start, r.end.min(text.len()).saturating_sub(start))
    };
    let (start, len) = clamp(&d.range);
    let mut labels = vec![LabeledSpan::new_primary_with_span(None, (start, len))];
    for rel in d.related.iter().filter(|r| other_file(own, r).is_none()) {
        let (s, l) = clamp(&rel.range);
        labels.push(LabeledSpan::new_with_span(
            Some(rel.message.clone()),
            (s, l),
        ));
    }
    let mut help = d.help.clone().unwrap_or_default();
    let pointer = if nodepit_rules::find(d.rule).is_some() {
        Some("Why this matters")
    } else {
        nodepit_analyzer::builtin(d.rule).map(|_| "What this means")
    };
    if let Some(pointer) = pointer {
        if !help.is_empty() {
            help.push('\n');
        }
        help.push_str(&format!("{pointer}: `nodepit explain {}`", d.rule));
    }
    let mut diag = MietteDiagnostic::new(d.message.clone())
        .with_code(d.rule)
        .with_severity(match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
        .with_labels(labels);
    if !help.is_empty() {
        diag = diag.with_help(help);
    }
    diag
}

/// Lines longer than this (minified or generated code) are clipped around the flagged code
/// instead of printed whole for every finding on them.
const LONG_LINE: usize = 1000;
/// The most lines between two labels' snippets that are still drawn as one snippet.
const MAX_GAP: usize = 20;
/// How many bytes of a long line to show on either side of the flagged code.
const CLIP_MARGIN: usize = 60;

/// A file's text as miette reads it. miette's own `str` source scans from the start of the text
/// on every read, which made a file with thousands of findings quadratic; this one starts the
/// scan a line before the context window, found through the line index, and shifts the result
/// back, so every line number, offset and count miette sees is the same as before.
struct Window<'t> {
    name: String,
    path: &'t Path,
    text: &'t str,
    index: LineIndex,
}

impl Window<'_> {
    /// Byte range of a line's content, without its line break.
    fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let start = self.index.line_start(line).unwrap_or(self.text.len());
        let end = self
            .index
            .line_start(line + 1)
            .unwrap_or(self.text.len())
            .max(start);
        let content = self.text[start..end].trim_end_matches(['\n', '\r']);
        start..start + content.len()
    }

    /// The span's own lines, cut to a margin around it, when some line of the context miette
    /// asks for is too long to print (`None` otherwise).
    fn clipped<'a>(
        &'a self,
        start: usize,
        end: usize,
        before: usize,
        after: usize,
    ) -> Option<MietteSpanContents<'a>> {
        let first = self.index.line(start);
        let last = self.index.line(end.saturating_sub(1).max(start));
        let lo = first.saturating_sub(before);
        let hi = (last + after).min(self.index.line_count().saturating_sub(1));
        if (lo..=hi).all(|l| self.line_range(l).len() <= LONG_LINE) {
            return None;
        }
        let line_start = self.index.line_start(first).unwrap_or(0);
        // miette reads a label's own position with no context: the span itself, as `str` does.
        let (from, to, column) = if before == 0 && after == 0 {
            (start, end, start - line_start)
        } else {
            let from = start.saturating_sub(CLIP_MARGIN).max(line_start);
            let to = (end + CLIP_MARGIN).min(self.line_range(last).end).max(end);
            (
                floor_boundary(self.text, from),
                ceil_boundary(self.text, to),
                0,
            )
        };
        Some(MietteSpanContents::new_named(
            self.name.clone(),
            &self.text.as_bytes()[from..to],
            SourceSpan::new(from.into(), to - from),
            first,
            column,
            self.index.line(to),
        ))
    }
}

/// The char boundary at or before `at`.
pub(crate) fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The char boundary at or after `at`.
fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

impl SourceCode for Window<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let at = span.offset().min(self.text.len());
        let end = (at + span.len()).min(self.text.len());
        if let Some(clipped) = self.clipped(at, end, before, after) {
            return Ok(Box::new(clipped));
        }
        // One line more than miette keeps, so its count of leading lines comes out the same.
        let first = self.index.line(at).saturating_sub(before + 1);
        let base = self.index.line_start(first).unwrap_or(0);
        let shifted = SourceSpan::new((span.offset() - base).into(), span.len());
        let inner = self.text[base..].read_span(&shifted, before, after)?;
        // miette joins a label's snippet with the next one when this snippet's first line plus
        // its line count reaches the next one's first line, and `str` counts lines from the top
        // of the file: far down a file, a route registered hundreds of lines above a finding was
        // drawn together with every line in between. Joining stays as it was for snippets at most
        // `MAX_GAP` lines apart; farther ones are drawn separately.
        let own_lines = inner.data().iter().filter(|&&b| b == b'\n').count();
        let line_count = (inner.line_count() + first).min(own_lines + MAX_GAP);
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + base).into(), inner.span().len()),
            inner.line() + first,
            inner.column(),
            line_count,
        )))
    }
}

/// A diagnostic that borrows its file's [`Window`] instead of owning a copy of the text.
#[derive(Debug)]
struct Snippet<'t> {
    diag: MietteDiagnostic,
    source: &'t Window<'t>,
}

impl std::fmt::Debug for Window<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

impl std::fmt::Display for Snippet<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.diag, f)
    }
}

impl std::error::Error for Snippet<'_> {}

impl miette::Diagnostic for Snippet<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diag.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.diag.severity()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diag.help()
    }
    fn url<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diag.url()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.diag.labels()
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }
}

#[derive(Serialize)]
struct JsonOutput<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    docs_url: Option<String>,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
}

/// The JSON contract: exactly one object, 1-based lines and columns counted in characters.
pub fn json(results: &[FileResult]) -> String {
    let mut diagnostics = Vec::new();
    for r in results {
        if r.diagnostics.is_empty() {
            continue;
        }
        let positions = crate::machine::Positions::new(&r.text);
        for d in &r.diagnostics {
            let (line, column) = positions.chars(d.range.start);
            let (end_line, end_column) = positions.chars(d.range.end);
            diagnostics.push(JsonDiagnostic {
                rule: d.rule,
                severity: d.severity.as_str(),
                message: &d.message,
                path: r.path.display().to_string(),
                line,
                column,
                end_line,
                end_column,
                docs_url: doc_url(d.rule),
            });
        }
    }
    let s = summarize(results);
    let out = JsonOutput {
        diagnostics,
        summary: JsonSummary {
            files: s.files,
            errors: s.errors,
            warnings: s.warnings,
            notes: s.notes,
        },
    };
    let mut text = serde_json::to_string_pretty(&out).expect("serialisable");
    text.push('\n');
    text
}

#[derive(Serialize)]
struct JsonRule {
    id: &'static str,
    severity: &'static str,
    summary: &'static str,
    fixable: bool,
    docs_url: String,
}

/// `nodepit rules`: a table, or a JSON array.
pub fn rules_list(as_json: bool) -> String {
    let rules: Vec<JsonRule> = nodepit_rules::REGISTRY
        .iter()
        .map(|e| JsonRule {
            id: e.meta.id,
            severity: e.meta.severity.as_str(),
            summary: e.meta.summary(),
            fixable: e.meta.has_fix,
            docs_url: docs_url(e.meta.id),
        })
        .collect();
    if as_json {
        let mut text = serde_json::to_string_pretty(&rules).expect("serialisable");
        text.push('\n');
        return text;
    }
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    rules
        .iter()
        .map(|r| format!("{:width$}  {:7}  {}\n", r.id, r.severity, r.summary))
        .collect()
}

/// Unified diffs of the files fixes changed.
pub fn diff(results: &[FileResult]) -> String {
    let mut out = String::new();
    for r in results {
        let Some(original) = &r.original else {
            continue;
        };
        let name = r.path.display().to_string();
        let diff = similar::TextDiff::from_lines(original.as_str(), r.text.as_str());
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&name, &name)
                .to_string(),
        );
    }
    out
}

/// `--stats`: counts, wall time and each phase's time summed over files (so phases add up to
/// more than the wall time when files are linted in parallel).
pub fn stats(
    results: &[FileResult],
    wall: std::time::Duration,
    walk: std::time::Duration,
    output: std::time::Duration,
    threads: usize,
) -> String {
    let sum = |f: &dyn Fn(&FileResult) -> std::time::Duration| {
        results.iter().map(f).sum::<std::time::Duration>()
    };
    let read = sum(&|r| r.read_time);
    let parse = sum(&|r| r.times.phases.parse);
    let resolve = sum(&|r| r.times.phases.resolve);
    let model = sum(&|r| r.times.phases.model);
    let rules = sum(&|r| r.times.rules);
    let summary = sum(&|r| r.times.summary);
    let failures: Vec<_> = results
        .iter()
        .filter(|r| {
            r.diagnostics
                .iter()
                .any(|d| d.rule == nodepit_analyzer::SYNTAX_ERROR)
        })
        .map(|r| r.path.display().to_string())
        .collect();
    let diagnostics: usize = results.iter().map(|r| r.diagnostics.len()).sum();
    let bytes: usize = results.iter().map(|r| r.bytes).sum();
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };
    let ms = |d: std::time::Duration| format!("{:>9.1} ms", d.as_secs_f64() * 1000.0);
    let mut out = format!(
        "nodepit --stats: {} files ({:.1} MB), {} parse failures, {} diagnostics, {threads} threads\n",
        results.len(),
        bytes as f64 / 1e6,
        failures.len(),
        diagnostics
    );
    let gated = results.iter().filter(|r| r.times.gated).count();
    out.push_str(&format!(
        "  {gated} files hold no enabled rule's needle: parsed only, no scopes, model or rules\n"
    ));
    out.push_str(&format!("  wall     {}\n", ms(wall)));
    out.push_str(&format!("  walk     {}  (finding the files)\n", ms(walk)));
    out.push_str("  summed over files:\n");
    for (name, d) in [
        ("read", read),
        ("parse", parse),
        ("resolve", resolve),
        ("model", model),
        ("rules", rules),
        ("summary", summary),
    ] {
        out.push_str(&format!("  {name:<8} {}\n", ms(d)));
    }
    out.push_str(&format!("  output   {}  (one thread)\n", ms(output)));
    for f in failures.iter().take(20) {
        out.push_str(&format!("  parse failure: {f}\n"));
    }
    if failures.len() > 20 {
        out.push_str(&format!(
            "  … and {} more parse failures\n",
            failures.len() - 20
        ));
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn handler() -> GraphicalReportHandler {
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .with_links(false)
    }

    /// Messages that wrap: hyphens, slashes, backticks, an ellipsis and non-ASCII text.
    const MESSAGES: &[&str] = &[
        "m",
        "The promise from `fs/promises.readFile(…)` is never awaited, returned or given a rejection handler, so a failure becomes an unhandled-rejection crash — ça arrive.",
        "`crypto.pbkdf2Sync` blocks the event loop inside the `GET /users/:id/avatar-thumbnails` handler, so every other request waits until it finishes, however-long-that-takes.",
    ];

    /// How miette drew a report before: the whole text handed over as a named `String`.
    fn whole_text(text: &str, d: &Diagnostic) -> String {
        let report = miette::Report::new(to_miette(text, d, Path::new("a.js")))
            .with_source_code(miette::NamedSource::new("a.js", text.to_string()));
        let mut out = String::new();
        handler().render_report(&mut out, report.as_ref()).unwrap();
        out
    }

    /// How `pretty` draws it: through a window of lines and the memoised word separator.
    fn windowed(text: &str, d: &Diagnostic) -> String {
        let source = Window {
            name: "a.js".to_string(),
            path: Path::new("a.js"),
            text,
            index: LineIndex::new(text),
        };
        let snippet = Snippet {
            diag: to_miette(text, d, source.path),
            source: &source,
        };
        let mut out = String::new();
        handler()
            .with_word_separator(textwrap::WordSeparator::Custom(memoised_words))
            .render_report(&mut out, &snippet)
            .unwrap();
        out
    }

    fn diagnostic(range: std::ops::Range<usize>, related: Option<usize>) -> Diagnostic {
        let message = MESSAGES[range.start % MESSAGES.len()];
        let mut d = Diagnostic::new("no-floating-promise", Severity::Error, range, message);
        d.help = Some(MESSAGES[(related.unwrap_or(0) + 1) % MESSAGES.len()].into());
        if let Some(at) = related {
            d.related.push(Related {
                path: None,
                range: at..at + 3,
                message: "registered here".into(),
            });
        }
        d
    }

    /// Reading a window of lines draws every report exactly as reading the whole text did, for
    /// any position, length, line ending and nearby related label.
    #[test]
    fn windows_draw_what_the_whole_text_drew() {
        let lines: Vec<String> = (0..14)
            .map(|i| match i % 4 {
                0 => format!("app.get('/r{i}', (req, res) => {{"),
                1 => format!("  save({{ id: {i}, name: 'ünïcode ✓' }});"),
                2 => String::new(),
                _ => "});".to_string(),
            })
            .collect();
        let texts = [
            lines.join("\n") + "\n",
            lines.join("\r\n") + "\r\n",
            lines.join("\r"),
            lines.join("\n"),
            String::new(),
        ];
        let mut compared = 0;
        for text in &texts {
            let starts = (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .step_by(7);
            for start in starts {
                for len in [0, 1, 6, 45] {
                    let end = ceil_boundary(text, (start + len).min(text.len()));
                    for related in [
                        None,
                        Some(0),
                        Some(text.len() / 2),
                        Some(text.len().saturating_sub(3)),
                    ] {
                        let related = related.filter(|&r| {
                            text.is_char_boundary(r)
                                && text.is_char_boundary((r + 3).min(text.len()))
                        });
                        let d = diagnostic(start..end, related);
                        assert_eq!(
                            windowed(text, &d),
                            whole_text(text, &d),
                            "{start}..{end} {related:?} in {text:?}"
                        );
                        compared += 1;
                    }
                }
            }
        }
        assert!(compared > 500);
    }

    #[test]
    fn a_far_registration_gets_its_own_snippet() {
        let mut text = "const fs = require('fs');\n".repeat(300);
        let registration = text.len();
        text.push_str("app.get('/far', (req, res) => {\n");
        text.push_str(&"  step();\n".repeat(400));
        let call = text.len() + 2;
        text.push_str("  fs.readFileSync('x');\n});\n");
        let d = diagnostic(call..call + 15, Some(registration));
        let out = windowed(&text, &d);
        assert!(out.lines().count() < 30, "{out}");
        assert!(
            out.contains("readFileSync") && out.contains("app.get"),
            "{out}"
        );
    }

    #[test]
    fn long_lines_are_clipped_around_the_finding() {
        let mut text = "async function save(j) { await j.db.put(j); }".to_string();
        for i in 0..300 {
            text.push_str(&format!("var v{i}={i};"));
        }
        let at = text.len();
        text.push_str("save(job);");
        for i in 0..300 {
            text.push_str(&format!("var w{i}={i};"));
        }
        text.push('\n');
        let d = diagnostic(at..at + 9, None);
        let out = windowed(&text, &d);
        assert!(out.contains("save(job);"), "{out}");
        assert!(out.lines().all(|l| l.chars().count() < 200), "{out}");
        assert!(out.contains(&format!("[a.js:1:{}]", at + 1)), "{out}");
    }

    /// A finding in `report.js` whose related locations are in `app.js`, in a file that does
    /// not exist, and in `report.js` itself; the files live in a fresh temp folder.
    pub(crate) fn cross_file_result(name: &str) -> (PathBuf, FileResult) {
        let dir = std::env::temp_dir().join(format!("nodepit-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("app.js"),
            "const app = require('express')();\napp.get('/r', report.get);\n",
        )
        .unwrap();
        let text = "exports.get = (req, res) => {\n  fs.readFileSync('x');\n};\n".to_string();
        let mut d = Diagnostic::new("no-sync-in-handler", Severity::Error, 33..48, "blocks");
        let related = |path: PathBuf, range: std::ops::Range<usize>, message: &str| Related {
            path: Some(path),
            range,
            message: message.into(),
        };
        d.related = vec![
            related(dir.join("app.js"), 34..41, "registered here"),
            related(dir.join("gone.js"), 0..1, "called in a deleted file"),
            related(dir.join("report.js"), 14..29, "the handler"),
        ];
        let result = FileResult {
            path: dir.join("report.js"),
            bytes: text.len(),
            text,
            diagnostics: vec![d],
            original: None,
            fixes_applied: 0,
            fix_error: None,
            read_time: std::time::Duration::ZERO,
            times: nodepit_analyzer::LintTimes::default(),
            io_error: None,
        };
        (dir, result)
    }

    /// A related location in another file is a note with its path and position, not a label
    /// drawn at the same offset of this file; one in this file stays a label.
    #[test]
    fn related_locations_in_other_files_are_notes() {
        let (dir, result) = cross_file_result("render");
        let out = pretty(&[result], false, 1);
        let app = shown_path(&dir.join("app.js"));
        let gone = shown_path(&dir.join("gone.js"));
        assert!(
            out.contains(&format!("  note: {app}:2:1: registered here\n")),
            "{out}"
        );
        assert!(
            out.contains(&format!("  note: {gone}: called in a deleted file\n")),
            "{out}"
        );
        assert_eq!(out.matches("registered here").count(), 1, "{out}");
        assert!(out.contains("╰── the handler"), "{out}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
