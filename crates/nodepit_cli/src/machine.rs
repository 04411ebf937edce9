//! Machine formats for CI: SARIF, GitHub workflow commands, GitLab Code Quality, JUnit,
//! Checkstyle and a compact one-line-per-finding format. Typed structures (serde-sarif,
//! serde, quick-xml's writer) keep them valid; nothing is assembled by string concatenation.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

use nodepit_analyzer::semantic::LineIndex;
use nodepit_analyzer::{Diagnostic, RuleMeta, Severity, INTERNAL_ERROR, SYNTAX_ERROR};
use nodepit_workspace::{display_path, docs_url, fingerprints, FileResult};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use serde::Serialize;
use serde_sarif::sarif;

/// 1-based `(line, column)` of a byte offset, columns in characters or UTF-16 units. The line
/// index is built on first use: most files have no findings and need none. Columns are counted on
/// from the previous position when it is earlier on the same line, so thousands of findings on
/// one long (minified) line cost one pass over it rather than one each.
pub(crate) struct Positions<'t> {
    text: &'t str,
    index: std::cell::OnceCell<LineIndex>,
    last: std::cell::Cell<Option<Counted>>,
}

/// A position already counted: byte offset, 0-based line and 0-based columns in both units.
#[derive(Clone, Copy)]
struct Counted {
    offset: usize,
    line: usize,
    chars: usize,
    utf16: usize,
}

impl<'t> Positions<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        Self {
            text,
            index: std::cell::OnceCell::new(),
            last: std::cell::Cell::new(None),
        }
    }

    fn index(&self) -> &LineIndex {
        self.index.get_or_init(|| LineIndex::new(self.text))
    }

    fn counted(&self, offset: usize) -> Counted {
        let offset = crate::render::floor_boundary(self.text, offset.min(self.text.len()));
        let index = self.index();
        let line = index.line(offset);
        let from = match self.last.get() {
            Some(c) if c.line == line && c.offset <= offset => c,
            _ => Counted {
                offset: index.line_start(line).unwrap_or(0),
                line,
                chars: 0,
                utf16: 0,
            },
        };
        let between = &self.text[from.offset..offset];
        let here = Counted {
            offset,
            line,
            chars: from.chars + between.chars().count(),
            utf16: from.utf16 + between.chars().map(char::len_utf16).sum::<usize>(),
        };
        self.last.set(Some(here));
        here
    }

    pub(crate) fn chars(&self, offset: usize) -> (usize, usize) {
        let c = self.counted(offset);
        (c.line + 1, c.chars + 1)
    }

    fn utf16(&self, offset: usize) -> (usize, usize) {
        let c = self.counted(offset);
        (c.line + 1, c.utf16 + 1)
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
        Severity::Note => "note",
    }
}

// ---------------------------------------------------------------------------------------------
// SARIF

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

/// Characters a URI path keeps as they are: unreserved ones and `/`.
const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// A relative path as an RFC 3986 URI reference: unreserved characters and `/` stay, the rest
/// is percent-encoded.
fn path_uri(path: &Path) -> String {
    percent_encoding::utf8_percent_encode(&display_path(path), KEEP).to_string()
}

/// The URI of another file of the project (absolute): relative to the current folder when
/// inside it, like the files linted, else a `file:` URI.
fn other_uri(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    match path.strip_prefix(&cwd) {
        Ok(rel) => path_uri(rel),
        Err(_) => format!(
            "file://{}",
            percent_encoding::utf8_percent_encode(&display_path(path), KEEP)
        ),
    }
}

/// A rule's (or built-in diagnostic's) SARIF description: summary, question, doc and level.
fn descriptor(m: &RuleMeta) -> sarif::ReportingDescriptor {
    let full = m
        .section("Interview question")
        .or(m.section("What it means"))
        .unwrap_or(m.summary())
        .trim_start_matches("> ");
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
                .text(full.to_string())
                .build(),
        )
        .help_uri(crate::render::doc_url(m.id).unwrap_or_else(|| docs_url(m.id)))
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
}

/// SARIF 2.1.0 for GitHub code scanning.
pub fn sarif_log(results: &[FileResult]) -> String {
    // Rules first, then the diagnostics nodepit reports itself; each carries its whole doc.
    let metas = nodepit_rules::REGISTRY
        .iter()
        .map(|e| e.meta)
        .chain(nodepit_analyzer::BUILTIN);
    let rules: Vec<sarif::ReportingDescriptor> = metas.map(descriptor).collect();
    let index_of = |id: &str| rules.iter().position(|r| r.id == id).map(|i| i as i64);
    let elsewhere = crate::render::Elsewhere::new(results);
    let mut other_positions: std::collections::HashMap<&Path, Positions<'_>> =
        std::collections::HashMap::new();
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
                Severity::Note => sarif::ResultLevel::Note,
            };
            let related: Vec<sarif::Location> = d
                .related
                .iter()
                .enumerate()
                .filter_map(|(i, rel)| {
                    let mut loc = match crate::render::other_file(&r.path, rel) {
                        // In another file: its own URI, positions counted in its text.
                        Some(path) => {
                            let text = elsewhere.text(path)?;
                            let other = other_positions
                                .entry(path)
                                .or_insert_with(|| Positions::new(text));
                            let region = sarif_region(other, &rel.range);
                            sarif_location(&other_uri(path), region, Some(&rel.message))
                        }
                        None => {
                            sarif_location(&uri, sarif_region(&p, &rel.range), Some(&rel.message))
                        }
                    };
                    loc.id = Some(i as i64);
                    Some(loc)
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
            // Workflow commands call the lowest level `notice`.
            let command = match d.severity {
                Severity::Note => "notice",
                s => level_name(s),
            };
            out.push_str(&format!(
                "::{command} file={file},line={l},col={c},endLine={el},endColumn={ec},title={}::{}\n",
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
                (_, Severity::Note) => "info",
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
    // A note (a skipped file) is a skipped test case, not a failure.
    let notes = |r: &FileResult| {
        r.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Note)
            .count()
    };
    let total: usize = results.iter().map(|r| r.diagnostics.len().max(1)).sum();
    let skipped: usize = results.iter().map(notes).sum();
    let failures: usize = results.iter().map(|r| r.diagnostics.len()).sum::<usize>() - skipped;
    let mut suites = BytesStart::new("testsuites");
    suites.push_attribute(("name", "nodepit"));
    suites.push_attribute(("tests", total.to_string().as_str()));
    suites.push_attribute(("failures", failures.to_string().as_str()));
    if skipped > 0 {
        suites.push_attribute(("skipped", skipped.to_string().as_str()));
    }
    put(&mut w, Event::Start(suites));
    for r in results {
        let path = display_path(&r.path);
        let p = Positions::new(&r.text);
        let mut suite = BytesStart::new("testsuite");
        suite.push_attribute(("name", path.as_str()));
        let skipped = notes(r);
        suite.push_attribute(("tests", r.diagnostics.len().max(1).to_string().as_str()));
        suite.push_attribute((
            "failures",
            (r.diagnostics.len() - skipped).to_string().as_str(),
        ));
        suite.push_attribute(("errors", "0"));
        if skipped > 0 {
            suite.push_attribute(("skipped", skipped.to_string().as_str()));
        }
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
            let element = match d.severity {
                Severity::Note => "skipped",
                _ => "failure",
            };
            let mut failure = BytesStart::new(element);
            failure.push_attribute(("message", d.message.as_str()));
            // JUnit's schema gives `skipped` a message only.
            if element == "failure" {
                failure.push_attribute(("type", d.rule));
            }
            put(&mut w, Event::Start(failure));
            let body = format!(
                "{} at {path}:{l}:{c}\n{}",
                level_name(d.severity),
                full_message(d)
            );
            put(&mut w, Event::Text(BytesText::new(&body)));
            put(&mut w, Event::End(BytesEnd::new(element)));
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
            let severity = match d.severity {
                Severity::Note => "info",
                s => level_name(s),
            };
            e.push_attribute(("severity", severity));
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

    /// A related location in another file gets that file's URI and a region counted in its
    /// text; one in a file that cannot be read is left out.
    #[test]
    fn sarif_related_locations_in_other_files() {
        let (dir, result) = crate::render::tests::cross_file_result("sarif");
        let log: serde_json::Value = serde_json::from_str(&sarif_log(&[result])).unwrap();
        let related = log["runs"][0]["results"][0]["relatedLocations"]
            .as_array()
            .unwrap();
        assert_eq!(related.len(), 2, "{related:?}");
        let app = &related[0]["physicalLocation"];
        assert_eq!(
            app["artifactLocation"]["uri"],
            format!("file://{}", dir.join("app.js").display())
        );
        assert_eq!(app["region"]["startLine"], 2);
        assert_eq!(app["region"]["startColumn"], 1);
        assert_eq!(related[1]["message"]["text"], "the handler");
        assert_eq!(related[1]["physicalLocation"]["region"]["startLine"], 1);
        assert_eq!(related[1]["id"], 2);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn positions_count_on_from_the_previous_one() {
        let text = "a\r\n😀é = 1; b = 2;\nx";
        let index = LineIndex::new(text);
        let p = Positions::new(text);
        // Ascending, repeated, backwards on a line, across lines, past the end, inside a char.
        for offset in [0, 3, 9, 13, 13, 7, 18, 20, 24, 99, 4] {
            let (l, c) = index.char_position(text, offset);
            assert_eq!(p.chars(offset), (l + 1, c + 1), "chars at {offset}");
            let (l, c) = index.utf16_position(text, offset);
            assert_eq!(p.utf16(offset), (l + 1, c + 1), "utf16 at {offset}");
        }
    }

    #[test]
    fn github_escaping() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a,b:c%\n.js"), "a%2Cb%3Ac%25%0A.js");
    }
}
