//! Code actions: a rule's fixes, suppressing a rule for a line or a file, removing an unused
//! suppression, explaining a rule, running its demonstration, and fixing everything safe at once.

use std::collections::HashMap;
use std::path::Path;

use nodepit_analyzer::semantic::LineIndex;
use nodepit_analyzer::{parse_directive, Diagnostic, UNUSED_SUPPRESSION};
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Command, Diagnostic as LspDiagnostic,
    TextEdit, Uri, WorkspaceEdit,
};

use crate::document::{range, Encoding};

/// The command that opens a rule's doc.
pub const EXPLAIN: &str = "nodepit.explain";

/// The command that runs a rule's demonstration (its doc's `js demo` program) with Node.
pub const RUN_DEMO: &str = "nodepit.runDemo";

/// What the action builders need to know about the document.
pub struct Doc<'a> {
    /// The document.
    pub uri: &'a Uri,
    /// Its text.
    pub text: &'a str,
    /// Its line index.
    pub index: &'a LineIndex,
    /// The negotiated position encoding.
    pub enc: Encoding,
}

impl Doc<'_> {
    fn edit(&self, r: std::ops::Range<usize>, new_text: String) -> TextEdit {
        TextEdit {
            range: range(self.text, self.index, &r, self.enc),
            new_text,
        }
    }

    fn workspace_edit(&self, edits: Vec<TextEdit>) -> WorkspaceEdit {
        WorkspaceEdit {
            changes: Some(HashMap::from([(self.uri.clone(), edits)])),
            ..Default::default()
        }
    }

    fn line_text(&self, line: usize) -> (usize, &str) {
        let start = self.index.line_start(line).unwrap_or(self.text.len());
        let end = self.index.line_start(line + 1).unwrap_or(self.text.len());
        (start, self.text[start..end].trim_end_matches(['\n', '\r']))
    }

    fn newline(&self) -> &'static str {
        if self.text.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        }
    }
}

/// The actions offered for one diagnostic.
pub fn for_diagnostic(
    doc: &Doc<'_>,
    d: &Diagnostic,
    lsp: &LspDiagnostic,
) -> Vec<CodeActionOrCommand> {
    let mut out = Vec::new();
    let action = |title: String, edits: Vec<TextEdit>, preferred: bool| {
        CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![lsp.clone()]),
            edit: Some(doc.workspace_edit(edits)),
            is_preferred: preferred.then_some(true),
            ..Default::default()
        })
    };
    for fix in &d.fixes {
        let edits = fix
            .edits
            .iter()
            .map(|e| doc.edit(e.range.clone(), e.text.clone()))
            .collect();
        out.push(action(fix.message.clone(), edits, fix.safe));
    }
    if d.rule == UNUSED_SUPPRESSION {
        if let Some(r) = removal(doc, &d.range) {
            out.push(action(
                "Remove the unused suppression".to_string(),
                vec![doc.edit(r, String::new())],
                true,
            ));
        }
        return out;
    }
    if nodepit_rules::find(d.rule).is_none() {
        return out;
    }
    out.push(action(
        format!("Disable {} for this line", d.rule),
        vec![disable_line(doc, d)],
        false,
    ));
    out.push(action(
        format!("Disable {} for this file", d.rule),
        vec![disable_file(doc, d.rule)],
        false,
    ));
    out.push(CodeActionOrCommand::CodeAction(CodeAction {
        title: format!("Explain {}", d.rule),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![lsp.clone()]),
        command: Some(Command {
            title: format!("Explain {}", d.rule),
            command: EXPLAIN.to_string(),
            arguments: Some(vec![serde_json::Value::String(d.rule.to_string())]),
        }),
        ..Default::default()
    }));
    if nodepit_rules::find(d.rule).is_some_and(|e| e.meta.demo().is_some()) {
        let title = format!("Run the demonstration of {}", d.rule);
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: title.clone(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![lsp.clone()]),
            command: Some(Command {
                title,
                command: RUN_DEMO.to_string(),
                arguments: Some(vec![serde_json::Value::String(d.rule.to_string())]),
            }),
            ..Default::default()
        }));
    }
    out
}

/// `source.fixAll.nodepit`: every safe fix, through the same checked fixer as `nodepit check
/// --fix` (identical edits such as two findings adding one import apply once; a fix whose result
/// would not parse or would redeclare a name is dropped), sent as one edit spanning the changes.
pub fn fix_all(
    doc: &Doc<'_>,
    path: &Path,
    diagnostics: &[Diagnostic],
) -> Option<CodeActionOrCommand> {
    let fixed = nodepit_workspace::fix_text(path, doc.text, diagnostics, None, false).ok()??;
    if fixed.applied == 0 || fixed.text == doc.text {
        return None;
    }
    // Only the span between the first and last changed byte is replaced, so the editor keeps
    // the cursor and folds outside it.
    let (old, new) = (doc.text, fixed.text.as_str());
    let mut prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let mut suffix = old[prefix..]
        .bytes()
        .rev()
        .zip(new[prefix..].bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    let edit = doc.edit(
        prefix..old.len() - suffix,
        new[prefix..new.len() - suffix].to_string(),
    );
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title: "Fix all safe nodepit findings".to_string(),
        kind: Some(CodeActionKind::new("source.fixAll.nodepit")),
        edit: Some(doc.workspace_edit(vec![edit])),
        ..Default::default()
    }))
}

/// Inserts `// nodepit-disable-next-line <rule>` above the flagged line, at its indentation, or
/// adds the rule to a directive already there.
fn disable_line(doc: &Doc<'_>, d: &Diagnostic) -> TextEdit {
    let line = doc.index.line(d.range.start);
    let (start, text) = doc.line_text(line);
    if line > 0 {
        let (prev_start, prev) = doc.line_text(line - 1);
        let trimmed = prev.trim_start();
        if let Some(rest) = trimmed.strip_prefix("//") {
            if rest.trim_start().starts_with("nodepit-disable-next-line") {
                let insert_at = match prev.find(" --") {
                    Some(i) => prev_start + i,
                    None => prev_start + prev.len(),
                };
                let has_rules = rest.trim_start().len() > "nodepit-disable-next-line".len();
                let sep = if has_rules { ", " } else { " " };
                return doc.edit(insert_at..insert_at, format!("{sep}{}", d.rule));
            }
        }
    }
    let indent: String = text.chars().take_while(|c| c.is_whitespace()).collect();
    doc.edit(
        start..start,
        format!(
            "{indent}// nodepit-disable-next-line {}{}",
            d.rule,
            doc.newline()
        ),
    )
}

/// Inserts `/* nodepit-disable <rule> */` at the top of the file, after a shebang.
fn disable_file(doc: &Doc<'_>, rule: &str) -> TextEdit {
    let at = if doc.text.starts_with("#!") {
        doc.index.line_start(1).unwrap_or(doc.text.len())
    } else {
        0
    };
    doc.edit(
        at..at,
        format!("/* nodepit-disable {rule} */{}", doc.newline()),
    )
}

/// The text to delete to remove nodepit's directive (or one rule id of it) around `target`,
/// leaving other comments and code alone.
fn removal(doc: &Doc<'_>, target: &std::ops::Range<usize>) -> Option<std::ops::Range<usize>> {
    let line = doc.index.line(target.start);
    let (line_start, line_text) = doc.line_text(line);
    let before = &doc.text[line_start..target.start];
    let (open, block) = [("/*", true), ("//", false)]
        .into_iter()
        .filter_map(|(m, b)| before.rfind(m).map(|i| (line_start + i, b)))
        .filter(|(at, _)| doc.text[*at..].contains("nodepit-disable"))
        .max_by_key(|(at, _)| *at)?;
    let close = if block {
        open + 2 + doc.text[open + 2..].find("*/")? + 2
    } else {
        line_start + line_text.len()
    };
    let inner = &doc.text[open + 2..if block { close - 2 } else { close }];
    let directive = parse_directive(inner, open..close, block)?;
    if directive.rules.len() > 1 {
        let i = directive
            .rules
            .iter()
            .position(|(_, r)| r.start == target.start)?;
        let r = &directive.rules[i].1;
        return Some(if i > 0 {
            directive.rules[i - 1].1.end..r.end
        } else {
            r.start..directive.rules[1].1.start
        });
    }
    let line_end = doc.index.line_start(line + 1).unwrap_or(doc.text.len());
    let alone_before = doc.text[line_start..open].trim().is_empty();
    let alone_after = doc.text[close..line_start + line_text.len()]
        .trim()
        .is_empty();
    if alone_before && alone_after {
        return Some(line_start..line_end);
    }
    // A trailing comment: also drop the spaces that separated it from the code.
    let trimmed = doc.text[line_start..open].trim_end().len();
    Some(line_start + trimmed..close)
}
