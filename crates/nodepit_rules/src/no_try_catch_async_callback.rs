use nodepit_analyzer::{declare_rule, Node, NodeKind, Rule, RuleCx};
use nodepit_semantic::{
    is_deferring_timer, member_name, method_call, unwrap_expr, CallSite, EmitterKind, FnId, Model,
    RejectionKind, TrySite,
};
use serde::Deserialize;
use swc_common::Span;
use swc_ecma_ast::{Callee, Expr};

/// Flags a `try` whose block only schedules a callback (a timer, a Node callback API, a stream
/// or server listener) that throws later, when the `catch` is long gone.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoTryCatchAsyncCallback {}

declare_rule!(
    NoTryCatchAsyncCallback,
    "no-try-catch-async-callback",
    Error,
    fix: false
);

/// Methods that register an event listener.
const LISTEN: &[&str] = &[
    "on",
    "once",
    "addListener",
    "prependListener",
    "prependOnceListener",
];

impl Rule for NoTryCatchAsyncCallback {
    fn kinds(&self) -> &'static [NodeKind] {
        &[NodeKind::Try]
    }

    fn check(&self, _node: Node<'_, '_>, _cx: &mut RuleCx<'_, '_>) {}

    fn check_try(&self, site: &TrySite<'_>, cx: &mut RuleCx<'_, '_>) {
        let model = cx.model();
        if site.node.handler.is_none() || model.is_minified() {
            return;
        }
        let block = site.node.block.span;
        for i in model.calls_starting_in(block) {
            let c = &model.calls()[i];
            if !within(c.node.span, block) || !runs_now(model, c, site.func) {
                continue;
            }
            if inner_try_catches(model, site, c.node.span) {
                continue;
            }
            let Some((what, callback)) = scheduled(model, c) else {
                continue;
            };
            // An awaited call is a promise API that takes a callback too (rate limiters,
            // middleware runners): what the callback throws rejects the awaited promise, which
            // the `try` does catch.
            if model.is_awaited(c.node.span, c.func) {
                continue;
            }
            let Some(f) = model.fn_of_expr(callback, c.func) else {
                continue;
            };
            let info = model.function(f);
            if info.is_async || info.is_generator {
                // A rejected async callback is another rule's business.
                continue;
            }
            let Some(throw) = model
                .rejections(f)
                .into_iter()
                .find(|r| matches!(r.kind, RejectionKind::Throw | RejectionKind::SyncThrow))
            else {
                continue;
            };
            let thrown = if throw.kind == RejectionKind::Throw {
                "throws here"
            } else {
                "can throw here"
            };
            cx.report(
                c.node.span,
                format!("{what} runs its callback after this `try` block has finished, so the `catch` below never sees what the callback throws: it becomes an uncaught exception that ends the process."),
            )
            .help("Handle the error inside the callback (a `try` there, or pass it on with `callback(err)` / `reject(err)`), or use the promise API and `await` it inside the `try`.")
            .related(throw.span, format!("{thrown}, after the `try` has finished"))
            .related(block, "this `try` only covers the scheduling call");
        }
    }
}

fn within(inner: Span, outer: Span) -> bool {
    inner.lo >= outer.lo && inner.hi <= outer.hi
}

/// Whether a call in a `try` block runs while the block runs: written in the try's own
/// function, or in a `new Promise` executor or an array method's callback (which run at once)
/// inside it.
fn runs_now(model: &Model<'_>, c: &CallSite<'_>, owner: Option<FnId>) -> bool {
    let mut func = c.func;
    for _ in 0..4 {
        if func == owner {
            return true;
        }
        let Some(f) = func else { return false };
        if !is_executor(model, f) && !iteration_callback(model, f) {
            return false;
        }
        func = model.function(f).parent;
    }
    false
}

/// Whether a function is the callback of an array method that calls it at once (`forEach`).
fn iteration_callback(model: &Model<'_>, f: FnId) -> bool {
    let Some((call, _)) = model.function(f).passed_to else {
        return false;
    };
    let Some(site) = model.calls().get(call as usize) else {
        return false;
    };
    method_call(site.node).is_some_and(|(_, m)| {
        matches!(
            m,
            "forEach"
                | "map"
                | "filter"
                | "some"
                | "every"
                | "find"
                | "findIndex"
                | "reduce"
                | "flatMap"
        )
    })
}

/// Whether a function is the executor of a `new Promise(…)`.
fn is_executor(model: &Model<'_>, f: FnId) -> bool {
    let span = model.function(f).span;
    model.news().iter().any(|(n, _)| {
        model.qual(&n.callee).as_deref() == Some("Promise")
            && n.args
                .as_ref()
                .and_then(|a| a.first())
                .is_some_and(|a| unwrap_expr(&a.expr).span_eq(span))
    })
}

trait SpanEq {
    fn span_eq(&self, span: Span) -> bool;
}

impl SpanEq for Expr {
    fn span_eq(&self, span: Span) -> bool {
        use swc_common::Spanned;
        let s = self.span();
        s.lo == span.lo && s.hi == span.hi
    }
}

/// Whether a `try` nested in this one, with its own `catch`, holds the call (that `try` is the
/// one to report).
fn inner_try_catches(model: &Model<'_>, site: &TrySite<'_>, call: Span) -> bool {
    model.tries().iter().any(|t| {
        !std::ptr::eq(t.node, site.node)
            && t.node.handler.is_some()
            && within(t.node.span, site.node.block.span)
            && within(call, t.node.block.span)
    })
}

/// What schedules a callback for later, and the callback: a timer, a Node callback API, a
/// listener on an emitter whose events come from I/O, or an error-first callback.
fn scheduled<'c>(model: &Model<'_>, c: &'c CallSite<'_>) -> Option<(String, &'c Expr)> {
    let call = c.node;
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    let q = model.qual(callee);
    if let Some(q) = q.as_deref() {
        if is_deferring_timer(q) {
            let first = call.args.first().filter(|a| a.spread.is_none())?;
            return Some((format!("`{q}`"), &first.expr));
        }
    }
    let last = call.args.last().filter(|a| a.spread.is_none())?;
    if let Some(q) = model.core_errback_call(call) {
        return Some((format!("`{q}`"), &last.expr));
    }
    if let Some((m, name)) = method_call(call) {
        if LISTEN.contains(&name) {
            let kind = model.emitter_kind(&m.obj, c.func)?;
            // A plain EventEmitter may emit while the `try` still runs.
            // A `process` listener that throws (an `unhandledRejection` turned into a crash) does
            // so on purpose, and no `try` is meant to cover it.
            if matches!(kind, EmitterKind::EventEmitter | EmitterKind::Process) {
                return None;
            }
            let event = call
                .args
                .first()
                .and_then(|a| nodepit_semantic::static_string(&a.expr))
                .unwrap_or("event");
            let listener = call.args.get(1)?;
            return Some((format!("The `'{event}'` listener"), &listener.expr));
        }
    }
    // An error-first callback of a client library (`db.query(sql, (err, rows) => …)`): such
    // callbacks are called once the I/O is done.
    let f = model.fn_of_expr(&last.expr, c.func)?;
    // A function of this file may call back synchronously, inside the `try`.
    if model.fn_of_expr(callee, c.func).is_some() {
        return None;
    }
    let info = model.function(f);
    let first = info.node.param_name(0)?;
    let count = info.node.param_count();
    if !(matches!(first, "err" | "error" | "er") && (1..=3).contains(&count)) {
        return None;
    }
    // Array and promise methods call back synchronously or with no error.
    if method_call(call).is_some_and(|(_, n)| {
        matches!(
            n,
            "forEach"
                | "map"
                | "filter"
                | "then"
                | "catch"
                | "finally"
                | "reduce"
                | "some"
                | "every"
                | "find"
        )
    }) {
        return None;
    }
    let label = match unwrap_expr(callee) {
        Expr::Member(m) => member_name(&m.prop).map(|n| format!("`.{n}()`")),
        Expr::Ident(i) => Some(format!("`{}`", i.sym)),
        _ => None,
    }?;
    Some((label, &last.expr))
}
