use nodepit_analyzer::{declare_rule, Node, NodeKind, Rule, RuleCx};
use nodepit_semantic::{callee_name, member_name, unwrap_expr, FnId, Model};
use serde::Deserialize;
use swc_common::{Span, Spanned};
use swc_ecma_ast::{Callee, Expr, Stmt};

/// Flags `process.nextTick`/`queueMicrotask` callbacks that re-enter the function scheduling them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoRecursiveNextTick {}

declare_rule!(NoRecursiveNextTick, "no-recursive-next-tick", Error, fix: false);

/// Array methods that call their callback before returning.
const SYNC_ITERATORS: &[&str] = &[
    "forEach",
    "map",
    "filter",
    "some",
    "every",
    "reduce",
    "find",
    "findIndex",
    "flatMap",
];

/// How many calls deep the re-entry search looks: the callback, the functions it calls, and
/// the functions those call. Longer chains are too indirect to call a loop with confidence.
const SEARCH_DEPTH: usize = 2;

impl Rule for NoRecursiveNextTick {
    fn kinds(&self) -> &'static [NodeKind] {
        &[NodeKind::Call]
    }

    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["nextTick", "queueMicrotask"])
    }

    fn check(&self, node: Node<'_, '_>, cx: &mut RuleCx<'_, '_>) {
        let Node::Call(site) = node else { return };
        let model = cx.model();
        let Some(scheduler) = scheduler(model, site.node) else {
            return;
        };
        let Some(scope) = site.func else { return };
        let Some(cb) = site.node.args.first() else {
            return;
        };
        let Some(target) = model.fn_of_expr(&cb.expr, Some(scope)) else {
            return;
        };
        let enclosing = rescheduling_fns(model, scope, site.node.span);
        let Some((reentered, at)) = reentry(model, target, cb.expr.span(), &enclosing) else {
            return;
        };
        let Callee::Expr(callee) = &site.node.callee else {
            return;
        };
        let name = model.fn_label(reentered);
        // A reschedule from an error path is a retry loop: it needs a delay, not just a yield.
        let help = if site.in_catch || enclosing.len() > 1 {
            "Retry with `setTimeout` and a growing delay (or at least `setImmediate`), so failures cannot spin before I/O gets a turn.".to_string()
        } else {
            "Schedule the next round with `setImmediate` so pending I/O and timers run between rounds.".to_string()
        };
        cx.report(
            callee.span(),
            format!("`{scheduler}` schedules {name} again before the event loop moves on, so this loop can starve I/O and timers."),
        )
        .help(help)
        .related(at, format!("{name} is re-entered here"));
    }
}

fn scheduler(model: &Model<'_>, call: &swc_ecma_ast::CallExpr) -> Option<&'static str> {
    // Spelling first, as a cheap filter; the model then says what the name really is.
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    if !matches!(callee_name(callee)?, "nextTick" | "queueMicrotask") {
        return None;
    }
    match model.qual(callee)?.as_str() {
        "process.nextTick" => Some("process.nextTick"),
        "queueMicrotask" => Some("queueMicrotask"),
        _ => None,
    }
}

/// The functions a scheduled callback must not re-enter: the one making the call and, when that
/// one is an error handler (`.catch(fn)`, `.then(ok, fn)`, an `'error'` listener, or the error
/// branch of an error-first callback), the functions around it, since the handler retries them.
fn rescheduling_fns(model: &Model<'_>, scope: FnId, call: Span) -> Vec<FnId> {
    let mut out = vec![scope];
    let mut current = scope;
    while is_error_path(model, current, call) {
        let Some(parent) = model.function(current).parent else {
            break;
        };
        out.push(parent);
        current = parent;
    }
    out
}

fn is_error_path(model: &Model<'_>, f: FnId, call: Span) -> bool {
    let info = model.function(f);
    if let Some((ci, arg)) = info.passed_to {
        let registrar = model.calls()[ci as usize].node;
        if let Callee::Expr(callee) = &registrar.callee {
            if let Expr::Member(m) = unwrap_expr(callee) {
                let method = member_name(&m.prop);
                let event = registrar
                    .args
                    .first()
                    .and_then(|a| nodepit_semantic::static_string(&a.expr));
                match (method, arg) {
                    (Some("catch"), 0) | (Some("then"), 1) => return true,
                    (Some("on" | "once"), 1) if event == Some("error") => return true,
                    _ => {}
                }
            }
        }
    }
    // An error-first callback, with the call in the branch that handles the error.
    let node = info.node;
    let Some(err) = node.params().first().and_then(|p| match p {
        swc_ecma_ast::Pat::Ident(b) => Some(b.id.to_id()),
        _ => None,
    }) else {
        return false;
    };
    if !matches!(node.param_name(0), Some("err" | "error" | "er" | "e")) {
        return false;
    }
    node.body_stmts()
        .is_some_and(|stmts| in_error_branch(stmts, call, &err))
}

/// Whether `call` sits in the branch of an `if` that runs when `err` is set.
fn in_error_branch(stmts: &[Stmt], call: Span, err: &swc_ecma_ast::Id) -> bool {
    stmts.iter().any(|s| stmt_in_error_branch(s, call, err))
}

fn stmt_in_error_branch(s: &Stmt, call: Span, err: &swc_ecma_ast::Id) -> bool {
    let contains = |outer: Span| outer.lo <= call.lo && call.hi <= outer.hi;
    if !contains(s.span()) {
        return false;
    }
    match s {
        Stmt::If(i) => {
            let (negated, tests_err) = match unwrap_expr(&i.test) {
                Expr::Unary(u) if u.op == swc_ecma_ast::UnaryOp::Bang => {
                    (true, mentions(&u.arg, err))
                }
                other => (false, mentions(other, err)),
            };
            let error_branch = if negated {
                i.alt.as_deref()
            } else {
                Some(&*i.cons)
            };
            if tests_err && error_branch.is_some_and(|b| contains(b.span())) {
                return true;
            }
            stmt_in_error_branch(&i.cons, call, err)
                || i.alt
                    .as_deref()
                    .is_some_and(|a| stmt_in_error_branch(a, call, err))
        }
        Stmt::Block(b) => in_error_branch(&b.stmts, call, err),
        Stmt::Try(t) => in_error_branch(&t.block.stmts, call, err),
        _ => false,
    }
}

fn mentions(e: &Expr, err: &swc_ecma_ast::Id) -> bool {
    match unwrap_expr(e) {
        Expr::Ident(i) => i.to_id() == *err,
        Expr::Member(m) => mentions(&m.obj, err),
        Expr::Bin(b) => mentions(&b.left, err) || mentions(&b.right, err),
        _ => false,
    }
}

/// Finds the enclosing function the scheduled `target` runs again, and where: the callback
/// itself, or a call (or reschedule) reached from it through at most two same-file functions.
fn reentry(
    model: &Model<'_>,
    target: FnId,
    cb_span: Span,
    enclosing: &[FnId],
) -> Option<(FnId, Span)> {
    if enclosing.contains(&target) {
        return Some((target, cb_span));
    }
    let mut seen = vec![target];
    let mut frontier = vec![target];
    for _ in 0..SEARCH_DEPTH {
        let mut next_frontier = Vec::new();
        for f in frontier {
            for &ci in &model.function(f).calls {
                let call = model.calls()[ci as usize].node;
                for (next, at) in edges(model, call, f) {
                    if enclosing.contains(&next) {
                        return Some((next, at));
                    }
                    if !seen.contains(&next) {
                        seen.push(next);
                        next_frontier.push(next);
                    }
                }
            }
        }
        frontier = next_frontier;
    }
    None
}

/// Functions that run synchronously (or are rescheduled on the same queue) because of `call`.
fn edges(model: &Model<'_>, call: &swc_ecma_ast::CallExpr, scope: FnId) -> Vec<(FnId, Span)> {
    let mut out = Vec::new();
    if let Some(g) = model.callee_fn(call, Some(scope)) {
        out.push((g, call.span));
    }
    let Callee::Expr(callee) = &call.callee else {
        return out;
    };
    if scheduler(model, call).is_some() {
        if let Some(arg) = call.args.first() {
            if let Some(g) = model.fn_of_expr(&arg.expr, Some(scope)) {
                out.push((g, arg.expr.span()));
            }
        }
        return out;
    }
    if let Expr::Member(m) = unwrap_expr(callee) {
        match member_name(&m.prop) {
            Some("call" | "apply") => {
                if let Some(g) = model.fn_of_expr(&m.obj, Some(scope)) {
                    out.push((g, call.span));
                }
            }
            Some(name) if SYNC_ITERATORS.contains(&name) => {
                for a in &call.args {
                    if let Some(g) = model.fn_of_expr(&a.expr, Some(scope)) {
                        out.push((g, a.expr.span()));
                    }
                }
            }
            _ => {}
        }
    }
    out
}
