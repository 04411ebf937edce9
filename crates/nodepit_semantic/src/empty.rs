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

    /// Whether a comment that says why a failure may be let go sits right above `span`, with no
    /// blank line between them.
    pub fn has_leading_comment(&self, span: Span) -> bool {
        let start = self.range(span).start as u32;
        let at = self.comment_starts.partition_point(|&c| c < start);
        at.checked_sub(1)
            .and_then(|i| self.comment_next_code.get(i))
            .is_some_and(|&next| next == start)
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
