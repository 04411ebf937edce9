//! Rendering results: miette reports for people, the JSON contract for scripts.

use std::path::Path;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report,
};
use nodepit_analyzer::semantic::LineIndex;
use nodepit_analyzer::{Diagnostic, Severity};
use nodepit_workspace::{docs_url, FileResult};
use serde::Serialize;

/// Counts for the summary line and the JSON `summary`.
struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
}

fn summarize(results: &[FileResult]) -> Summary {
    let all = results.iter().flat_map(|r| &r.diagnostics);
    Summary {
        files: results.len(),
        errors: all
            .clone()
            .filter(|d| d.severity == Severity::Error)
            .count(),
        warnings: all.filter(|d| d.severity == Severity::Warning).count(),
    }
}

/// Human output: one miette report per diagnostic, then a summary line.
pub fn pretty(results: &[FileResult], color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for r in results {
        for d in &r.diagnostics {
            let report = to_report(&r.path, &r.text, d);
            let _ = handler.render_report(&mut out, report.as_ref());
            out.push('\n');
        }
    }
    let s = summarize(results);
    let plural = |n: usize, one: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    out.push_str(&format!(
        "{} and {} in {} checked.\n",
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.files, "file")
    ));
    out
}

fn to_report(path: &Path, text: &str, d: &Diagnostic) -> Report {
    let clamp = |r: &std::ops::Range<usize>| {
        let start = r.start.min(text.len());
        (start, r.end.min(text.len()).saturating_sub(start))
    };
    let (start, len) = clamp(&d.range);
    let mut labels = vec![LabeledSpan::new_primary_with_span(None, (start, len))];
    for rel in &d.related {
        let (s, l) = clamp(&rel.range);
        labels.push(LabeledSpan::new_with_span(
            Some(rel.message.clone()),
            (s, l),
        ));
    }
    let mut help = d.help.clone().unwrap_or_default();
    if nodepit_rules::find(d.rule).is_some() {
        if !help.is_empty() {
            help.push('\n');
        }
        help.push_str(&format!("Why this matters: `nodepit explain {}`", d.rule));
    }
    let mut diag = MietteDiagnostic::new(d.message.clone())
        .with_code(d.rule)
        .with_severity(match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
        .with_labels(labels);
    if !help.is_empty() {
        diag = diag.with_help(help);
    }
    Report::new(diag).with_source_code(NamedSource::new(
        path.display().to_string(),
        text.to_string(),
    ))
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
}

/// The JSON contract: exactly one object, 1-based lines and columns counted in characters.
pub fn json(results: &[FileResult]) -> String {
    let mut diagnostics = Vec::new();
    for r in results {
        if r.diagnostics.is_empty() {
            continue;
        }
        let index = LineIndex::new(&r.text);
        for d in &r.diagnostics {
            let (line, col) = index.char_position(&r.text, d.range.start);
            let (end_line, end_col) = index.char_position(&r.text, d.range.end);
            diagnostics.push(JsonDiagnostic {
                rule: d.rule,
                severity: d.severity.as_str(),
                message: &d.message,
                path: r.path.display().to_string(),
                line: line + 1,
                column: col + 1,
                end_line: end_line + 1,
                end_column: end_col + 1,
                docs_url: nodepit_rules::find(d.rule).map(|_| docs_url(d.rule)),
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
