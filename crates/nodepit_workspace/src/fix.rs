//! Applying fixes to a file's text, and checking the result before anything is written: the
//! fixed text must still parse, must not declare a name twice where JavaScript forbids it (swc
//! parses a duplicate `const` happily, Node does not), and must no longer carry the findings
//! the fixes were meant to remove. A fix whose result fails a check is refused and the others
//! are tried again without it.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;

use nodepit_analyzer::semantic::{analyze, SourceType};
use nodepit_analyzer::{lint_source, Diagnostic, Edit, RuleSet, SYNTAX_ERROR};

/// Why a file's fixes were not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixError(pub String);

/// A file's text after its fixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    /// The fixed text.
    pub text: String,
    /// How many fixes went in.
    pub applied: usize,
    /// The findings of the fixed text, when rules were given to check it.
    pub diagnostics: Option<Vec<Diagnostic>>,
    /// Fixes that were refused because their result failed a check, each with the reason.
    pub refused: Vec<String>,
}

/// Applies every diagnostic's first eligible fix (safe ones, or any with `include_unsafe`) in one
/// pass, and checks the result: fixes that overlap an earlier one wait for the next run,
/// identical edits (two findings adding the same import) apply once, and a fix that would delete
/// a comment is skipped. Inserted text follows the file's line endings and never lands before a
/// byte order mark or a `#!` line.
///
/// A fix is refused when the fixed text would not parse, would redeclare a name, or (with
/// `rules`) would still be flagged where the fix applied, whether by its own rule or another.
/// The remaining fixes are then applied without it. `None` when there is nothing to fix; an
/// error when every fix was refused (the file must then be left alone).
pub fn fix_text(
    path: &Path,
    text: &str,
    diagnostics: &[Diagnostic],
    rules: Option<&RuleSet>,
    include_unsafe: bool,
) -> Result<Option<Fixed>, FixError> {
    // Parsed as the lint parsed it (`.d.ts` as declarations), so the checks see the same code.
    let source_type = SourceType::for_file(path);
    let typescript = source_type.is_typescript();
    let mut excluded = BTreeSet::new();
    let mut refused: Vec<String> = Vec::new();
    let mut original_parses = None;
    loop {
        let mut plan = Plan::select(text, diagnostics, include_unsafe, &excluded);
        if plan.applied.is_empty() {
            return if refused.is_empty() {
                Ok(None)
            } else {
                Err(FixError(refused.join("; ")))
            };
        }
        let out = plan.apply(text);
        let (errors, redeclared) = analyze(&out, source_type, |model, errors, _| {
            (
                errors.first().map(|e| e.range.start),
                model
                    .map(|m| m.redeclarations(typescript))
                    .unwrap_or_default(),
            )
        });
        let mut blamed = BTreeSet::new();
        // Refuses fix `i` for `why`, keeping the first reason when several checks blame it.
        let mut blame = |blamed: &mut BTreeSet<usize>, i: usize, why: &str| {
            if blamed.insert(i) {
                refused.push(reason(text, &diagnostics[i], why));
            }
        };
        if let Some(at) = errors {
            let parses = *original_parses.get_or_insert_with(|| {
                analyze(text, source_type, |_, errors, _| errors.is_empty())
            });
            if parses {
                let culprits = plan.fixes_touching(diagnostics, at..at + 1);
                if culprits.is_empty() {
                    return Err(FixError(
                        "applying the fixes would leave the file with a syntax error, so it was left unchanged"
                            .into(),
                    ));
                }
                for i in culprits {
                    blame(&mut blamed, i, "the fixed code would not parse");
                }
            }
        }
        for r in &redeclared {
            // A clash both of whose declarations were already there is not the fixes' doing.
            let owners = plan
                .owners_of_inserted(r.second.start)
                .or_else(|| plan.owners_of_inserted(r.first.start));
            let why = format!("the fixed code would declare `{}` twice", r.name);
            for i in owners.unwrap_or_default() {
                blame(&mut blamed, i, &why);
            }
        }
        if !blamed.is_empty() {
            excluded.extend(blamed);
            continue;
        }
        let Some(rules) = rules else {
            return Ok(Some(Fixed {
                text: out,
                applied: plan.applied.len(),
                diagnostics: None,
                refused,
            }));
        };
        let after = lint_source(&out, source_type, rules);
        for n in after.iter().filter(|n| n.rule != SYNTAX_ERROR) {
            let old = plan.inverse(n.range.start, false)..plan.inverse(n.range.end, true);
            // A finding the fixes left alone is still there, moved at most.
            let untouched = diagnostics
                .iter()
                .enumerate()
                .any(|(i, d)| d.rule == n.rule && d.range == old && !plan.applied.contains(&i));
            if untouched {
                continue;
            }
            let why = format!("the fixed code would still be flagged by {}", n.rule);
            for i in plan.fixes_touching(diagnostics, n.range.clone()) {
                blame(&mut blamed, i, &why);
            }
        }
        if !blamed.is_empty() {
            excluded.extend(blamed);
            continue;
        }
        return Ok(Some(Fixed {
            text: out,
            applied: plan.applied.len(),
            diagnostics: Some(after),
            refused,
        }));
    }
}

/// [`fix_text`] without the check against the rules: the fixed text and how many fixes went
/// in, `None` when there is nothing to fix, an error when every fix was refused.
pub fn apply_fixes(
    path: &Path,
    text: &str,
    diagnostics: &[Diagnostic],
    include_unsafe: bool,
) -> Result<Option<(String, usize)>, FixError> {
    Ok(fix_text(path, text, diagnostics, None, include_unsafe)?.map(|f| (f.text, f.applied)))
}

fn reason(text: &str, d: &Diagnostic, why: &str) -> String {
    let line = text
        .get(..d.range.start)
        .map_or(0, |t| t.bytes().filter(|b| *b == b'\n').count())
        + 1;
    format!("{} fix at line {line} not applied: {why}", d.rule)
}

/// One edit of the plan, with where its text lands in the fixed file.
#[derive(Debug)]
struct Placed {
    old: Range<usize>,
    text: String,
    /// Indices of the diagnostics whose fixes carry this edit.
    owners: Vec<usize>,
    new: Range<usize>,
}

/// The fixes chosen for one pass and their edits, sorted by position.
#[derive(Debug)]
struct Plan {
    edits: Vec<Placed>,
    /// Indices of the diagnostics whose fix is applied.
    applied: BTreeSet<usize>,
}

impl Plan {
    fn select(
        text: &str,
        diagnostics: &[Diagnostic],
        include_unsafe: bool,
        excluded: &BTreeSet<usize>,
    ) -> Self {
        let crlf = uses_crlf(text);
        let mut edits: Vec<Placed> = Vec::new();
        let mut applied = BTreeSet::new();
        for (i, d) in diagnostics.iter().enumerate() {
            if excluded.contains(&i) {
                continue;
            }
            let Some(fix) = d.fixes.iter().find(|f| f.safe || include_unsafe) else {
                continue;
            };
            let fix_edits: Vec<Edit> = fix.edits.iter().map(|e| normalize(text, e, crlf)).collect();
            if fix_edits
                .iter()
                .any(|e| text.get(e.range.clone()).is_none())
            {
                continue;
            }
            let deletes_comment = fix_edits.iter().any(|e| {
                let old = &text[e.range.clone()];
                (old.contains("//") || old.contains("/*")) && !e.text.contains(old)
            });
            let overlaps = fix_edits.iter().any(|e| {
                edits.iter().any(|a| {
                    let same = a.old == e.range && a.text == e.text;
                    let touching_insert = e.range.is_empty() && a.old.is_empty();
                    !same
                        && !touching_insert
                        && e.range.start < a.old.end.max(a.old.start + 1)
                        && a.old.start < e.range.end.max(e.range.start + 1)
                })
            });
            if deletes_comment || overlaps {
                continue;
            }
            for e in fix_edits {
                match edits
                    .iter_mut()
                    .find(|a| a.old == e.range && a.text == e.text)
                {
                    Some(a) => a.owners.push(i),
                    None => edits.push(Placed {
                        old: e.range,
                        text: e.text,
                        owners: vec![i],
                        new: 0..0,
                    }),
                }
            }
            applied.insert(i);
        }
        edits.sort_by_key(|e| (e.old.start, e.old.end));
        Self { edits, applied }
    }

    /// The fixed text; records where each edit's text lands.
    fn apply(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 64);
        let mut at = 0;
        for e in &mut self.edits {
            out.push_str(&text[at..e.old.start.max(at)]);
            let start = out.len();
            out.push_str(&e.text);
            e.new = start..out.len();
            at = at.max(e.old.end);
        }
        out.push_str(&text[at..]);
        out
    }

    /// The diagnostics owning the inserted text that holds the fixed file's offset `p`.
    fn owners_of_inserted(&self, p: usize) -> Option<Vec<usize>> {
        self.edits
            .iter()
            .find(|e| e.new.start <= p && p < e.new.end)
            .map(|e| e.owners.clone())
    }

    /// Where an offset of the fixed text was in the original: text a fix wrote maps to the
    /// start (or, for the end of a range, the end) of what it replaced.
    fn inverse(&self, p: usize, is_end: bool) -> usize {
        let mut shift: isize = 0;
        for e in &self.edits {
            if p <= e.new.start {
                break;
            }
            if p < e.new.end {
                return if is_end { e.old.end } else { e.old.start };
            }
            shift = e.new.end as isize - e.old.end as isize;
        }
        (p as isize - shift).max(0) as usize
    }

    /// Where an offset of the original lands in the fixed text; `after` puts it after text
    /// inserted exactly there.
    fn forward(&self, p: usize, after: bool) -> usize {
        let mut shift: isize = 0;
        for e in &self.edits {
            if e.old.end < p || (e.old.end == p && (e.old.start < p || after)) {
                shift = e.new.end as isize - e.old.end as isize;
                continue;
            }
            if e.old.start < p {
                return if after { e.new.end } else { e.new.start };
            }
            break;
        }
        (p as isize + shift).max(0) as usize
    }

    /// Applied fixes whose finding or written text meets `range` of the fixed text.
    fn fixes_touching(&self, diagnostics: &[Diagnostic], range: Range<usize>) -> Vec<usize> {
        let meets = |r: &Range<usize>| {
            range.start < r.end.max(r.start + 1) && r.start < range.end.max(range.start + 1)
        };
        self.applied
            .iter()
            .copied()
            .filter(|&i| {
                let d = &diagnostics[i].range;
                let found = self.forward(d.start, false)..self.forward(d.end, true);
                meets(&found)
                    || self
                        .edits
                        .iter()
                        .any(|e| e.owners.contains(&i) && meets(&e.new))
            })
            .collect()
    }
}

/// Whether the file's lines end in `\r\n` (judged by its first line).
fn uses_crlf(text: &str) -> bool {
    text.find('\n')
        .is_some_and(|i| text.as_bytes().get(i.wrapping_sub(1)) == Some(&b'\r'))
}

/// Where code may start: after a byte order mark and a `#!` line.
fn code_start(text: &str) -> usize {
    let at = if text.starts_with('\u{feff}') { 3 } else { 0 };
    if text[at..].starts_with("#!") {
        return text[at..].find('\n').map_or(text.len(), |n| at + n + 1);
    }
    at
}

/// An edit as it must be written into this file: an insertion before the BOM or a `#!` line
/// moves after them, and line breaks follow the file's.
fn normalize(text: &str, e: &Edit, crlf: bool) -> Edit {
    let mut range = e.range.clone();
    if range.is_empty() {
        let start = code_start(text);
        if range.start < start {
            range = start..start;
        }
    }
    let new = if crlf && e.text.contains('\n') {
        e.text.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        e.text.clone()
    };
    Edit { range, text: new }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodepit_analyzer::{Fix, Severity};

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
    fn a_fix_that_redeclares_a_name_is_refused_and_the_others_still_apply() {
        let text = "const { pipeline } = require('node:stream');\nf(); g();\n";
        let ds = [
            diag(
                45..48,
                vec![(
                    44..44,
                    "\nconst { pipeline } = require('node:stream/promises');",
                )],
            ),
            diag(50..53, vec![(50..50, "void ")]),
        ];
        let fixed = fix_text(Path::new("a.js"), text, &ds, None, false)
            .unwrap()
            .unwrap();
        assert_eq!(
            fixed.text,
            "const { pipeline } = require('node:stream');\nf(); void g();\n"
        );
        assert_eq!(fixed.applied, 1);
        assert_eq!(
            fixed.refused,
            ["no-floating-promise fix at line 2 not applied: the fixed code would declare `pipeline` twice"]
        );
        // Alone, the clashing fix leaves nothing to apply: the file stays as it is.
        let err = fix_text(Path::new("a.js"), text, &ds[..1], None, false).unwrap_err();
        assert!(err.0.contains("declare `pipeline` twice"), "{err:?}");
    }

    #[test]
    fn two_fixes_inserting_clashing_imports_keep_the_first() {
        let text = "f();\ng();\n";
        let ds = [
            diag(
                0..3,
                vec![(0..0, "import { pipeline } from 'node:stream';\n")],
            ),
            diag(
                5..8,
                vec![(0..0, "import { pipeline } from 'node:stream/promises';\n")],
            ),
        ];
        let fixed = fix_text(Path::new("a.mjs"), text, &ds, None, false)
            .unwrap()
            .unwrap();
        assert_eq!(fixed.applied, 1);
        assert_eq!(
            fixed.text,
            "import { pipeline } from 'node:stream';\nf();\ng();\n"
        );
    }

    #[test]
    fn a_redeclaration_already_in_the_file_is_not_the_fixes_doing() {
        let text = "let a = 1;\nlet a = 2;\nf();\n";
        let ds = [diag(22..25, vec![(22..22, "void ")])];
        let (out, n) = apply_fixes(Path::new("a.js"), text, &ds, false)
            .unwrap()
            .unwrap();
        assert_eq!(n, 1);
        assert_eq!(out, "let a = 1;\nlet a = 2;\nvoid f();\n");
    }

    #[test]
    fn inserted_lines_follow_the_bom_shebang_and_line_endings() {
        let ds = [diag(3..6, vec![(0..0, "const x = require('x');\n")])];
        let text = "\u{feff}f();\r\n";
        let (out, _) = apply_fixes(Path::new("a.js"), text, &ds, false)
            .unwrap()
            .unwrap();
        assert_eq!(out, "\u{feff}const x = require('x');\r\nf();\r\n");

        let text = "#!/usr/bin/env node\nf();\n";
        let ds = [diag(20..23, vec![(0..0, "const x = require('x');\n")])];
        let (out, _) = apply_fixes(Path::new("a.js"), text, &ds, false)
            .unwrap()
            .unwrap();
        assert_eq!(out, "#!/usr/bin/env node\nconst x = require('x');\nf();\n");
    }

    #[test]
    fn a_fix_whose_finding_survives_is_refused() {
        let rules = RuleSet::new(
            nodepit_rules::REGISTRY,
            &nodepit_analyzer::Config::default(),
            None,
        )
        .unwrap();
        let text = "const fs = require('fs');\nfs.createReadStream('a').pipe(process.stdout);\n";
        let found = lint_source(text, SourceType::Js, &rules);
        assert_eq!(found.len(), 1);
        // A fix that only adds a comment leaves the chain, and its finding, in place.
        let mut d = found[0].clone();
        d.fixes = diag(0..0, vec![(26..26, "/* piped */ ")]).fixes;
        let err = fix_text(Path::new("a.js"), text, &[d], Some(&rules), false).unwrap_err();
        assert_eq!(
            err.0,
            "prefer-pipeline fix at line 2 not applied: the fixed code would still be flagged by prefer-pipeline"
        );
        // The rule's own fix passes, and the text it leaves is clean.
        let fixed = fix_text(Path::new("a.js"), text, &found, Some(&rules), false)
            .unwrap()
            .unwrap();
        assert_eq!(fixed.applied, 1);
        assert_eq!(fixed.diagnostics, Some(vec![]));
    }

    #[test]
    fn offsets_map_both_ways_around_edits() {
        let text = "ab cd ef";
        let ds = [
            diag(0..2, vec![(0..0, "XX")]),
            diag(3..5, vec![(3..5, "Y")]),
            diag(8..8, vec![(8..8, "ZZZ")]),
        ];
        let mut plan = Plan::select(text, &ds, false, &BTreeSet::new());
        let out = plan.apply(text);
        assert_eq!(out, "XXab Y efZZZ");
        assert_eq!(plan.forward(0, false), 0);
        assert_eq!(plan.forward(0, true), 2);
        assert_eq!(plan.forward(2, true), 4);
        assert_eq!(plan.forward(4, false), 5);
        assert_eq!(plan.forward(5, true), 6);
        assert_eq!(plan.forward(8, true), 12);
        assert_eq!(plan.inverse(0, false), 0);
        assert_eq!(plan.inverse(1, false), 0);
        assert_eq!(plan.inverse(2, false), 0);
        assert_eq!(plan.inverse(4, true), 2);
        assert_eq!(plan.inverse(6, true), 5);
        assert_eq!(plan.inverse(7, false), 6);
        assert_eq!(plan.inverse(10, true), 8);
    }
}
