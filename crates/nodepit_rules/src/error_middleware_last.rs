use nodepit_analyzer::{
    declare_rule, Answer, Diagnostic, Edit, Fix, Node, NodeKind, Question, Related, Rule, RuleCx,
    Severity,
};
use nodepit_semantic::{
    expr_label, member_name, static_string, unwrap_expr, BindingKind, CallSite, FnId, FnNode, Model,
};
use serde::Deserialize;
use swc_common::{BytePos, Span, Spanned};
use swc_ecma_ast::{Callee, Expr, Id, Ident, Lit, MemberExpr, Pat};
use swc_ecma_visit::{Visit, VisitWith};

/// Flags Express error middleware registered before the routes whose errors it should handle,
/// and intended error handlers with three parameters, which Express runs as plain middleware.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorMiddlewareLast {}

declare_rule!(ErrorMiddlewareLast, "error-middleware-last", Error, fix: true);

impl Rule for ErrorMiddlewareLast {
    fn kinds(&self) -> &'static [NodeKind] {
        &[NodeKind::Call]
    }

    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&[".use("])
    }

    fn check(&self, node: Node<'_, '_>, cx: &mut RuleCx<'_, '_>) {
        let Node::Call(site) = node else { return };
        let model = cx.model();
        let Some(reg) = registration(model, site) else {
            return;
        };
        if reg.method != "use" {
            return;
        }
        three_parameter_traps(model, site, &reg, cx);
        match reg.kind {
            Kind::ErrorHandler(at) => registered_too_early(model, &reg, at, cx),
            Kind::MaybeErrorHandler if cx.in_project() => imported_too_early(site, &reg, cx),
            _ => {}
        }
    }
}

const VERBS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "del", "options", "head", "all",
];

/// Which app or router a registration is made on: a name's binding, or `this.<prop>`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Binding(Id),
    This(String),
}

/// What a registration adds to the stack, as far as error handling goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A function of this file with four parameters, at this span (the argument).
    ErrorHandler(Span),
    /// Something that may be an error handler (`errorHandler` from another module, Sentry's):
    /// registered later, it may be the real last one.
    MaybeErrorHandler,
    /// A route or middleware whose errors an earlier error handler never sees.
    Plain,
    /// A last-resort `(req, res)` answer (a 404 page) that raises no error worth handling.
    Fallback,
}

/// One `app.use(…)`, `router.get(…)` or `app.route(…).post(…)` call.
struct Reg {
    key: Key,
    /// The function the call is written in: order is only compared within one body.
    func: Option<FnId>,
    /// Where the method name is, which orders chained calls as they run.
    order: BytePos,
    method: String,
    /// The mount path or route path, when written as a literal.
    path: Option<String>,
    /// The first argument is a path that is not a literal, so where it applies is unknown.
    path_unknown: bool,
    kind: Kind,
    /// The registering method's name (`use` in `app.use`), for related locations.
    callee: Span,
    /// How the last registered value reads in the source (`express.json()`, `apiRouter`),
    /// when it is not a function written in place.
    name: Option<String>,
}

/// The registration a call makes on an Express app or router (or on one a caller passes in).
fn registration(model: &Model<'_>, site: &CallSite<'_>) -> Option<Reg> {
    let call = site.node;
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    let Expr::Member(m) = unwrap_expr(callee) else {
        return None;
    };
    let method = member_name(&m.prop)?;
    if method != "use" && !VERBS.contains(&method) {
        return None;
    }
    let (root, route_path, chained) = receiver(&m.obj, 0)?;
    let (key, express) = receiver_key(model, root)?;
    let args = &call.args;
    // `app.get('view engine')` reads a setting; a route needs a handler too.
    if method == "use" && args.is_empty() || method != "use" && !chained && args.len() < 2 {
        return None;
    }
    let first_is_path = args.first().is_some_and(|a| is_path(&a.expr));
    let written_path = args
        .first()
        .and_then(|a| static_string(&a.expr))
        .map(str::to_string);
    let (path, path_unknown, handlers) = if let Some(p) = route_path {
        (p, false, &args[..])
    } else if method == "use" {
        match (first_is_path, written_path) {
            (true, Some(p)) => (Some(p), false, &args[1..]),
            (true, None) => (None, true, &args[1..]),
            (false, _) => (None, false, &args[..]),
        }
    } else {
        let unknown = written_path.is_none();
        (written_path, unknown, &args[1..])
    };
    let kind = if method == "use" {
        use_kind(model, site, handlers, path.as_deref(), express)
    } else {
        route_kind(model, site, handlers, path.as_deref())
    };
    Some(Reg {
        key,
        func: site.func,
        order: m.prop.span().lo,
        method: method.to_string(),
        path,
        path_unknown,
        kind,
        callee: Span::new(m.prop.span().lo, callee.span().hi),
        name: handlers.last().and_then(|a| value_name(&a.expr)),
    })
}

/// The app or router under a chain of registrations (`app.use(a).get(…)`,
/// `router.route('/x').get(…)`), the path of a `route(…)` in the chain, and whether there
/// was a chain at all.
fn receiver(e: &Expr, depth: u32) -> Option<(&Expr, Option<Option<String>>, bool)> {
    if depth > 8 {
        return None;
    }
    let e = unwrap_expr(e);
    let Expr::Call(c) = e else {
        return Some((e, None, false));
    };
    let Callee::Expr(callee) = &c.callee else {
        return None;
    };
    let Expr::Member(m) = unwrap_expr(callee) else {
        return None;
    };
    let method = member_name(&m.prop)?;
    let (root, route, _) = receiver(&m.obj, depth + 1)?;
    if method == "route" {
        let path = c
            .args
            .first()
            .and_then(|a| static_string(&a.expr))
            .map(str::to_string);
        return Some((root, Some(path), true));
    }
    if method == "use" || VERBS.contains(&method) {
        return Some((root, route, true));
    }
    None
}

/// The key of an app or router, and whether the model knows it is Express's. Objects the file
/// cannot see (a parameter, an import, `this.app`) get a key too: callers decide how much
/// shape they need before trusting them.
fn receiver_key(model: &Model<'_>, root: &Expr) -> Option<(Key, bool)> {
    let express = model
        .qual(root)
        .is_some_and(|q| EXPRESS_OBJECTS.contains(&q.as_str()));
    match root {
        Expr::Ident(id) => {
            // A parameter, an import, or `require('./app')`: an app made in another file.
            let opaque = matches!(
                model.binding(id).map(|b| &b.kind),
                Some(BindingKind::Param { .. } | BindingKind::Import { .. })
            ) || model
                .qual(root)
                .is_some_and(|q| q.starts_with('.') && !q.ends_with(')'));
            (express || opaque).then(|| (Key::Binding(id.to_id()), express))
        }
        Expr::Member(MemberExpr { obj, prop, .. }) if matches!(unwrap_expr(obj), Expr::This(_)) => {
            Some((Key::This(member_name(prop)?.to_string()), express))
        }
        _ => None,
    }
}

/// What the model calls an Express app or router (and Connect's app, whose error middleware
/// works the same way).
const EXPRESS_OBJECTS: &[&str] = &[
    "express()",
    "express.default()",
    "express.Router()",
    "express.default.Router()",
    "express.application",
    "connect()",
    "connect.default()",
];

/// A mount path: a string, a template, a regular expression or an array of them, or a name
/// that is not a function of this file (`app.use(config.prefix, router)`).
fn is_path(e: &Expr) -> bool {
    match unwrap_expr(e) {
        Expr::Lit(Lit::Str(_) | Lit::Regex(_)) | Expr::Tpl(_) => true,
        Expr::Array(a) => a.elems.iter().flatten().all(|el| {
            matches!(
                unwrap_expr(&el.expr),
                Expr::Lit(Lit::Str(_) | Lit::Regex(_))
            )
        }),
        _ => false,
    }
}

fn use_kind(
    model: &Model<'_>,
    site: &CallSite<'_>,
    handlers: &[swc_ecma_ast::ExprOrSpread],
    path: Option<&str>,
    express: bool,
) -> Kind {
    let mut kinds = handlers.iter().map(|a| {
        let e = &*a.expr;
        if let Some(f) = model.fn_of_expr(e, site.func) {
            let node = model.function(f).node;
            match arity(node) {
                4 if express || error_handler_names(node) => return Kind::ErrorHandler(e.span()),
                4 => return Kind::MaybeErrorHandler,
                n if n <= 2 && path.is_none_or(is_catch_all) => return Kind::Fallback,
                _ => return Kind::Plain,
            }
        }
        if mentions_error(e) {
            Kind::MaybeErrorHandler
        } else {
            Kind::Plain
        }
    });
    let Some(mut kind) = kinds.next() else {
        return Kind::Plain;
    };
    // The last argument decides what comes after this call; a plain one among them makes the
    // call plain unless an error handler follows it.
    for k in kinds {
        kind = match (kind, k) {
            (_, Kind::ErrorHandler(_) | Kind::MaybeErrorHandler) => k,
            (Kind::Plain, _) | (_, Kind::Plain) => Kind::Plain,
            _ => k,
        };
    }
    kind
}

fn route_kind(
    model: &Model<'_>,
    site: &CallSite<'_>,
    handlers: &[swc_ecma_ast::ExprOrSpread],
    path: Option<&str>,
) -> Kind {
    // `app.get('*', (req, res) => res.sendFile(index))`: the catch-all page.
    let fallback = path.is_some_and(is_catch_all)
        && handlers.iter().all(|a| {
            model
                .fn_of_expr(&a.expr, site.func)
                .is_some_and(|f| arity(model.function(f).node) <= 2)
        });
    if fallback {
        Kind::Fallback
    } else {
        Kind::Plain
    }
}

fn is_catch_all(p: &str) -> bool {
    matches!(p, "*" | "/*" | "/" | "(.*)" | "/{*splat}" | "*splat")
}

/// `errorHandler`, `Sentry.Handlers.errorHandler()`, `handleErrors`: a value of another module
/// or package that may be an error handler, whose parameters this file cannot see.
fn mentions_error(e: &Expr) -> bool {
    let label = match unwrap_expr(e) {
        Expr::Call(c) => match &c.callee {
            Callee::Expr(callee) => expr_label(callee),
            _ => return false,
        },
        other => expr_label(other),
    };
    let found = words(&label).any(|w| {
        matches!(
            w.as_str(),
            "err" | "errs" | "error" | "errors" | "failure" | "sentry" | "exception" | "exceptions"
        )
    });
    found
}

/// The lower-cased words of a label: `Sentry.Handlers.errorHandler` gives `sentry`,
/// `handlers`, `error`, `handler`; `userRoutes` gives `user`, `routes`.
fn words(label: &str) -> std::vec::IntoIter<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in label.chars() {
        if (!c.is_ascii_alphanumeric() || c.is_ascii_uppercase()) && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase());
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out.into_iter()
}

/// How many parameters Express sees: `fn.length` stops at the first default or rest parameter.
fn arity(node: FnNode<'_>) -> usize {
    node.params()
        .iter()
        .take_while(|p| !matches!(p, Pat::Assign(_) | Pat::Rest(_)))
        .count()
}

const ERROR_NAMES: &[&str] = &[
    "err",
    "error",
    "e",
    "er",
    "ex",
    "exc",
    "exception",
    "_err",
    "_error",
];

fn is_request_name(n: &str) -> bool {
    matches!(n, "req" | "request" | "_req" | "_request")
}

fn is_response_name(n: &str) -> bool {
    matches!(n, "res" | "response" | "resp" | "_res" | "_response")
}

/// `(err, req, …)`: parameters that leave no doubt the function serves Express errors.
fn error_handler_names(node: FnNode<'_>) -> bool {
    node.param_name(0).is_some_and(|n| ERROR_NAMES.contains(&n))
        && node.param_name(1).is_some_and(is_request_name)
}

/// An error handler with no plain registration after it on the same app or router, in the
/// same function body, gets no finding; one with routes after it (and no later error handler
/// that would catch their errors) never sees what those routes throw.
fn registered_too_early(model: &Model<'_>, reg: &Reg, at: Span, cx: &mut RuleCx<'_, '_>) {
    let late = match too_early(model, reg) {
        Scan::Misses(late) => late,
        Scan::LaterErrorHandler => return,
        // Registered on a parameter, with nothing after it in this function: what counts is
        // what the callers register after calling it (`setupErrors(app); app.get(…)`).
        Scan::Nothing => match through_callers(model, reg) {
            Some(late) => late,
            None => return,
        },
    };
    cx.report(at, late.message)
        .help(HELP)
        .related(late.related, late.note);
}

/// The first caller of the function `reg` is written in that registers routes on the same app
/// after the call, as if the error handler were registered at the call.
fn through_callers(model: &Model<'_>, reg: &Reg) -> Option<TooEarly> {
    let Key::Binding(id) = &reg.key else {
        return None;
    };
    let g = reg.func?;
    let index = model
        .function(g)
        .node
        .params()
        .iter()
        .position(|p| matches!(p, Pat::Ident(b) if b.id.sym == id.0 && b.id.ctxt == id.1))?;
    model.calls().iter().find_map(|site| {
        if model.callee_fn(site.node, site.func) != Some(g) {
            return None;
        }
        let Expr::Ident(arg) = unwrap_expr(&site.node.args.get(index)?.expr) else {
            return None;
        };
        let at_call = Reg {
            key: Key::Binding(arg.to_id()),
            func: site.func,
            order: site.node.span.hi,
            method: "use".into(),
            path: reg.path.clone(),
            path_unknown: false,
            kind: reg.kind,
            callee: site.node.span,
            name: None,
        };
        match too_early(model, &at_call) {
            Scan::Misses(late) => Some(late),
            _ => None,
        }
    })
}

/// What comes after an error handler on its app or router.
enum Scan {
    /// Routes or middleware whose errors it misses.
    Misses(TooEarly),
    /// Another error handler, which has to be the last one.
    LaterErrorHandler,
    /// Nothing that matters.
    Nothing,
}

/// Routes a same-file function registers on the app it is given (`registerRoutes(app)`), as a
/// registration at the call: `Some(true)` when it registers an error handler too.
fn registers_through(model: &Model<'_>, site: &CallSite<'_>, key: &Key) -> Option<bool> {
    let Key::Binding(id) = key else { return None };
    let g = model.callee_fn(site.node, site.func)?;
    let index = site.node.args.iter().position(
        |a| matches!(unwrap_expr(&a.expr), Expr::Ident(i) if i.sym == id.0 && i.ctxt == id.1),
    )?;
    let param = match model.function(g).node.params().get(index)? {
        Pat::Ident(b) => b.id.to_id(),
        _ => return None,
    };
    let mut plain = false;
    for inner in model.calls() {
        if inner.func != Some(g) {
            continue;
        }
        let Some(r) = registration(model, inner) else {
            continue;
        };
        if r.key != Key::Binding(param.clone()) {
            continue;
        }
        match r.kind {
            Kind::ErrorHandler(_) | Kind::MaybeErrorHandler => return Some(true),
            Kind::Plain => plain = true,
            Kind::Fallback => {}
        }
    }
    plain.then_some(false)
}

const HELP: &str = "Register error-handling middleware after every route and middleware of the app or router, as the last `use` calls.";

/// What an error handler registered too early misses: the message, and the first later
/// registration with its note.
struct TooEarly {
    message: String,
    related: Span,
    note: String,
}

fn too_early(model: &Model<'_>, reg: &Reg) -> Scan {
    let mut first_plain: Option<Reg> = None;
    let mut later_plain = 0usize;
    for site in model.calls() {
        if site.func != reg.func {
            continue;
        }
        let Some(other) = registration(model, site) else {
            // `registerRoutes(app)` after the error handler adds routes behind it.
            if site.node.span.lo > reg.order {
                match registers_through(model, site, &reg.key) {
                    Some(true) => return Scan::LaterErrorHandler,
                    Some(false) => {
                        later_plain += 1;
                        let order = site.node.span.lo;
                        if first_plain.as_ref().is_none_or(|p| order < p.order) {
                            first_plain = Some(Reg {
                                key: reg.key.clone(),
                                func: site.func,
                                order,
                                method: "call".into(),
                                path: None,
                                path_unknown: false,
                                kind: Kind::Plain,
                                callee: site.node.span,
                                name: match &site.node.callee {
                                    Callee::Expr(c) => value_name(c).map(|n| format!("{n}(…)")),
                                    _ => None,
                                },
                            });
                        }
                    }
                    None => {}
                }
            }
            continue;
        };
        if other.key != reg.key || other.order <= reg.order {
            continue;
        }
        match other.kind {
            // A later error handler is the one that has to be last; this one handles what
            // comes before it (a body parser's errors, say).
            Kind::ErrorHandler(_) | Kind::MaybeErrorHandler => return Scan::LaterErrorHandler,
            Kind::Fallback => {}
            Kind::Plain if covered(reg, &other) => {
                later_plain += 1;
                if first_plain.as_ref().is_none_or(|p| other.order < p.order) {
                    first_plain = Some(other);
                }
            }
            Kind::Plain => {}
        }
    }
    let Some(first) = first_plain else {
        return Scan::Nothing;
    };
    let label = reg_label(&first);
    let more = match later_plain {
        0 | 1 => String::new(),
        2 => " and 1 more registration".to_string(),
        n => format!(" and {} more registrations", n - 1),
    };
    let on = match &reg.key {
        Key::Binding(id) => format!("`{}`", id.0),
        Key::This(p) => format!("`this.{p}`"),
    };
    Scan::Misses(TooEarly {
        message: format!(
            "This error handler is registered on {on} before {label}{more}: Express runs the stack in registration order, so errors raised there skip it and go on to a later error handler, or to Express's default one when there is none."
        ),
        related: first.callee,
        note: match first.method.as_str() {
            "call" => format!("{label} here, after the error handler"),
            _ => format!("{label} is registered after the error handler"),
        },
    })
}

/// `app.use(errorMiddleware)` with a function of another file of the project: whether it is an
/// error handler is its parameter count, which the project knows.
fn imported_too_early(site: &CallSite<'_>, reg: &Reg, cx: &mut RuleCx<'_, '_>) {
    let model = cx.model();
    let Some(last) = site.node.args.last() else {
        return;
    };
    let arg = &*last.expr;
    if !matches!(unwrap_expr(arg), Expr::Ident(_) | Expr::Member(_)) {
        return;
    }
    let Some((specifier, path, new_at)) = model.ext_path(arg, 0) else {
        return;
    };
    if !cx.is_project_module(&specifier) {
        return;
    }
    let Scan::Misses(late) = too_early(model, reg) else {
        return;
    };
    let range = model.range(arg.span());
    let related = model.range(late.related);
    cx.ask(
        Question::Callee {
            specifier,
            path,
            new_at,
        },
        move |answer, _project| {
            let Answer::Callee(facts) = answer else {
                return None;
            };
            if facts.arity != 4 {
                return None;
            }
            let mut d = Diagnostic::new("", Severity::Error, range, late.message);
            d.help = Some(HELP.to_string());
            d.related.push(Related {
                path: None,
                range: related,
                message: late.note,
            });
            Some(d)
        },
    );
}

/// Whether an error handler's mount path covers a later registration's requests.
fn covered(eh: &Reg, later: &Reg) -> bool {
    let Some(base) = eh.path.as_deref() else {
        return true;
    };
    if later.path_unknown {
        return false;
    }
    let Some(p) = later.path.as_deref() else {
        // Path-less middleware runs for every path, this one's included.
        return later.method == "use";
    };
    let base = base.trim_end_matches('/');
    base.is_empty() || p == base || p.starts_with(&format!("{base}/"))
}

/// `express.json()`, `apiRouter`, `routes.users`: a registered value worth quoting.
fn value_name(e: &Expr) -> Option<String> {
    match unwrap_expr(e) {
        Expr::Ident(_) | Expr::Member(_) => Some(expr_label(e)),
        Expr::Call(c) => match &c.callee {
            Callee::Expr(callee)
                if matches!(unwrap_expr(callee), Expr::Ident(_) | Expr::Member(_)) =>
            {
                let args = if c.args.is_empty() { "()" } else { "(…)" };
                Some(format!("{}{args}", expr_label(callee)))
            }
            _ => None,
        },
        _ => None,
    }
}

/// "`GET /users`", "the middleware for `/api`", "middleware `cors()`".
fn reg_label(r: &Reg) -> String {
    match (r.method.as_str(), &r.path) {
        ("use", Some(p)) => format!("the middleware for `{p}`"),
        ("call", _) => match &r.name {
            Some(n) => format!("the routes `{n}` adds"),
            None => "the routes a call adds".to_string(),
        },
        ("use", None) => match &r.name {
            Some(n) => format!("`{n}`"),
            None => "a middleware".to_string(),
        },
        ("all", Some(p)) => format!("the route `{p}`"),
        (m, Some(p)) => format!("`{} {p}`", verb(m)),
        (m, None) => format!("a `{}` route", verb(m)),
    }
}

fn verb(m: &str) -> String {
    if m == "del" {
        "DELETE".into()
    } else {
        m.to_ascii_uppercase()
    }
}

/// `app.use((err, req, res) => …)`: Express tells error handlers by their four parameters, so
/// it calls this one for every request, with the request in `err`, the response in `req` and
/// `next` in `res`.
fn three_parameter_traps(
    model: &Model<'_>,
    site: &CallSite<'_>,
    reg: &Reg,
    cx: &mut RuleCx<'_, '_>,
) {
    let handlers = match site.node.args.first() {
        Some(a) if is_path(&a.expr) => &site.node.args[1..],
        _ => &site.node.args[..],
    };
    for a in handlers {
        let Some(f) = model.fn_of_expr(&a.expr, site.func) else {
            continue;
        };
        check_trap(model, f, site, reg, cx);
    }
}

fn first_registration(model: &Model<'_>, f: FnId, site: &CallSite<'_>) -> bool {
    let here = site.node.span.lo;
    !model.calls().iter().any(|other| {
        other.node.span.lo < here
            && registration(model, other).is_some_and(|r| r.method == "use")
            && other
                .node
                .args
                .iter()
                .any(|a| model.fn_of_expr(&a.expr, other.func) == Some(f))
    })
}

fn check_trap(model: &Model<'_>, f: FnId, site: &CallSite<'_>, reg: &Reg, cx: &mut RuleCx<'_, '_>) {
    let node = model.function(f).node;
    let params = node.params();
    if params.len() != 3 || arity(node) != 3 {
        return;
    }
    let (Some(e), Some(q), Some(s)) = (node.param_name(0), node.param_name(1), node.param_name(2))
    else {
        return;
    };
    if !ERROR_NAMES.contains(&e)
        || e.starts_with('_')
        || !is_request_name(q)
        || !is_response_name(s)
    {
        return;
    }
    let Pat::Ident(err) = params[0] else { return };
    // The first parameter must be used as the error it is named after, or the body must answer
    // with a server error as only an error handler would.
    if !uses(node, &err.id) && !answers_server_error(model, f) {
        return;
    }
    // A function registered twice is reported at its first registration only.
    if !first_registration(model, f, site) {
        return;
    }
    let last = params[2];
    let end = param_end(last);
    let typed = matches!(last, Pat::Ident(b) if b.type_ann.is_some());
    let added = if typed { ", _next: unknown" } else { ", _next" };
    let first = params[0].span();
    let insert = model.range(Span::new(end, end));
    cx.report(
        Span::new(first.lo, end),
        format!(
            "Express treats a function with three parameters as ordinary middleware, not as an error handler: it runs on every request with the request in `{e}`, the response in `{q}` and `next` in `{s}`, and never receives an error."
        ),
    )
    .help("Declare all four parameters, `(err, req, res, next)`, even when `next` is unused: Express recognises error middleware by its parameter count.")
    .related(reg.callee, "registered here as ordinary middleware")
    .fix(Fix {
        message: "Add a fourth parameter so Express calls it only for errors".to_string(),
        edits: vec![Edit {
            range: insert,
            text: added.to_string(),
        }],
        safe: false,
    });
}

/// Whether a function's own body calls `x.status(5xx)` or `x.sendStatus(5xx)`.
fn answers_server_error(model: &Model<'_>, f: FnId) -> bool {
    model.function(f).calls.iter().any(|&ci| {
        let call = model.calls()[ci as usize].node;
        let Callee::Expr(callee) = &call.callee else {
            return false;
        };
        let Expr::Member(m) = unwrap_expr(callee) else {
            return false;
        };
        matches!(member_name(&m.prop), Some("status" | "sendStatus"))
            && call.args.first().is_some_and(|a| {
                matches!(unwrap_expr(&a.expr), Expr::Lit(Lit::Num(n)) if n.value >= 500.0 && n.value < 600.0)
            })
    })
}

/// Whether a function's body reads a name.
fn uses(node: FnNode<'_>, name: &Ident) -> bool {
    struct Finder<'n> {
        id: &'n Ident,
        found: bool,
    }
    impl Visit for Finder<'_> {
        fn visit_ident(&mut self, i: &Ident) {
            if i.sym == self.id.sym && i.ctxt == self.id.ctxt && i.span != self.id.span {
                self.found = true;
            }
        }
    }
    let mut finder = Finder {
        id: name,
        found: false,
    };
    match node {
        FnNode::Function(f) => {
            if let Some(b) = &f.body {
                b.visit_with(&mut finder)
            }
        }
        FnNode::Arrow(a) => a.body.visit_with(&mut finder),
        FnNode::Constructor(_) => {}
    }
    finder.found
}

/// Where a parameter ends, type annotation included.
fn param_end(p: &Pat) -> BytePos {
    match p {
        Pat::Ident(b) => b
            .type_ann
            .as_ref()
            .map_or(b.id.span.hi, |t| t.span.hi.max(b.id.span.hi)),
        other => other.span().hi,
    }
}
