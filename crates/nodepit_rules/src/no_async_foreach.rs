use nodepit_analyzer::{
    declare_rule, Answer, Diagnostic, Edit, Fix, Node, NodeKind, Question, Related, Rule, RuleCx,
    Severity,
};
use nodepit_semantic::summary::Atom;
use nodepit_semantic::{
    expr_label, member_name, method_call, span_range, unwrap_expr, BindingKind, CallbackRef, FnId,
    Model,
};
use serde::Deserialize;
use swc_common::{Span, Spanned};
use swc_ecma_ast::{
    ArrowExpr, ArrowFunctionBody, BinaryOp, CallExpr, Callee, Expr, Pat, ReturnStmt, Stmt,
};
use swc_ecma_visit::{Visit, VisitWith};

/// Flags `forEach` given an async callback, and `map(async …)` whose promises are dropped.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoAsyncForeach {}

declare_rule!(NoAsyncForeach, "no-async-foreach", Error, fix: true);

impl Rule for NoAsyncForeach {
    fn kinds(&self) -> &'static [NodeKind] {
        &[NodeKind::ExprStmt, NodeKind::Call]
    }

    // The callback is `async`, or returns a promise, which an async function of this file or
    // another one gives; the loop is spelled `forEach` or `map`.
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["forEach", "map("])
    }

    fn check(&self, node: Node<'_, '_>, cx: &mut RuleCx<'_, '_>) {
        match node {
            Node::ExprStmt(site) => {
                let mut calls = Vec::new();
                dropped_calls(&site.node.expr, &mut calls);
                let whole = calls.len() == 1
                    && matches!(unwrap_expr(&site.node.expr), Expr::Call(c) if std::ptr::eq(c, calls[0]));
                // `await items.forEach(async …)` on a list known to be an array: the `await`
                // gets `undefined`. (A library collection's `forEach` may return a promise.)
                if let Expr::Await(a) = unwrap_expr(&site.node.expr) {
                    if let Expr::Call(c) = unwrap_expr(&a.arg) {
                        let model = cx.model();
                        if method_call(c).is_some_and(|(m, name)| {
                            name == "forEach" && iterates_values(model, &m.obj, 0)
                        }) {
                            calls.push(c);
                        }
                    }
                }
                for call in calls {
                    let at = Place {
                        stmt: Some(site.node.span),
                        whole_stmt: whole,
                        scope: site.func,
                    };
                    check_call(cx, call, at);
                }
            }
            Node::Call(site) => {
                let model = cx.model();
                if let Some(inner) = promise_all_of_foreach(model, site.node) {
                    report_promise_all(cx, site.node, inner, site.func);
                    return;
                }
                // `() => items.forEach(async …)`: the arrow returns `forEach`'s `undefined`.
                let Some(f) = site.func else { return };
                let body_is_call = model.function(f).node.expr_body().is_some_and(
                    |e| matches!(unwrap_expr(e), Expr::Call(c) if std::ptr::eq(c, site.node)),
                );
                if body_is_call && method_call(site.node).is_some_and(|(_, m)| m == "forEach") {
                    let at = Place {
                        stmt: None,
                        whole_stmt: false,
                        scope: Some(f),
                    };
                    check_call(cx, site.node, at);
                }
            }
            _ => {}
        }
    }
}

/// The `forEach` call handed to `Promise.all` (`allSettled`, `race`, `any`) as its list.
fn promise_all_of_foreach<'c>(model: &Model<'_>, call: &'c CallExpr) -> Option<&'c CallExpr> {
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    // The argument's shape first: this runs for every call, and a qualified name allocates.
    let Expr::Call(inner) = unwrap_expr(&call.args.first()?.expr) else {
        return None;
    };
    if method_call(inner).is_none_or(|(_, m)| m != "forEach") {
        return None;
    }
    let q = model.qual(callee)?;
    matches!(
        q.as_str(),
        "Promise.all" | "Promise.allSettled" | "Promise.race" | "Promise.any"
    )
    .then_some(inner)
}

/// `Promise.all(items.forEach(async …))`: `forEach` returns `undefined`, so `Promise.all`
/// rejects at once with a `TypeError` and nothing waits for the callbacks.
fn report_promise_all(
    cx: &mut RuleCx<'_, '_>,
    all: &CallExpr,
    each: &CallExpr,
    scope: Option<FnId>,
) {
    let model = cx.model();
    if each.args.is_empty() || each.args.len() > 2 {
        return;
    }
    let Some(CallbackRef::Local(f)) = model.callback_ref(&each.args[0].expr, scope) else {
        return;
    };
    let Some(step) = model.first_async_step(f) else {
        return;
    };
    let Callee::Expr(callee) = &all.callee else {
        return;
    };
    let name = expr_label(callee);
    cx.report(
        each.span,
        format!("`forEach` returns `undefined`, not the promises of its async callback, so `{name}` rejects at once with a `TypeError` (undefined is not iterable) while the callbacks run on with nobody waiting for them or handling their failures."),
    )
    .help("Use `map` instead of `forEach`, so `Promise.all` gets the callbacks' promises: `await Promise.all(xs.map(async (x) => …))`.")
    .related(step, "the callback waits here");
}

/// Where the loop call sits.
#[derive(Clone, Copy)]
struct Place {
    /// The expression statement holding it, if it is one.
    stmt: Option<Span>,
    /// The call is the whole statement (a fix can rewrite it).
    whole_stmt: bool,
    /// The function it runs in.
    scope: Option<FnId>,
}

/// The calls whose value a statement expression throws away: the expression itself, each part
/// of a sequence, both branches of a conditional, the right side of `&&`/`||`/`??`.
fn dropped_calls<'e>(e: &'e Expr, out: &mut Vec<&'e CallExpr>) {
    match unwrap_expr(e) {
        Expr::Call(c) => out.push(c),
        Expr::Seq(s) => s.exprs.iter().for_each(|e| dropped_calls(e, out)),
        Expr::Cond(c) => {
            dropped_calls(&c.cons, out);
            dropped_calls(&c.alt, out);
        }
        Expr::Bin(b)
            if matches!(
                b.op,
                BinaryOp::LogicalAnd | BinaryOp::LogicalOr | BinaryOp::NullishCoalescing
            ) =>
        {
            dropped_calls(&b.right, out)
        }
        _ => {}
    }
}

/// Which loop method drops the callback's promises.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Loop {
    ForEach,
    Map,
}

impl Loop {
    /// The first half of the message; `callback` names a callback from another module.
    fn opening(self, callback: Option<&str>) -> String {
        let what = match callback {
            Some(name) => format!("`{name}`"),
            None => "its async callback".to_string(),
        };
        match self {
            Loop::ForEach => format!("`forEach` does not wait for the promises {what} returns"),
            Loop::Map => format!("The promises this `map` collects from {what} are dropped"),
        }
    }
}

fn check_call(cx: &mut RuleCx<'_, '_>, call: &CallExpr, at: Place) {
    let model = cx.model();
    let Some((member, method)) = method_call(call) else {
        return;
    };
    let kind = match method {
        "forEach" => Loop::ForEach,
        "map" if at.stmt.is_some() => Loop::Map,
        _ => return,
    };
    // `(callback)` or `(callback, thisArg)`: library loops take the list first
    // (`async.forEach(items, fn, done)`, p-iteration's `forEach(items, fn)`).
    if call.args.is_empty() || call.args.len() > 2 || call.args[0].spread.is_some() {
        return;
    }
    // A promise's own `map`/`forEach` (Bluebird) waits for its callbacks.
    if model.is_promise(&member.obj, at.scope) || is_bluebird(model, &member.obj) {
        return;
    }
    let Some(callback) = model.callback_ref(&call.args[0].expr, at.scope) else {
        return;
    };
    let next = at
        .stmt
        .and_then(|s| model.statement_after(s, at.scope))
        .filter(|s| !is_trailing_noise(s));
    let enclosing = enclosing_promise(model, at.scope);
    let (specifier, path, new_at, name) = match callback {
        CallbackRef::Local(f) => {
            let Some(step) = model.first_async_step(f) else {
                // `(a) => sendReminder(a)`: a wrapper around another module's function.
                match model.returned_external_call(f) {
                    Some((
                        CallbackRef::External {
                            specifier,
                            path,
                            new_at,
                        },
                        name,
                    )) if !model.function(f).is_async => {
                        ask_external(
                            cx,
                            call,
                            kind,
                            (specifier, path, new_at),
                            name,
                            next,
                            enclosing,
                        );
                    }
                    _ => {}
                }
                return;
            };
            let rejection = model.first_rejection(f);
            let Some(message) = message(kind, next, enclosing.as_deref(), rejection.is_some())
            else {
                return;
            };
            let fix = rewrite_as_for_of(model, call, f, at, kind);
            let mut report = cx
                .report(call.span, message)
                .help(help(kind))
                .related(step, "the callback waits here, after the loop has moved on");
            if let Some(r) = rejection.filter(|r| r.span != step) {
                report = report.related(r.span, "a failure here rejects a promise nobody handles");
            }
            if let Some(n) = next {
                report = report.related(n.span(), "this runs before the callbacks finish");
            }
            if let Some(fix) = fix {
                report.fix(fix);
            }
            return;
        }
        CallbackRef::External {
            specifier,
            path,
            new_at,
        } => (specifier, path, new_at, expr_label(&call.args[0].expr)),
    };
    ask_external(
        cx,
        call,
        kind,
        (specifier, path, new_at),
        name,
        next,
        enclosing,
    );
}

/// Asks the project whether another module's function, called for each element, returns a
/// promise; if so, the finding is the same as for a local async callback.
fn ask_external(
    cx: &mut RuleCx<'_, '_>,
    call: &CallExpr,
    kind: Loop,
    (specifier, path, new_at): (Atom, Vec<Atom>, Option<u32>),
    name: String,
    next: Option<&Stmt>,
    enclosing: Option<String>,
) {
    if !cx.is_project_module(&specifier) {
        return;
    }
    let range = cx.model().range(call.span);
    let next_range = next.map(|s| span_range(s.span()));
    let next_label = next.map(stmt_label);
    let question = Question::Callee {
        specifier,
        path,
        new_at,
    };
    cx.ask(question, move |answer, _| {
        let Answer::Callee(f) = answer else {
            return None;
        };
        if !f.returns_promise {
            return None;
        }
        let text = message_with(
            kind,
            Some(&name),
            next_label.as_deref(),
            enclosing.as_deref(),
            !f.cannot_reject,
        )?;
        let mut d = Diagnostic::new("", Severity::Error, range, format!("{text}."));
        d.help = Some(help(kind).to_string());
        if let Some(r) = next_range {
            d.related.push(Related {
                path: None,
                range: r,
                message: "this runs before the callbacks finish".to_string(),
            });
        }
        Some(d)
    });
}

/// A statement after the loop that does not depend on the work: a bare `return;` or `break`.
fn is_trailing_noise(s: &Stmt) -> bool {
    matches!(
        s,
        Stmt::Return(ReturnStmt { arg: None, .. }) | Stmt::Break(_) | Stmt::Empty(_)
    )
}

/// When the loop runs inside a function whose own promise callers wait for, its label.
fn enclosing_promise(model: &Model<'_>, scope: Option<FnId>) -> Option<String> {
    let f = scope?;
    let info = model.function(f);
    (info.is_async && !info.is_generator).then(|| model.fn_label(f))
}

fn message(
    kind: Loop,
    next: Option<&Stmt>,
    enclosing: Option<&str>,
    can_reject: bool,
) -> Option<String> {
    let label = next.map(stmt_label);
    message_with(kind, None, label.as_deref(), enclosing, can_reject).map(|m| format!("{m}."))
}

/// The finding's text, or `None` when nothing goes wrong in this spot: no code after the loop
/// and callbacks that cannot reject. That is deliberate, guarded background work (NodeBB's
/// `uids.forEach((uid) => user.notifications.pushCount(uid))` at the end of an async function,
/// whose callee catches everything), even when the enclosing function's promise resolves first.
fn message_with(
    kind: Loop,
    callback: Option<&str>,
    next: Option<&str>,
    enclosing: Option<&str>,
    can_reject: bool,
) -> Option<String> {
    if next.is_none() && !can_reject {
        return None;
    }
    let mut effects = Vec::new();
    match (next, enclosing) {
        (Some(next), _) => effects.push(format!("{next} runs before the callbacks finish")),
        (None, Some(f)) => effects.push(format!(
            "the promise of {f} resolves before the callbacks finish"
        )),
        (None, None) => {}
    }
    if can_reject {
        effects.push("a rejection in a callback is unhandled".to_string());
    }
    Some(format!(
        "{}: {}",
        kind.opening(callback),
        effects.join(", and ")
    ))
}

fn help(kind: Loop) -> &'static str {
    match kind {
        Loop::ForEach => "Use `for (const x of xs) { await … }` when order matters or the work must run one at a time, or `await Promise.all(xs.map(async (x) => …))` to run it concurrently (cap large lists with p-limit).",
        Loop::Map => "`await Promise.all(xs.map(async (x) => …))` to wait for every callback (cap large lists with p-limit), or use `for (const x of xs) { await … }` to run them one at a time.",
    }
}

/// How a statement reads in a message: the call it makes (`res.json(…)`), or where it is.
fn stmt_label(s: &Stmt) -> String {
    let call_label = |e: &Expr| -> Option<String> {
        match unwrap_expr(e) {
            Expr::Call(c) => match &c.callee {
                Callee::Expr(callee) => Some(format!("{}(…)", expr_label(callee))),
                _ => None,
            },
            Expr::Await(a) => match unwrap_expr(&a.arg) {
                Expr::Call(c) => match &c.callee {
                    Callee::Expr(callee) => Some(format!("await {}(…)", expr_label(callee))),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    };
    let text = match s {
        Stmt::Expr(e) => call_label(&e.expr),
        Stmt::Return(r) => Some(match r.arg.as_deref().and_then(call_label) {
            Some(c) => format!("return {c}"),
            None => "return".to_string(),
        }),
        _ => None,
    };
    match text {
        Some(t) => format!("`{t}`"),
        None => "the code after the loop".to_string(),
    }
}

/// The unsafe rewrite to `for (const x of xs) { … }`: only when it keeps the meaning apart from
/// running one at a time. The statement is the `forEach` call itself, inside an async function;
/// the callback is an inline async arrow with one untyped plain parameter, a block body and no
/// `return` of its own; and the list is known to iterate its values (not a Map's entries).
fn rewrite_as_for_of(
    model: &Model<'_>,
    call: &CallExpr,
    f: FnId,
    at: Place,
    kind: Loop,
) -> Option<Fix> {
    if kind != Loop::ForEach || !at.whole_stmt || call.args.len() != 1 {
        return None;
    }
    let stmt = at.stmt?;
    let scope = at.scope?;
    if !model.function(scope).is_async || model.function(scope).is_generator {
        return None;
    }
    let Expr::Arrow(arrow) = unwrap_expr(&call.args[0].expr) else {
        return None;
    };
    if !arrow.is_async || model.fn_at(arrow.span) != Some(f) {
        return None;
    }
    let [Pat::Ident(param)] = arrow.params.as_slice() else {
        return None;
    };
    if param.type_ann.is_some() {
        return None;
    }
    let ArrowFunctionBody::FunctionBody(body) = &*arrow.body else {
        return None;
    };
    if has_return(arrow) {
        return None;
    }
    let (member, _) = method_call(call)?;
    if !iterates_values(model, &member.obj, 0) {
        return None;
    }
    let list = span_range(member.obj.span());
    let call_range = span_range(call.span);
    let body_range = span_range(body.span);
    let stmt_range = span_range(stmt);
    if call_range.start > list.start || body_range.end > stmt_range.end {
        return None;
    }
    Some(Fix {
        message: format!(
            "Rewrite as `for (const {} of …)` that awaits each step",
            param.id.sym
        ),
        edits: vec![
            Edit {
                range: call_range.start..list.start,
                text: format!("for (const {} of ", param.id.sym),
            },
            Edit {
                range: list.end..body_range.start + 1,
                text: ") {".to_string(),
            },
            Edit {
                range: body_range.end - 1..stmt_range.end,
                text: "}".to_string(),
            },
        ],
        safe: false,
    })
}

/// Whether the arrow's own body has a `return` (which a loop body would turn into a real return).
fn has_return(arrow: &ArrowExpr) -> bool {
    struct Finder(bool);
    impl Visit for Finder {
        fn visit_return_stmt(&mut self, _: &ReturnStmt) {
            self.0 = true;
        }
        fn visit_function(&mut self, _: &swc_ecma_ast::Function) {}
        fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
        fn visit_class(&mut self, _: &swc_ecma_ast::Class) {}
    }
    let mut f = Finder(false);
    arrow.body.visit_children_with(&mut f);
    f.0
}

/// Whether `for…of` over the expression yields what `forEach` hands its callback first: an
/// array literal, `Object.keys/values/entries(…)`, `Array.from(…)`, an array method's result,
/// or a constant bound to one of these.
pub(crate) fn iterates_values(model: &Model<'_>, e: &Expr, depth: u32) -> bool {
    if depth > 4 {
        return false;
    }
    match unwrap_expr(e) {
        Expr::Array(_) => true,
        Expr::Call(c) => {
            let Callee::Expr(callee) = &c.callee else {
                return false;
            };
            if model.qual(callee).is_some_and(|q| {
                matches!(
                    q.as_str(),
                    "Object.keys" | "Object.values" | "Object.entries" | "Array.from" | "Array.of"
                )
            }) {
                return true;
            }
            // Only arrays (and strings, for `split`) have these; a Map or Set has none.
            matches!(unwrap_expr(callee), Expr::Member(m) if matches!(
                member_name(&m.prop),
                Some("filter" | "map" | "slice" | "concat" | "flat" | "flatMap" | "split" | "toSorted")
            ))
        }
        Expr::Ident(id) => match model.binding(id).map(|b| (&b.kind, b.reassigned)) {
            Some((
                BindingKind::Var {
                    init: Some(init),
                    path,
                    ..
                },
                false,
            )) if path.is_empty() => iterates_values(model, init, depth + 1),
            _ => false,
        },
        _ => false,
    }
}

/// Whether a receiver is a Bluebird promise (`Bluebird.resolve(xs)`, `Promise.map` after
/// `const Promise = require('bluebird')`), whose collection methods wait for their callbacks.
pub(crate) fn is_bluebird(model: &Model<'_>, e: &Expr) -> bool {
    model.qual(e).is_some_and(|q| {
        q == "bluebird" || q.starts_with("bluebird.") || q.starts_with("bluebird()")
    })
}
