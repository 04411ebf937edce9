//! Machine formats for CI: SARIF, GitHub workflow commands, GitLab Code Quality, JUnit,
//! Checkstyle and a compact one-line-per-finding format. Typed structures (serde-sarif,
//! serde, quick-xml's writer) keep them valid; nothing is assembled by string concatenation.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

use nodepit_analyzer::semantic::LineIndex;
use nodepit_analyzer::{Diagnostic, Severity, INTERNAL_ERROR, SYNTAX_ERROR, UNUSED_SUPPRESSION};
use nodepit_workspace::{display_path, docs_url, fingerprints, FileResult};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use serde::Serialize;
use serde_sarif::sarif;

/// 1-based `(line, column)` of a byte offset, columns in characters or UTF-16 units. The line
/// index is built on first use: most files have no findings and need none.
struct Positions<'t> {
    text: &'t str,
    index: std::cell::OnceCell<LineIndex>,
}

impl<'t> Positions<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text,
            index: std::cell::OnceCell::new(),
        }
    }
    fn index(&self) -> &LineIndex {
        self.index.get_or_init(|| LineIndex::new(self.text))
    }
    fn chars(&self, offset: usize) -> (usize, usize) {
        let (l, c) = self.index().char_position(self.text, offset);
        (l + 1, c + 1)
    }
    fn utf16(&self, offset: usize) -> (usize, usize) {
        let (l, c) = self.index().utf16_position(self.text, offset);
        (l + 1, c + 1)
    }
}

fn full_message(d: &Diagnostic) -> String {
    match &d.help {
        Some(help) => format!("{} {help}", d.message),
        None => d.message.clone(),
    }
}

fn level_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

// ---------------------------------------------------------------------------------------------
// SARIF

/// Pseudo-rules nodepit itself reports, described for SARIF consumers.
const BUILTIN_RULES: &[(&str, &str)] = &[
    (
        SYNTAX_ERROR,
        "The file could not be parsed (or is not UTF-8), so it was not linted.",
    ),
    (
        INTERNAL_ERROR,
        "nodepit crashed while analysing the file; the other files were still linted.",
    ),
    (
        UNUSED_SUPPRESSION,
        "A nodepit suppression comment silences nothing, or names an unknown rule.",
    ),
];

fn sarif_region(p: &Positions<'_>, range: &std::ops::Range<usize>) -> sarif::Region {
    let (sl, sc) = p.utf16(range.start);
    let (el, ec) = p.utf16(range.end);
    sarif::Region::builder()
        .start_line(sl as i64)
        .start_column(sc as i64)
        .end_line(el as i64)
        .end_column(ec as i64)
        .build()
}

fn sarif_location(uri: &str, region: sarif::Region, message: Option<&str>) -> sarif::Location {
    let physical = sarif::PhysicalLocation::builder()
        .artifact_location(
            sarif::ArtifactLocation::builder()
                .uri(uri.to_string())
                .build(),
        )
        .region(region)
        .build();
    match message {
        Some(m) => sarif::Location::builder()
            .physical_location(physical)
            .message(sarif::Message::builder().text(m.to_string()).build())
            .build(),
        None => sarif::Location::builder()
            .physical_location(physical)
            .build(),
    }
}

/// SARIF's friendly rule names are Pascal case: `no-floating-promise` → `NoFloatingPromise`.
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|w| w[..1].to_ascii_uppercase() + &w[1..])
        .collect()
}

/// A relative path as an RFC 3986 URI reference: unreserved characters and `/` stay, the rest
/// is percent-encoded.
fn path_uri(path: &Path) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~')
        .remove(b'/');
    percent_encoding::utf8_percent_encode(&display_path(path), KEEP).to_string()
}

/// SARIF 2.1.0 for GitHub code scanning.
pub fn sarif_log(results: &[FileResult]) -> String {
    let mut rules: Vec<sarif::ReportingDescriptor> = nodepit_rules::REGISTRY
        .iter()
        .map(|e| {
            let m = e.meta;
            sarif::ReportingDescriptor::builder()
                .id(m.id.to_string())
                .name(pascal_case(m.id))
                .short_description(
                    sarif::MultiformatMessageString::builder()
                        .text(m.summary().to_string())
                        .build(),
                )
                .full_description(
                    sarif::MultiformatMessageString::builder()
                        .text(
                            m.section("Interview question")
                                .unwrap_or(m.summary())
                                .trim_start_matches("> ")
                                .to_string(),
                        )
                        .build(),
                )
                .help_uri(docs_url(m.id))
                .help(
                    sarif::MultiformatMessageString::builder()
                        .text(m.doc.to_string())
                        .markdown(m.doc.to_string())
                        .build(),
                )
                .default_configuration(
                    sarif::ReportingConfiguration::builder()
                        .level(serde_json::json!(level_name(m.severity)))
                        .build(),
                )
                .build()
        })
        .collect();
    for (id, text) in BUILTIN_RULES {
        rules.push(
            sarif::ReportingDescriptor::builder()
                .id(id.to_string())
                .name(pascal_case(id))
                .help_uri("https://github.com/nodepit/nodepit#readme".to_string())
                .short_description(
                    sarif::MultiformatMessageString::builder()
                        .text(text.to_string())
                        .build(),
                )
                .build(),
        );
    }
    let index_of = |id: &str| rules.iter().position(|r| r.id == id).map(|i| i as i64);
    let mut out = Vec::new();
    for r in results {
        if r.diagnostics.is_empty() {
            continue;
        }
        let uri = path_uri(&r.path);
        let p = Positions::new(&r.text);
        let prints = fingerprints(&r.path, &r.text, &r.diagnostics);
        for (d, print) in r.diagnostics.iter().zip(prints) {
            let level = match d.severity {
                Severity::Error => sarif::ResultLevel::Error,
                Severity::Warning => sarif::ResultLevel::Warning,
            };
            let related: Vec<sarif::Location> = d
                .related
                .iter()
                .enumerate()
                .map(|(i, rel)| {
                    let mut loc =
                        sarif_location(&uri, sarif_region(&p, &rel.range), Some(&rel.message));
                    loc.id = Some(i as i64);
                    loc
                })
                .collect();
            let fixes: Vec<sarif::Fix> = d
                .fixes
                .iter()
                .map(|f| {
                    let replacements: Vec<sarif::Replacement> = f
                        .edits
                        .iter()
                        .map(|e| {
                            sarif::Replacement::builder()
                                .deleted_region(sarif_region(&p, &e.range))
                                .inserted_content(
                                    sarif::ArtifactContent::builder()
                                        .text(e.text.clone())
                                        .build(),
                                )
                                .build()
                        })
                        .collect();
                    sarif::Fix::builder()
                        .description(sarif::Message::builder().text(f.message.clone()).build())
                        .artifact_changes(vec![sarif::ArtifactChange::builder()
                            .artifact_location(
                                sarif::ArtifactLocation::builder().uri(uri.clone()).build(),
                            )
                            .replacements(replacements)
                            .build()])
                        .build()
                })
                .collect();
            let mut result = sarif::Result::builder()
                .rule_id(d.rule.to_string())
                .level(level)
                .message(sarif::Message::builder().text(full_message(d)).build())
                .locations(vec![sarif_location(&uri, sarif_region(&p, &d.range), None)])
                .partial_fingerprints(BTreeMap::from([(
                    "nodepitFingerprint/v1".to_string(),
                    print,
                )]))
                .build();
            result.rule_index = index_of(d.rule);
            if !related.is_empty() {
                result.related_locations = Some(related);
            }
            if !fixes.is_empty() {
                result.fixes = Some(fixes);
            }
            out.push(result);
        }
    }
    let driver = sarif::ToolComponent::builder()
        .name("nodepit".to_string())
        .version(env!("CARGO_PKG_VERSION").to_string())
        .information_uri("https://github.com/nodepit/nodepit".to_string())
        .rules(rules)
        .build();
    let mut run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(out)
        .build();
    run.column_kind = Some(serde_json::json!("utf16CodeUnits"));
    let log = sarif::Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json".to_string())
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build();
    let mut text = serde_json::to_string_pretty(&log).expect("serialisable");
    text.push('\n');
    text
}

// ---------------------------------------------------------------------------------------------
// GitHub workflow commands

/// Escapes a workflow command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands.
pub fn github(results: &[FileResult]) -> String {
    let mut out = String::new();
    for r in results {
        let file = escape_property(&display_path(&r.path));
        let p = Positions::new(&r.text);
        for d in &r.diagnostics {
            let (l, c) = p.chars(d.range.start);
            let (el, ec) = p.chars(d.range.end);
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push('\n');
                message.push_str(help);
            }
            out.push_str(&format!(
                "::{} file={file},line={l},col={c},endLine={el},endColumn={ec},title={}::{}\n",
                level_name(d.severity),
                escape_property(d.rule),
                escape_data(&message)
            ));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// GitLab Code Quality

#[derive(Serialize)]
struct CodeQualityIssue {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: CodeQualityLocation,
}

#[derive(Serialize)]
struct CodeQualityLocation {
    path: String,
    lines: CodeQualityLines,
}

#[derive(Serialize)]
struct CodeQualityLines {
    begin: usize,
    end: usize,
}

/// GitLab Code Quality JSON.
pub fn gitlab(results: &[FileResult]) -> String {
    let mut issues = Vec::new();
    for r in results {
        let p = Positions::new(&r.text);
        let path = display_path(&r.path);
        for (d, print) in r
            .diagnostics
            .iter()
            .zip(fingerprints(&r.path, &r.text, &r.diagnostics))
        {
            let severity = match (d.rule, d.severity) {
                (SYNTAX_ERROR | INTERNAL_ERROR, _) => "blocker",
                (_, Severity::Error) => "major",
                (_, Severity::Warning) => "minor",
            };
            issues.push(CodeQualityIssue {
                description: full_message(d),
                check_name: d.rule.to_string(),
                fingerprint: format!("{print}:{path}"),
                severity,
                location: CodeQualityLocation {
                    path: path.clone(),
                    lines: CodeQualityLines {
                        begin: p.chars(d.range.start).0,
                        end: p.chars(d.range.end).0,
                    },
                },
            });
        }
    }
    let mut text = serde_json::to_string_pretty(&issues).expect("serialisable");
    text.push('\n');
    text
}

// ---------------------------------------------------------------------------------------------
// JUnit and Checkstyle XML

fn xml_writer() -> Writer<Cursor<Vec<u8>>> {
    let mut w = Writer::new_with_indent(Cursor::new(Vec::new()), b' ', 2);
    put(
        &mut w,
        Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)),
    );
    w
}

/// Writes one XML event into the in-memory buffer, which cannot fail.
fn put(w: &mut Writer<Cursor<Vec<u8>>>, event: Event<'_>) {
    w.write_event(event).expect("in memory");
}

fn xml_string(w: Writer<Cursor<Vec<u8>>>) -> String {
    let mut s = String::from_utf8(w.into_inner().into_inner()).expect("UTF-8 XML");
    s.push('\n');
    s
}

/// JUnit XML, a test suite per file.
pub fn junit(results: &[FileResult]) -> String {
    let mut w = xml_writer();
    let total: usize = results.iter().map(|r| r.diagnostics.len().max(1)).sum();
    let failures: usize = results.iter().map(|r| r.diagnostics.len()).sum();
    let mut suites = BytesStart::new("testsuites");
    suites.push_attribute(("name", "nodepit"));
    suites.push_attribute(("tests", total.to_string().as_str()));
    suites.push_attribute(("failures", failures.to_string().as_str()));
    put(&mut w, Event::Start(suites));
    for r in results {
        let path = display_path(&r.path);
        let p = Positions::new(&r.text);
        let mut suite = BytesStart::new("testsuite");
        suite.push_attribute(("name", path.as_str()));
        suite.push_attribute(("tests", r.diagnostics.len().max(1).to_string().as_str()));
        suite.push_attribute(("failures", r.diagnostics.len().to_string().as_str()));
        suite.push_attribute(("errors", "0"));
        put(&mut w, Event::Start(suite));
        if r.diagnostics.is_empty() {
            let mut case = BytesStart::new("testcase");
            case.push_attribute(("name", "no findings"));
            case.push_attribute(("classname", path.as_str()));
            put(&mut w, Event::Empty(case));
        }
        for d in &r.diagnostics {
            let (l, c) = p.chars(d.range.start);
            let name = format!("{path}:{l}:{c} {}", d.rule);
            let mut case = BytesStart::new("testcase");
            case.push_attribute(("name", name.as_str()));
            case.push_attribute(("classname", path.as_str()));
            put(&mut w, Event::Start(case));
            let mut failure = BytesStart::new("failure");
            failure.push_attribute(("message", d.message.as_str()));
            failure.push_attribute(("type", d.rule));
            put(&mut w, Event::Start(failure));
            let body = format!(
                "{} at {path}:{l}:{c}\n{}",
                level_name(d.severity),
                full_message(d)
            );
            put(&mut w, Event::Text(BytesText::new(&body)));
            put(&mut w, Event::End(BytesEnd::new("failure")));
            put(&mut w, Event::End(BytesEnd::new("testcase")));
        }
        put(&mut w, Event::End(BytesEnd::new("testsuite")));
    }
    put(&mut w, Event::End(BytesEnd::new("testsuites")));
    xml_string(w)
}

/// Checkstyle XML.
pub fn checkstyle(results: &[FileResult]) -> String {
    let mut w = xml_writer();
    let mut root = BytesStart::new("checkstyle");
    root.push_attribute(("version", "4.3"));
    put(&mut w, Event::Start(root));
    for r in results {
        let path = display_path(&r.path);
        let p = Positions::new(&r.text);
        let mut file = BytesStart::new("file");
        file.push_attribute(("name", path.as_str()));
        if r.diagnostics.is_empty() {
            put(&mut w, Event::Empty(file));
            continue;
        }
        put(&mut w, Event::Start(file));
        for d in &r.diagnostics {
            let (l, c) = p.chars(d.range.start);
            let source = format!("nodepit.{}", d.rule);
            let message = full_message(d);
            let mut e = BytesStart::new("error");
            e.push_attribute(("line", l.to_string().as_str()));
            e.push_attribute(("column", c.to_string().as_str()));
            e.push_attribute(("severity", level_name(d.severity)));
            e.push_attribute(("message", message.as_str()));
            e.push_attribute(("source", source.as_str()));
            put(&mut w, Event::Empty(e));
        }
        put(&mut w, Event::End(BytesEnd::new("file")));
    }
    put(&mut w, Event::End(BytesEnd::new("checkstyle")));
    xml_string(w)
}

// ---------------------------------------------------------------------------------------------
// Compact

/// `path:line:column: severity rule message`, one line per finding.
pub fn compact(results: &[FileResult]) -> String {
    let mut out = String::new();
    for r in results.iter().filter(|r| !r.diagnostics.is_empty()) {
        let p = Positions::new(&r.text);
        let path = display_path(&r.path);
        for d in &r.diagnostics {
            let (l, c) = p.chars(d.range.start);
            let message = d.message.replace(['\n', '\r'], " ");
            out.push_str(&format!(
                "{path}:{l}:{c}: {} {} {message}\n",
                level_name(d.severity),
                d.rule
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escaping() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a,b:c%\n.js"), "a%2Cb%3Ac%25%0A.js");
    }
}
