//! Callbacks handed to iteration methods: which function an argument names (here or in another
//! module), where its asynchronous work starts, and where the call that receives it sits among
//! its statements. Every walk here covers one function body, and only runs for a candidate.

use swc_atoms::Atom;
use swc_common::{Span, Spanned};
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use crate::model::{FnId, Model};
use crate::names::{member_name, mentions, unwrap_expr};

/// The function an argument names.
#[derive(Debug, Clone)]
pub enum CallbackRef {
    /// A function of this file (inline, or bound to a local name).
    Local(FnId),
    /// A value of another module: its specifier, the property path into its exports, and where
    /// `new` instantiates a class along it (what `Question::Callee` asks about).
    External {
        /// The module specifier as written.
        specifier: Atom,
        /// The property path into the module's exports.
        path: Vec<Atom>,
        /// Where `new` instantiates a class along the path.
        new_at: Option<u32>,
    },
}

impl<'a> Model<'a> {
    /// The function an argument expression names, seen from `scope`: a local one first (so a
    /// local function that shadows an imported name wins), else another module's export.
    pub fn callback_ref(&self, e: &Expr, scope: Option<FnId>) -> Option<CallbackRef> {
        if let Some(f) = self.fn_of_expr(e, scope) {
            return Some(CallbackRef::Local(f));
        }
        // A name bound to anything else of this file (a parameter, a reassigned variable) is
        // unknown; only a value read from an import is worth asking about.
        let (specifier, path, new_at) = self.ext_path(e, 0)?;
        Some(CallbackRef::External {
            specifier,
            path,
            new_at,
        })
    }

    /// Where a function first waits for something, or `None` when running it finishes its work
    /// before it returns: the first `await` or `for await` of its own body (nested functions
    /// excluded), or, failing that, a returned promise. An `async` function with none of these
    /// runs to completion synchronously; a plain function counts only when it returns a promise
    /// on every path.
    pub fn first_async_step(&self, f: FnId) -> Option<Span> {
        let info = self.function(f);
        if info.is_generator {
            return None;
        }
        let node = info.node;
        let mut scan = AsyncSteps::default();
        if let Some(e) = node.expr_body() {
            e.visit_with(&mut scan);
            if scan.first.is_none() && self.may_be_promise(e, f) {
                scan.first = Some(e.span());
            }
        } else if let Some(stmts) = node.body_stmts() {
            for s in stmts {
                s.visit_with(&mut scan);
            }
            if scan.first.is_none() {
                scan.first = scan
                    .returned
                    .iter()
                    .find(|(_, e)| self.may_be_promise(e, f))
                    .map(|(span, _)| *span);
            }
        }
        if !info.is_async && !self.fn_returns_promise(f) {
            return None;
        }
        scan.first
    }

    /// Whether a returned value may be a promise: a known one, or a call nodepit cannot see
    /// into (`return db.save(x)` from an async callback), but not a call of a local function
    /// that returns none.
    fn may_be_promise(&self, e: &Expr, scope: FnId) -> bool {
        match unwrap_expr(e) {
            Expr::Await(_) => true,
            Expr::Call(c) => match self.callee_fn(c, Some(scope)) {
                Some(g) => self.fn_returns_promise(g),
                None => match &c.callee {
                    Callee::Expr(callee) => !matches!(
                        unwrap_expr(callee),
                        Expr::Member(m) if matches!(member_name(&m.prop), Some(
                            "push" | "set" | "add" | "delete" | "get" | "has" | "toString" | "join"
                            | "map" | "filter" | "slice" | "concat" | "trim" | "toLowerCase"
                            | "toUpperCase" | "replace" | "split" | "includes" | "indexOf"
                            | "emit" | "log" | "info" | "warn" | "error" | "debug"
                        ))
                    ),
                    _ => false,
                },
            },
            other => self.is_promise(other, Some(scope)),
        }
    }

    /// The statement that runs next after the statement at `target` in the body of `scope`
    /// (the whole program when `None`): its following sibling, or that of the innermost
    /// enclosing statement that has one.
    pub fn statement_after(&self, target: Span, scope: Option<FnId>) -> Option<&'a Stmt> {
        let mut find = NextStmt { target, next: None };
        match scope {
            Some(f) => {
                let stmts = self.function(f).node.body_stmts()?;
                find.visit_stmts(stmts);
            }
            None => match self.program {
                Program::Module(m) => find.visit_module_items(&m.body),
                Program::Script(s) => find.visit_stmts(&s.body),
            },
        }
        // The walk only read nodes of the program this model borrows.
        find.next.map(crate::build::pin)
    }

    /// Whether the expression at `target`, within the body of `scope`, is the operand of an
    /// `await` (parentheses and TypeScript wrappers aside).
    pub fn is_awaited(&self, target: Span, scope: Option<FnId>) -> bool {
        let mut find = Awaited {
            target,
            found: false,
        };
        match scope {
            Some(f) => {
                let node = self.function(f).node;
                if let Some(e) = node.expr_body() {
                    e.visit_with(&mut find);
                } else if let Some(stmts) = node.body_stmts() {
                    find.visit_stmts(stmts);
                }
            }
            None => match self.program {
                Program::Module(m) => find.visit_module_items(&m.body),
                Program::Script(s) => find.visit_stmts(&s.body),
            },
        }
        find.found
    }

    /// Whether a function waits for the value of its parameter at `index` (a reducer awaiting
    /// its accumulator): the parameter appears inside an `await`, has `.then`/`.catch`/
    /// `.finally` called on it, or is handed to a call, which may wait for it. `None` when the
    /// parameter is not a plain name.
    pub fn param_awaited(&self, f: FnId, index: usize) -> Option<bool> {
        let node = self.function(f).node;
        let Pat::Ident(p) = node.params().get(index).copied()? else {
            return None;
        };
        let mut find = Waits {
            model: self,
            target: p.id.to_id(),
            found: false,
        };
        if let Some(e) = node.expr_body() {
            e.visit_with(&mut find);
        } else if let Some(stmts) = node.body_stmts() {
            for s in stmts {
                s.visit_with(&mut find);
            }
        }
        Some(find.found)
    }
}

/// The first `await`/`for await` of a body, and its `return` arguments, nested functions aside.
#[derive(Default)]
struct AsyncSteps<'e> {
    first: Option<Span>,
    returned: Vec<(Span, &'e Expr)>,
}

impl Visit for AsyncSteps<'_> {
    fn visit_await_expr(&mut self, n: &AwaitExpr) {
        self.first.get_or_insert(n.span);
        n.visit_children_with(self);
    }
    fn visit_for_of_stmt(&mut self, n: &ForOfStmt) {
        if n.is_await {
            self.first.get_or_insert(n.span);
        }
        n.visit_children_with(self);
    }
    fn visit_return_stmt(&mut self, n: &ReturnStmt) {
        if let Some(arg) = &n.arg {
            // The walk only reads nodes of the function body it was started on.
            self.returned.push((arg.span(), crate::build::pin(&**arg)));
            arg.visit_with(self);
        }
    }
    fn visit_function(&mut self, _: &Function) {}
    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    fn visit_class(&mut self, _: &Class) {}
}

/// Finds the statement after the one at `target`, innermost first.
struct NextStmt<'s> {
    target: Span,
    next: Option<&'s Stmt>,
}

impl NextStmt<'_> {
    fn contains(&self, span: Span) -> bool {
        span.lo <= self.target.lo && self.target.hi <= span.hi
    }
}

impl Visit for NextStmt<'_> {
    fn visit_module_items(&mut self, items: &[ModuleItem]) {
        for (i, item) in items.iter().enumerate() {
            if !self.contains(item.span()) {
                continue;
            }
            let next = items[i + 1..].iter().find_map(|it| match it {
                ModuleItem::Stmt(s) => Some(s),
                ModuleItem::ModuleDecl(_) => None,
            });
            if let Some(n) = next {
                self.next = Some(crate::build::pin(n));
            }
            item.visit_with(self);
            return;
        }
    }
    fn visit_stmts(&mut self, stmts: &[Stmt]) {
        for (i, s) in stmts.iter().enumerate() {
            if !self.contains(s.span()) {
                continue;
            }
            if let Some(n) = stmts.get(i + 1) {
                self.next = Some(crate::build::pin(n));
            }
            s.visit_with(self);
            return;
        }
    }
    // The statement lives in the body that was handed to the walk, not in a nested function.
    fn visit_function(&mut self, _: &Function) {}
    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    fn visit_class(&mut self, _: &Class) {}
}

/// Finds an `await` whose operand is the expression at `target`.
struct Awaited {
    target: Span,
    found: bool,
}

impl Visit for Awaited {
    fn visit_await_expr(&mut self, n: &AwaitExpr) {
        self.found |= unwrap_expr(&n.arg).span() == self.target;
        n.visit_children_with(self);
    }
    fn visit_function(&mut self, _: &Function) {}
    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    fn visit_class(&mut self, _: &Class) {}
}

/// Finds a place where a function waits for (or hands on) one parameter.
struct Waits<'m, 'a> {
    model: &'m Model<'a>,
    target: Id,
    found: bool,
}

impl Waits<'_, '_> {
    fn is_target(&self, e: &Expr) -> bool {
        matches!(unwrap_expr(e), Expr::Ident(i) if i.to_id() == self.target)
    }
}

impl Visit for Waits<'_, '_> {
    fn visit_await_expr(&mut self, n: &AwaitExpr) {
        self.found |= mentions(&*n.arg, &self.target);
        n.visit_children_with(self);
    }
    fn visit_call_expr(&mut self, n: &CallExpr) {
        if let Callee::Expr(callee) = &n.callee {
            if let Expr::Member(m) = unwrap_expr(callee) {
                self.found |= self.is_target(&m.obj)
                    && matches!(member_name(&m.prop), Some("then" | "catch" | "finally"));
            }
        }
        // A function that receives the accumulator may wait for it; `Object.assign(acc, …)` and
        // the like only write to it, which on a promise is the bug itself.
        let writes = n
            .callee
            .as_expr()
            .and_then(|c| self.model.qual(c))
            .is_some_and(|q| {
                q.starts_with("Object.") || q.starts_with("Array.") || q.starts_with("console.")
            });
        self.found |= !writes && n.args.iter().any(|a| self.is_target(&a.expr));
        n.visit_children_with(self);
    }
}

impl Model<'_> {
    /// The call a function hands back as its whole result, when it is a call of another
    /// module's value (`(u) => isActive(u)`, `function (u) { return isActive(u); }`): its
    /// specifier, export path and `new` position, as [`CallbackRef::External`] holds them, and
    /// the callee as written.
    pub fn returned_external_call(&self, f: FnId) -> Option<(CallbackRef, String)> {
        let node = self.function(f).node;
        let returned = match node.expr_body() {
            Some(e) => e,
            None => match node.body_stmts()? {
                [Stmt::Return(ReturnStmt { arg: Some(arg), .. })] => arg,
                _ => return None,
            },
        };
        let Expr::Call(call) = unwrap_expr(returned) else {
            return None;
        };
        let Callee::Expr(callee) = &call.callee else {
            return None;
        };
        if self.fn_of_expr(callee, Some(f)).is_some() {
            return None;
        }
        let (specifier, path, new_at) = self.ext_path(callee, 0)?;
        let external = CallbackRef::External {
            specifier,
            path,
            new_at,
        };
        Some((external, crate::names::expr_label(callee)))
    }
}
