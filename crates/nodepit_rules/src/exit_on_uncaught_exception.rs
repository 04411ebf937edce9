use nodepit_analyzer::{declare_rule, Node, NodeKind, Rule, RuleCx};
use nodepit_semantic::{member_name, static_string, unwrap_expr, FnId, Model};
use serde::Deserialize;
use swc_ecma_ast::{
    ArrowExpr, CallExpr, Callee, Class, Decl, Expr, Function, ReturnStmt, Stmt, UnaryOp,
};
use swc_ecma_visit::{Visit, VisitWith};

/// Flags `process.on('uncaughtException' | 'unhandledRejection', handler)` handlers that can
/// return without ending the process.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExitOnUncaughtException {}

declare_rule!(ExitOnUncaughtException, "exit-on-uncaught-exception", Error, fix: false);

/// How many same-file functions deep the search for an exit follows calls.
const DEPTH: u32 = 4;

impl Rule for ExitOnUncaughtException {
    fn kinds(&self) -> &'static [NodeKind] {
        &[NodeKind::Call]
    }

    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["uncaughtException", "unhandledRejection"])
    }

    fn check(&self, node: Node<'_, '_>, cx: &mut RuleCx<'_, '_>) {
        let Node::Call(site) = node else { return };
        let model = cx.model();
        let call = site.node;
        let Some((method, event)) = registration(model, call) else {
            return;
        };
        if !matches!(
            method,
            "on" | "once" | "addListener" | "prependListener" | "prependOnceListener"
        ) {
            return;
        }
        let Some(handler) = call.args.get(1).filter(|a| a.spread.is_none()) else {
            return;
        };
        let Some(f) = model.fn_of_expr(&handler.expr, site.func) else {
            return;
        };
        if removed_again(model, site.func, event, &handler.expr, f) {
            return;
        }
        // One finding per handler, at its first registration (`onCrash` for both events).
        let registered_before = model.calls().iter().any(|c| {
            c.node.span.lo < call.span.lo
                && registration(model, c.node).is_some()
                && c.node
                    .args
                    .get(1)
                    .is_some_and(|a| model.fn_of_expr(&a.expr, c.func) == Some(f))
        });
        if registered_before {
            return;
        }
        let mut seen = Vec::new();
        if fn_exits(model, f, 0, &mut seen) {
            return;
        }
        let message = if event == "unhandledRejection" {
            "This `unhandledRejection` handler can return without ending the process. It replaces Node's default (since Node 15, throw and exit), so after a rejection nobody handled, the process keeps serving in an unknown state."
        } else {
            "This `uncaughtException` handler can return without ending the process, so after an error nobody expected, the process keeps serving in an unknown state."
        };
        let span = model.function(f).span;
        let inline = span.lo >= call.span.lo && span.hi <= call.span.hi;
        let mut report = cx.report(span, message).help(
            "Log the error, then end the process (`process.exit(1)` once logs are flushed, or set `process.exitCode = 1` and rethrow) and let a supervisor start a fresh one; recover from expected errors where they happen instead.",
        );
        if !inline {
            report = report.related(call.span, format!("registered for `{event}` here"));
        }
        let _ = report;
    }
}

/// The listener method and event of a `process.<method>('uncaughtException' | …, …)` call.
fn registration<'c>(model: &Model<'_>, call: &'c CallExpr) -> Option<(&'c str, &'c str)> {
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    let Expr::Member(m) = unwrap_expr(callee) else {
        return None;
    };
    let method = member_name(&m.prop)?;
    // The event name first: this runs for every member call, and a qualified name allocates.
    let event = static_string(&call.args.first()?.expr)?;
    if !matches!(event, "uncaughtException" | "unhandledRejection") {
        return None;
    }
    (model.qual(&m.obj).as_deref() == Some("process")).then_some((method, event))
}

/// Whether the function that registers the handler, or the handler itself, removes it again (a
/// temporary listener around one risky operation), or removes every listener of the event.
fn removed_again(
    model: &Model<'_>,
    scope: Option<FnId>,
    event: &str,
    handler: &Expr,
    f: FnId,
) -> bool {
    // In the registering function, or in the handler itself (a listener that takes itself off).
    let own = |c: &&nodepit_semantic::CallSite<'_>| c.func == scope || c.func == Some(f);
    model.calls().iter().filter(own).any(|c| {
        let Some((method, ev)) = registration(model, c.node) else {
            return false;
        };
        if ev != event {
            return false;
        }
        match method {
            "removeAllListeners" => true,
            "removeListener" | "off" => c.node.args.get(1).is_some_and(|a| {
                model.fn_of_expr(&a.expr, scope) == Some(f)
                    || matches!(
                        (unwrap_expr(&a.expr), unwrap_expr(handler)),
                        (Expr::Ident(x), Expr::Ident(y)) if x.to_id() == y.to_id()
                    )
            }),
            _ => false,
        }
    })
}

/// Whether every path through a function ends the process or throws.
fn fn_exits(model: &Model<'_>, f: FnId, depth: u32, seen: &mut Vec<FnId>) -> bool {
    if depth > DEPTH || seen.contains(&f) {
        return false;
    }
    seen.push(f);
    let node = model.function(f).node;
    let exits = match (node.body_stmts(), node.expr_body()) {
        (Some(stmts), _) => block_exits(model, stmts, f, depth, seen),
        (None, Some(e)) => expr_exits(model, e, f, depth, seen),
        _ => false,
    };
    seen.pop();
    exits
}

fn block_exits(
    model: &Model<'_>,
    stmts: &[Stmt],
    f: FnId,
    depth: u32,
    seen: &mut Vec<FnId>,
) -> bool {
    // A statement that always ends the process makes the rest unreachable, unless one before
    // it can return first (`if (isOperational(err)) return; throw err;`).
    for s in stmts {
        if stmt_exits(model, s, f, depth, seen) {
            return true;
        }
        if may_return(model, s, f, depth, seen) {
            return false;
        }
    }
    false
}

/// Whether a statement holds a `return` of the function (not of a nested one) that does not
/// itself end the process.
fn may_return(model: &Model<'_>, s: &Stmt, f: FnId, depth: u32, seen: &mut Vec<FnId>) -> bool {
    struct Found<'m, 'a, 's> {
        model: &'m Model<'a>,
        f: FnId,
        depth: u32,
        seen: &'s mut Vec<FnId>,
        found: bool,
    }
    impl Visit for Found<'_, '_, '_> {
        fn visit_return_stmt(&mut self, r: &ReturnStmt) {
            let exits = r
                .arg
                .as_deref()
                .is_some_and(|e| expr_exits(self.model, e, self.f, self.depth, self.seen));
            self.found |= !exits;
        }
        // Returns of nested functions and classes are theirs.
        fn visit_function(&mut self, _: &Function) {}
        fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
        fn visit_class(&mut self, _: &Class) {}
    }
    let mut v = Found {
        model,
        f,
        depth,
        seen,
        found: false,
    };
    s.visit_with(&mut v);
    v.found
}

fn stmt_exits(model: &Model<'_>, s: &Stmt, f: FnId, depth: u32, seen: &mut Vec<FnId>) -> bool {
    match s {
        Stmt::Throw(_) => true,
        Stmt::Expr(e) => expr_exits(model, &e.expr, f, depth, seen),
        Stmt::Return(r) => r
            .arg
            .as_deref()
            .is_some_and(|e| expr_exits(model, e, f, depth, seen)),
        Stmt::Block(b) => block_exits(model, &b.stmts, f, depth, seen),
        Stmt::If(i) => {
            expr_exits(model, &i.test, f, depth, seen)
                || (stmt_exits(model, &i.cons, f, depth, seen)
                    && i.alt
                        .as_deref()
                        .is_some_and(|a| stmt_exits(model, a, f, depth, seen)))
        }
        Stmt::Try(t) => {
            let body = block_exits(model, &t.block.stmts, f, depth, seen);
            let handler = t
                .handler
                .as_ref()
                .is_none_or(|h| block_exits(model, &h.body.stmts, f, depth, seen));
            (body && handler)
                || t.finalizer
                    .as_ref()
                    .is_some_and(|fin| block_exits(model, &fin.stmts, f, depth, seen))
        }
        Stmt::Decl(Decl::Var(v)) => v.decls.iter().any(|d| {
            d.init
                .as_deref()
                .is_some_and(|e| expr_exits(model, e, f, depth, seen))
        }),
        _ => false,
    }
}

fn expr_exits(model: &Model<'_>, e: &Expr, f: FnId, depth: u32, seen: &mut Vec<FnId>) -> bool {
    match unwrap_expr(e) {
        Expr::Call(c) => call_exits(model, c, f, depth, seen),
        Expr::Await(a) => expr_exits(model, &a.arg, f, depth, seen),
        Expr::Unary(u) if u.op == UnaryOp::Void => expr_exits(model, &u.arg, f, depth, seen),
        Expr::Seq(s) => s.exprs.iter().any(|e| expr_exits(model, e, f, depth, seen)),
        Expr::Cond(c) => {
            expr_exits(model, &c.test, f, depth, seen)
                || (expr_exits(model, &c.cons, f, depth, seen)
                    && expr_exits(model, &c.alt, f, depth, seen))
        }
        // Only the left side of `a && b` always runs.
        Expr::Bin(b) => expr_exits(model, &b.left, f, depth, seen),
        Expr::Assign(a) => expr_exits(model, &a.right, f, depth, seen),
        _ => false,
    }
}

/// Whether a call ends the process: `process.exit/abort/reallyExit`, `process.kill(process.pid)`,
/// a same-file function that always does, a callback given to it that does
/// (`server.close(() => process.exit(1))`, `setTimeout(…).unref()`), or, for a function nodepit
/// cannot see, one named for shutting down (`gracefulShutdown(err)`).
fn call_exits(model: &Model<'_>, c: &CallExpr, f: FnId, depth: u32, seen: &mut Vec<FnId>) -> bool {
    let Callee::Expr(callee) = &c.callee else {
        return false;
    };
    let q = model.qual(callee);
    match q.as_deref() {
        Some("process.exit" | "process.abort" | "process.reallyExit") => return true,
        Some("process.kill") => {
            return c
                .args
                .first()
                .is_some_and(|a| model.qual(&a.expr).as_deref() == Some("process.pid"))
        }
        _ => {}
    }
    for a in &c.args {
        if model.qual(&a.expr).as_deref() == Some("process.exit") {
            return true;
        }
        if let Some(g) = model.fn_of_expr(&a.expr, Some(f)) {
            if fn_exits(model, g, depth + 1, seen) {
                return true;
            }
        }
    }
    if let Some(g) = model.callee_fn(c, Some(f)) {
        return fn_exits(model, g, depth + 1, seen);
    }
    let callee = unwrap_expr(callee);
    if let Expr::Member(m) = callee {
        // A chain on a call that ends the process: `shutdown().then(…)`.
        if let Expr::Call(inner) = unwrap_expr(&m.obj) {
            if call_exits(model, inner, f, depth, seen) {
                return true;
            }
        }
    }
    let name = match callee {
        Expr::Ident(id) => Some(&*id.sym),
        Expr::Member(m) => member_name(&m.prop),
        _ => None,
    };
    name.is_some_and(shutdown_name)
}

/// Whether a function name says it ends the process (`exit`, `gracefulShutdown`, `terminate`).
fn shutdown_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "exit",
        "shutdown",
        "terminate",
        "crash",
        "suicide",
        "restart",
        "die",
    ]
    .iter()
    .any(|w| lower == *w || (lower.contains(w) && *w != "die"))
}
