use crate::quiet;
use nodepit_analyzer::{
    declare_rule, Answer, Diagnostic, Node, NodeKind, Question, Related, Rule, RuleCx, Severity,
};
use nodepit_semantic::{
    expr_label, is_nullish, method_call, static_string, unwrap_expr, BindingKind, EmitterKind,
    FnId, FnNode, Model, Rejection, RejectionKind,
};
use serde::Deserialize;
use swc_common::{BytePos, Span, Spanned};
use swc_ecma_ast::{CallExpr, Callee, Expr, Lit, Stmt};

/// Flags async functions handed to APIs that drop the promise they return (timers, event
/// listeners, `new Promise` executors) when their body can reject.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoUnhandledAsyncCallback {}

declare_rule!(
    NoUnhandledAsyncCallback,
    "no-unhandled-async-callback",
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

/// Schedulers that call their callback later and ignore what it returns, by qualified name.
const TIMERS: &[&str] = &[
    "setTimeout",
    "setInterval",
    "setImmediate",
    "queueMicrotask",
    "process.nextTick",
    "timers.setTimeout",
    "timers.setInterval",
    "timers.setImmediate",
];

/// Node server factories whose function arguments are `'request'`/`'connection'` listeners.
const SERVER_FACTORIES: &[&str] = &[
    "http.createServer",
    "https.createServer",
    "http2.createServer",
    "http2.createSecureServer",
    "net.createServer",
    "tls.createServer",
];

/// The API a callback is handed to.
#[derive(Debug, Clone)]
enum Sink {
    /// A timer or queue, by the name written at the call.
    Timer(String),
    /// An event listener: the receiver as written, what it is, and the event name.
    Listener {
        receiver: String,
        kind: Option<EmitterKind>,
        event: Option<String>,
    },
    /// The executor of `new Promise(…)`.
    Executor,
}

impl Rule for NoUnhandledAsyncCallback {
    fn kinds(&self) -> &'static [NodeKind] {
        &[NodeKind::Call, NodeKind::New]
    }

    // The callback is an async function or returns a promise (`.then` chains, `Promise`, a
    // promise API), so one of these is spelled in the file; a function of another module
    // passed by name is only followed in project runs, which skip the needle gate.
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["async", "then", "romis", "fetch"])
    }

    fn check(&self, node: Node<'_, '_>, cx: &mut RuleCx<'_, '_>) {
        match node {
            Node::Call(site) => {
                for (arg, sink) in sinks(cx.model(), site.node, site.func) {
                    check_callback(cx, arg, site.func, sink);
                }
            }
            Node::New((n, scope)) => {
                let model = cx.model();
                let is_promise = matches!(unwrap_expr(&n.callee), Expr::Ident(id) if model.is_global(id, "Promise"));
                let Some(executor) = n.args.as_ref().and_then(|a| a.first()) else {
                    return;
                };
                if is_promise && executor.spread.is_none() {
                    check_callback(cx, &executor.expr, *scope, Sink::Executor);
                }
            }
            Node::ExprStmt(_) => {}
        }
    }
}

/// The event a listener is registered for, when the code names it: a string (`'message'`), a
/// constant holding one, or a property of a constants object (`Events.JOIN`, by its label). A
/// parameter or a computed value is an event chosen at run time, and gives `None`.
fn event_name(model: &Model<'_>, e: &Expr) -> Option<String> {
    if let Some(s) = static_string(e) {
        return Some(format!("'{s}'"));
    }
    match unwrap_expr(e) {
        Expr::Ident(id) => model
            .const_init(id)
            .and_then(static_string)
            .map(|s| format!("'{s}'")),
        Expr::Member(m) if !matches!(m.prop, swc_ecma_ast::MemberProp::Computed(_)) => {
            let mut root = unwrap_expr(&m.obj);
            while let Expr::Member(inner) = root {
                root = unwrap_expr(&inner.obj);
            }
            // `this.events.X` or `Events.X`: a name fixed in the code, not a parameter.
            let fixed = match root {
                Expr::Ident(id) => !matches!(
                    model.binding(id).map(|b| &b.kind),
                    Some(BindingKind::Param { .. })
                ),
                Expr::This(_) => true,
                _ => false,
            };
            fixed.then(|| expr_label(e))
        }
        _ => None,
    }
}

/// Packages whose `.on(event, handler)` awaits the handler (bot and webhook frameworks run it as
/// middleware; Emittery's `emit` returns a promise of all listeners), by the module the receiver
/// comes from.
const AWAITING_PACKAGES: &[&str] = &[
    "emittery",
    "telegraf",
    "grammy",
    "@slack/bolt",
    "@octokit/webhooks",
    "probot",
];

/// Whether the receiver of `.on` comes from a package that awaits its handlers.
fn awaits_handlers(model: &Model<'_>, receiver: &Expr) -> bool {
    let Some(q) = model.qual(receiver) else {
        return false;
    };
    AWAITING_PACKAGES.iter().any(|p| {
        q.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '(']))
    })
}

/// Whether a module is a browser library or UI framework (a file that loads one runs in a page),
/// or a bundler's alias or component file (`~/components/…`, `*.vue`).
fn is_browser_module(m: &str) -> bool {
    let family = |name: &str| {
        m == name || m.starts_with(&format!("{name}/")) || m.starts_with(&format!("{name}-"))
    };
    family("react")
        || family("vue")
        || family("preact")
        || family("svelte")
        || family("jquery")
        || m.starts_with("@angular/")
        || m.starts_with("@vue/")
        || m.starts_with("next/")
        || matches!(m, "socket.io-client" | "solid-js" | "pinia" | "vuex")
        || m.starts_with("~/")
        || m.ends_with(".vue")
        || m.ends_with(".svelte")
}

/// Whether the file is browser code: it imports a browser library, or calls `$`, `jQuery`, an
/// AMD `define`, or a method of `document` or `window`.
fn looks_like_browser_code(model: &Model<'_>) -> bool {
    // Asked for every candidate callback, answered once per file.
    struct BrowserCode(bool);
    model.memo(|| BrowserCode(browser_code_uncached(model))).0
}

fn browser_code_uncached(model: &Model<'_>) -> bool {
    model.calls().iter().any(|site| {
        let call = site.node;
        if let Some(src) = model.require_source(call) {
            return is_browser_module(src);
        }
        let Callee::Expr(callee) = &call.callee else {
            return false;
        };
        let mut root = unwrap_expr(callee);
        while let Expr::Member(m) = root {
            root = unwrap_expr(&m.obj);
        }
        matches!(root, Expr::Ident(id)
            if ["$", "jQuery", "define", "document", "window"].iter().any(|g| model.is_global(id, g)))
    }) || model.program().as_module().is_some_and(|m| {
        m.body.iter().any(|item| match item {
            swc_ecma_ast::ModuleItem::ModuleDecl(swc_ecma_ast::ModuleDecl::Import(i)) => {
                i.src.value.as_str().is_some_and(is_browser_module)
            }
            _ => false,
        })
    })
}

/// The callbacks a call hands to an API that drops their promises, with that API.
fn sinks<'c>(model: &Model<'_>, call: &'c CallExpr, scope: Option<FnId>) -> Vec<(&'c Expr, Sink)> {
    let Callee::Expr(callee) = &call.callee else {
        return Vec::new();
    };
    let callee = unwrap_expr(callee);
    if let Some((m, method)) = method_call(call) {
        // `server.listen(port, cb)` registers `cb` as a `'listening'` listener.
        if method == "listen" && call.args.len() >= 2 {
            let Some(cb) = call.args.last().filter(|a| a.spread.is_none()) else {
                return Vec::new();
            };
            if model.fn_of_expr(&cb.expr, scope).is_none() {
                return Vec::new();
            }
            let sink = Sink::Listener {
                receiver: expr_label(&m.obj),
                kind: model.emitter_kind(&m.obj, scope),
                event: Some("'listening'".to_string()),
            };
            return vec![(&*cb.expr, sink)];
        }
        if LISTEN.contains(&method) {
            let Some(listener) = call.args.get(1) else {
                return Vec::new();
            };
            // Most listeners are plain functions: skip them before the receiver is placed.
            if !can_hand_back_promise(model, &listener.expr, scope) {
                return Vec::new();
            }
            // Only receivers the file shows to be emitters: `.on` of an unknown object may be a
            // framework that awaits its handlers (bot middleware, hook systems, test runners).
            let kind = model.emitter_kind(&m.obj, scope);
            let event = call.args.first().and_then(|a| event_name(model, &a.expr));
            // An object the file cannot place is taken for an emitter when the event is named
            // in place, unless it comes from a framework that awaits its handlers.
            if kind.is_none() && (event.is_none() || awaits_handlers(model, &m.obj)) {
                return Vec::new();
            }
            if model.captures_rejections(&m.obj, scope) {
                return Vec::new();
            }
            let sink = Sink::Listener {
                receiver: expr_label(&m.obj),
                kind,
                event,
            };
            return vec![(&*listener.expr, sink)];
        }
    }
    // Spelling first (most calls are not timers), then the model says what the name is.
    let Some(name) = nodepit_semantic::callee_name(callee) else {
        return Vec::new();
    };
    let spelled_timer = matches!(
        name,
        "setTimeout" | "setInterval" | "setImmediate" | "queueMicrotask" | "nextTick"
    );
    // A renamed import (`const { setTimeout: later } = require('timers')`) is a timer too.
    let renamed = matches!(callee, Expr::Ident(id) if matches!(
        model.binding(id).map(|b| &b.kind),
        Some(BindingKind::Import { .. } | BindingKind::Var { .. })
    ));
    if !spelled_timer && !renamed && !name.starts_with("create") {
        return Vec::new();
    }
    let Some(q) = model.qual(callee) else {
        return Vec::new();
    };
    if TIMERS.contains(&q.as_str()) {
        return match call.args.first() {
            Some(a) if a.spread.is_none() => vec![(&*a.expr, Sink::Timer(expr_label(callee)))],
            _ => Vec::new(),
        };
    }
    if SERVER_FACTORIES.contains(&q.as_str()) {
        let event = if q.starts_with("http") {
            "request"
        } else {
            "connection"
        };
        return call
            .args
            .iter()
            .filter(|a| a.spread.is_none())
            .map(|a| {
                let sink = Sink::Listener {
                    receiver: format!("{}()", expr_label(callee)),
                    kind: Some(EmitterKind::Server),
                    event: Some(format!("'{event}'")),
                };
                (&*a.expr, sink)
            })
            .collect();
    }
    Vec::new()
}

/// Reports `arg` when it is an async function (or an arrow returning a promise) that can
/// reject; asks the project when it names a function of another module.
fn check_callback(cx: &mut RuleCx<'_, '_>, arg: &Expr, scope: Option<FnId>, sink: Sink) {
    let model = cx.model();
    let inline = matches!(unwrap_expr(arg), Expr::Fn(_) | Expr::Arrow(_));
    // In a page a dropped rejection is logged and nothing ends; an executor's outer promise
    // stays pending there too, so executors are checked everywhere. Asked last: it reads
    // every call of the file.
    let browser = || !matches!(sink, Sink::Executor) && looks_like_browser_code(model);
    if let Some(f) = model.fn_of_expr(arg, scope) {
        let info = model.function(f);
        if info.is_generator {
            return;
        }
        if info.is_async {
            let Some(rejection) = model.first_rejection(f) else {
                return;
            };
            if ends_in_failure_exit(model, f) || browser() {
                return;
            }
            let anchor = if inline {
                async_keyword(info.span)
            } else {
                arg.span()
            };
            let what = if inline {
                Callback::Inline
            } else {
                Callback::Named(model.fn_label(f))
            };
            let ack = ack_param(model, f, &sink);
            let (message, help) = wording(&sink, &what, ack.as_deref());
            let mut d = Diagnostic::new("", Severity::Error, model.range(anchor), message);
            d.help = Some(help);
            d.related.push(Related {
                path: None,
                range: model.range(rejection.span),
                message: rejection_note(rejection).to_string(),
            });
            // Every place that can reject waits for functions of other modules: a service
            // method that catches everything cannot, so the project decides.
            match quiet::can_reject(cx, model, f) {
                Some(quiet::Verdict::IfCalleesCan(pending)) => {
                    let pending = quiet::Pending::new(model, pending);
                    cx.ask(Question::Here, move |answer, project| {
                        let Answer::Here(file) = answer else {
                            return None;
                        };
                        let range = pending.loud(file, project)?;
                        if let Some(first) = d.related.first_mut() {
                            first.range = range;
                        }
                        Some(d)
                    });
                }
                _ => cx.report_diagnostic(d),
            }
            return;
        }
        // A synchronous arrow whose body is a promise returns it to the API that drops it
        // (`setInterval(() => this.poll(), ms)` with `poll` async).
        let Some(body) = inline.then(|| info.node.expr_body()).flatten() else {
            return;
        };
        if matches!(sink, Sink::Executor) {
            return;
        }
        if model.is_promise(body, Some(f)) {
            if !handled_chain(body) && !model.promise_cannot_reject(body, Some(f)) && !browser() {
                let what = Callback::Returns(format!(
                    "`{}`",
                    expr_label(call_callee(body).unwrap_or(body))
                ));
                let (message, help) = wording(&sink, &what, None);
                cx.report(body.span(), message).help(help);
            }
            return;
        }
        if let Some(callee) = call_callee(body).filter(|_| !browser()) {
            ask_other_module(cx, callee, body.span(), sink, true);
        }
        return;
    }
    if !inline && !matches!(sink, Sink::Executor) && !browser() {
        ask_other_module(cx, arg, arg.span(), sink, false);
    }
}

/// Whether a callback can give its caller a promise, as [`check_callback`] looks at them: an
/// async function, an arrow whose expression body may be one, or a name from elsewhere.
fn can_hand_back_promise(model: &Model<'_>, arg: &Expr, scope: Option<FnId>) -> bool {
    let inline = matches!(unwrap_expr(arg), Expr::Fn(_) | Expr::Arrow(_));
    match model.fn_of_expr(arg, scope) {
        Some(f) => {
            let info = model.function(f);
            !info.is_generator && (info.is_async || (inline && info.node.expr_body().is_some()))
        }
        None => !inline,
    }
}

/// Whether the function's last statement is `process.exit(n)` with a non-zero `n`: a failure
/// path (`server.once('error', async (err) => { await cleanup(); process.exit(1) })`), where a
/// rejection ends the process just the same.
fn ends_in_failure_exit(model: &Model<'_>, f: FnId) -> bool {
    let Some(Stmt::Expr(last)) = model.function(f).node.body_stmts().and_then(|b| b.last()) else {
        return false;
    };
    let Expr::Call(c) = unwrap_expr(&last.expr) else {
        return false;
    };
    model.callee_qual(c).as_deref() == Some("process.exit")
        && c.args.first().is_some_and(
            |a| matches!(unwrap_expr(&a.expr), Expr::Lit(Lit::Num(n)) if n.value != 0.0),
        )
}

/// Whether a promise chain ends in a rejection handler: `.catch(h)`, `.then(ok, h)`, or
/// `.finally(f)` on such a chain. What the handler does with the error is its own business.
fn handled_chain(e: &Expr) -> bool {
    let Expr::Call(c) = unwrap_expr(e) else {
        return false;
    };
    let Some((m, method)) = method_call(c) else {
        return false;
    };
    let given = |i: usize| c.args.get(i).is_some_and(|a| !is_nullish(&a.expr));
    match method {
        "catch" => given(0),
        "then" => given(1),
        "finally" => handled_chain(&m.obj),
        _ => false,
    }
}

/// The callee of a call expression.
fn call_callee(e: &Expr) -> Option<&Expr> {
    match unwrap_expr(e) {
        Expr::Call(c) => match &c.callee {
            Callee::Expr(callee) => Some(callee),
            _ => None,
        },
        _ => None,
    }
}

/// Asks whether `target`, a function of another module of the project, returns a promise
/// that can reject; `called` when the callback calls it (`() => jobs.sweep()`) rather than
/// being it.
fn ask_other_module(cx: &mut RuleCx<'_, '_>, target: &Expr, at: Span, sink: Sink, called: bool) {
    let model = cx.model();
    let Some((specifier, path, new_at)) = model.ext_path(target, 0) else {
        return;
    };
    if !cx.is_project_module(&specifier) {
        return;
    }
    if called {
        // A call that passes a completion callback reports its errors there.
        if let Expr::Call(c) = unwrap_expr(target) {
            if c.args
                .iter()
                .any(|a| model.fn_of_expr(&a.expr, None).is_some())
            {
                return;
            }
        }
    }
    let label = expr_label(target);
    let range = model.range(at);
    let question = Question::Callee {
        specifier,
        path,
        new_at,
    };
    cx.ask(question, move |answer, project| {
        let Answer::Callee(f) = answer else {
            return None;
        };
        if !f.returns_promise || f.cannot_reject {
            return None;
        }
        let place = project.display(&f.func.loc.path);
        let what = if called {
            Callback::Returns(format!("`{label}` (in {place})"))
        } else {
            Callback::Named(format!("`{label}` (in {place})"))
        };
        let (message, help) = wording(&sink, &what, None);
        let mut d = Diagnostic::new("", Severity::Error, range, message);
        d.help = Some(help);
        d.related.push(Related {
            path: Some(f.func.loc.path.clone()),
            range: f.func.loc.range.clone(),
            message: format!("`{label}` is defined here and can reject"),
        });
        Some(d)
    });
}

/// How the callback appears at the call, for messages.
enum Callback {
    /// An async function written in place.
    Inline,
    /// An async function passed by name (the label is quoted already).
    Named(String),
    /// An arrow that returns the promise of this call (the callee, quoted).
    Returns(String),
}

/// The message and help for a callback handed to `sink`.
fn wording(sink: &Sink, what: &Callback, ack: Option<&str>) -> (String, String) {
    const LOST: &str = "the rejection reaches `unhandledRejection`, which ends the process by default since Node 15";
    match sink {
        Sink::Executor => (
            "This `new Promise` executor is async: a throw or rejected `await` inside never rejects the outer promise, which stays pending forever, and the executor's own rejection goes unhandled.".to_string(),
            "Make the executor synchronous and settle it from a chain (`work().then(resolve, reject)`), or drop `new Promise` and write an async function.".to_string(),
        ),
        Sink::Timer(name) => {
            let message = match what {
                Callback::Inline => format!("`{name}` ignores the promise this async callback returns, so when it rejects, {LOST}."),
                Callback::Named(f) => format!("`{name}` ignores the promise {f} returns, and it can reject: {LOST}."),
                Callback::Returns(callee) => format!("`{name}` ignores the promise this arrow returns from {callee}, so when it rejects, {LOST}."),
            };
            (message, "Catch inside the callback (`try { … } catch (err) { … }` around its body), or end its promise chain with `.catch(...)`.".to_string())
        }
        Sink::Listener {
            receiver,
            kind,
            event,
        } => {
            let noun = kind.and_then(EmitterKind::noun).map(|n| format!(" ({n})")).unwrap_or_default();
            let listener = match event {
                Some(e) => format!("`{e}` listener on `{receiver}`{noun}"),
                None => format!("listener on `{receiver}`{noun}"),
            };
            let subject = match what {
                Callback::Inline => format!("This async {listener} can reject"),
                Callback::Named(f) => format!("{f}, the {listener}, is async and can reject"),
                Callback::Returns(callee) => {
                    format!("The {listener} returns the promise of {callee}")
                }
            };
            let consequence = match (ack, kind) {
                (Some(ack), Some(EmitterKind::SocketIo)) => format!("the client's acknowledgement callback `{ack}` is never called and {LOST}"),
                (Some(ack), _) => format!("the acknowledgement callback `{ack}` is never called and {LOST}"),
                _ => LOST.to_string(),
            };
            let message = format!("{subject}, and an emitter ignores what its listeners return: when it rejects, {consequence}.");
            let mut help = match ack {
                Some(ack) => format!("Wrap the body in `try {{ … }} catch (err) {{ … }}` and answer `{ack}` with the error there, so the caller always hears back."),
                None => "Catch inside the listener (`try { … } catch (err) { … }` around its body), or end its promise chain with `.catch(...)`.".to_string(),
            };
            if *kind == Some(EmitterKind::EventEmitter) {
                help.push_str(" For your own `EventEmitter`, `captureRejections: true` with an `'error'` listener works too.");
            }
            (message, help)
        }
    }
}

/// The note on where the callback first can reject.
fn rejection_note(r: Rejection) -> &'static str {
    match r.kind {
        RejectionKind::Await => "this `await` can reject, and no `catch` here handles it",
        RejectionKind::ForAwait => "this `for await` can throw, and no `catch` here handles it",
        RejectionKind::Throw => "this `throw` is not caught inside the callback",
        RejectionKind::SyncThrow => "this call can throw, and no `catch` here handles it",
        RejectionKind::Return => "this returned promise can reject",
    }
}

/// The `async` keyword at the start of a function written in place.
fn async_keyword(span: Span) -> Span {
    let end = BytePos(span.lo.0.saturating_add(5).min(span.hi.0));
    Span::new(span.lo, end)
}

/// The name of a listener's last parameter when it is a function the body calls: socket.io's
/// acknowledgement callback (`socket.on('save', async (data, ack) => …)`), which a rejection
/// leaves unanswered.
fn ack_param(model: &Model<'_>, f: FnId, sink: &Sink) -> Option<String> {
    if !matches!(sink, Sink::Listener { .. }) {
        return None;
    }
    let node = model.function(f).node;
    let count = node.param_count();
    let last = count.checked_sub(1)?;
    if count < 2 {
        return None;
    }
    if let FnNode::Constructor(_) = node {
        return None;
    }
    let name = node.param_name(last)?;
    let called = model.calls().iter().any(|site| {
        let Callee::Expr(callee) = &site.node.callee else {
            return false;
        };
        let Expr::Ident(id) = unwrap_expr(callee) else {
            return false;
        };
        matches!(
            model.binding(id).map(|b| &b.kind),
            Some(BindingKind::Param { func, index, .. }) if *func == f && *index == last
        )
    });
    called.then(|| name.to_string())
}
