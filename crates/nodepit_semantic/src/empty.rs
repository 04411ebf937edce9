//! Empty blocks and do-nothing functions: where an error handler drops what it is given.

use swc_common::Span;
use swc_ecma_ast::Expr;

use crate::model::{BindingKind, FnId, Imported, Model};
use crate::names::{member_name, unwrap_expr};

impl<'a> Model<'a> {
    /// Whether a comment starts inside `span`: an empty block that holds one says why it is empty.
    pub fn has_comment_within(&self, span: Span) -> bool {
        let range = self.range(span);
        let (lo, hi) = (range.start as u32, range.end as u32);
        let at = self.comment_starts.partition_point(|&c| c < lo);
        self.comment_starts.get(at).is_some_and(|&c| c < hi)
    }

    /// Whether a comment follows `span` on the line where it ends (`.catch(() => {}) // why`).
    pub fn has_trailing_comment(&self, span: Span) -> bool {
        let end = self.range(span).end as u32;
        let at = self.comment_starts.partition_point(|&c| c < end);
        self.comment_line_starts
            .get(at)
            .is_some_and(|&line| line <= end)
    }

    /// Whether a comment that says why a failure may be let go sits right above `span`, on
    /// lines of its own, with no blank line between them.
    pub fn has_leading_comment(&self, span: Span) -> bool {
        let start = self.range(span).start;
        let at = self
            .comment_starts
            .partition_point(|&c| (c as usize) < start);
        let Some(i) = at.checked_sub(1) else {
            return false;
        };
        let (from, to) = (
            self.comment_starts[i] as usize,
            self.comment_ends[i] as usize,
        );
        let bytes = self.text.as_bytes();
        let (Some(before), Some(gap)) = (bytes.get(..from), bytes.get(to..start)) else {
            return false;
        };
        // A comment that trails code belongs to that code.
        let line = memchr::memrchr(b'\n', before).map_or(0, |nl| nl + 1);
        before[line..].iter().all(u8::is_ascii_whitespace)
            && gap.iter().all(u8::is_ascii_whitespace)
            && gap.iter().filter(|&&b| b == b'\n').count() <= 1
            && gives_reason(&self.text[from..to])
    }

    /// Whether the file is generated: a bundle or minified library (a line of more than a
    /// thousand characters), where findings would be about someone else's source.
    pub fn is_minified(&self) -> bool {
        self.minified
    }

    /// Whether a function of this file does nothing: a block body with no statement and no
    /// comment. An expression body (`() => null`) returns a value, so it is not empty.
    pub fn is_empty_fn(&self, f: FnId) -> bool {
        let info = self.function(f);
        if info.is_generator {
            return false;
        }
        info.node.body_stmts().is_some_and(<[_]>::is_empty) && !self.has_comment_within(info.span)
    }

    /// Whether an expression is a do-nothing function: a literal or same-file function with an
    /// empty body, lodash's or underscore's `noop`, or a `noop` imported from a package (the
    /// helper libraries that export one all make it return `undefined`).
    pub fn is_noop(&self, e: &Expr, scope: Option<FnId>) -> bool {
        if let Some(f) = self.fn_of_expr(e, scope) {
            return self.is_empty_fn(f);
        }
        match unwrap_expr(e) {
            Expr::Member(m) => member_name(&m.prop) == Some("noop") && self.is_lodash(&m.obj),
            Expr::Ident(id) => match self.binding(id).map(|b| (&b.kind, b.reassigned)) {
                Some((BindingKind::Import { source, imported }, _)) => {
                    !source.starts_with('.')
                        && match imported {
                            Imported::Named(name) => name == "noop",
                            _ => matches!(&**source, "lodash.noop" | "lodash/noop"),
                        }
                }
                Some((BindingKind::Var { .. }, false)) => {
                    // `const { noop } = require('lodash')`, `const noop = require('lodash.noop')`.
                    self.qual_ident(id).is_some_and(|q| {
                        !q.starts_with('.') && (q.ends_with(".noop") || q == "lodash/noop")
                    })
                }
                _ => false,
            },
            _ => false,
        }
    }
}

/// Whether a comment says why a failure may be let go ("ignored", "retried on the next tick",
/// "best effort", "on purpose"), rather than what the code does.
fn gives_reason(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    [
        "ignor",
        "swallow",
        "retr",
        "best effort",
        "best-effort",
        "harmless",
        "on purpose",
        "intentional",
        "deliberate",
        "not fatal",
        "non-fatal",
        "nonfatal",
        "doesn't matter",
        "does not matter",
        "safe to",
        "expected to fail",
        "can fail",
        "may fail",
        "might fail",
    ]
    .iter()
    .any(|w| {
        // At the start of a word: `no-swallowed-error` names a rule, it gives no reason.
        text.match_indices(w).any(|(at, _)| {
            text[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '-' || c == '_'))
        })
    })
}
