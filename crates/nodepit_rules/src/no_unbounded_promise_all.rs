use nodepit_analyzer::project::ArgEvidence;
use nodepit_analyzer::semantic::summary::Atom;
use nodepit_analyzer::{
    declare_rule, Answer, Diagnostic, Node, NodeKind, Question, Related, Rule, RuleCx, Severity,
};
use nodepit_semantic::{
    expr_label, member_name, method_call, unwrap_expr, BindingKind, FnId, LoopRef, Model, Origin,
    OriginKind,
};
use serde::Deserialize;
use std::collections::HashSet;
use swc_common::{Span, Spanned, DUMMY_SP};
use swc_ecma_ast::{BinaryOp, CallExpr, Callee, Expr, Ident, Lit, Stmt};
use swc_ecma_visit::{Visit, VisitWith};

/// Flags `Promise.all` over a collection whose length someone outside the code decides (request
/// input, every row of a query, a directory listing, the lines of a file) when each element
/// starts I/O and nothing caps how many run together.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoUnboundedPromiseAll {
    /// Also flag collections of unknown origin (such as a parameter filled in another file),
    /// unless the code visibly keeps them small.
    #[serde(default)]
    strict: bool,
}

declare_rule!(NoUnboundedPromiseAll, "no-unbounded-promise-all", Warning, fix: false);

const MAX_DEPTH: u32 = 8;
/// How deep calls into same-file functions are followed to find the I/O they start.
const MAX_CALL_DEPTH: u32 = 3;

/// One fan-out that `Promise.all` waits on: a collection, and the work started per element.
struct Fanout<'e> {
    collection: &'e Expr,
    /// The function the collection expression is evaluated in.
    scope: Option<FnId>,
    work: Work<'e>,
}

#[derive(Clone, Copy)]
enum Work<'e> {
    /// The callback of `xs.map(cb)`, `Array.from(xs, cb)` or `_.map(xs, cb)`.
    Callback(&'e Expr, Option<FnId>),
    /// What a loop pushes: `ps.push(send(x))`.
    Item(&'e Expr, Option<FnId>),
}

impl Rule for NoUnboundedPromiseAll {
    fn kinds(&self) -> &'static [NodeKind] {
        &[NodeKind::Call]
    }

    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["Promise"])
    }

    fn check(&self, node: Node<'_, '_>, cx: &mut RuleCx<'_, '_>) {
        let Node::Call(site) = node else { return };
        let model = cx.model();
        // Spelling first, as a cheap filter; the model then says whether it is the global Promise.
        let Callee::Expr(callee) = &site.node.callee else {
            return;
        };
        let Expr::Member(m) = unwrap_expr(callee) else {
            return;
        };
        if !matches!(member_name(&m.prop), Some("all" | "allSettled")) {
            return;
        }
        let Some(q) = model.qual(callee) else {
            return;
        };
        if q != "Promise.all" && q != "Promise.allSettled" {
            return;
        }
        let Some(arg) = site.node.args.first() else {
            return;
        };
        let mut fanouts = Vec::new();
        collect_fanouts(model, &arg.expr, site.func, 0, &mut fanouts);
        // Test suites build their own fixtures; their fan-outs never meet production input.
        // Asked only when there is a fan-out, since it scans every call of the file.
        if fanouts.is_empty() || model.is_test_suite() {
            return;
        }
        let all = expr_label(callee);
        let mut unknown = None;
        for f in &fanouts {
            // `if (urls.length > MAX) return res.status(400)…` before the fan-out bounds it.
            if model.length_guarded(f.collection, site.func, site.node.span.lo.0) {
                continue;
            }
            // The origin first: without evidence (and without `strict`) the callback need not
            // be scanned at all.
            let origin = model.origin(f.collection, f.scope);
            if origin.is_none() && !self.strict {
                // A parameter of this function: callers in other files may pass outside input.
                if let Some((func, index, path)) = param_of(model, f.collection) {
                    if let Some(work) = work_label(model, f.work) {
                        let collection = expr_label(f.collection);
                        let range = model.range(site.node.span);
                        let all = all.clone();
                        cx.ask(
                            Question::ParamEvidence {
                                func: func.0,
                                index: index as u32,
                                path,
                            },
                            move |answer, project| {
                                let Answer::ParamEvidence(e) = answer else {
                                    return None;
                                };
                                // No caller: the parameter is a handler's own (a GraphQL
                                // resolver's arguments, a socket event's payload).
                                let how = match e.via.first() {
                                    Some(l) => format!(
                                        "a caller in {} passes it in",
                                        project.display(&l.path)
                                    ),
                                    None => "the client fills this handler parameter".to_string(),
                                };
                                Some(cross_file(e, &collection, &work, &all, range, &how))
                            },
                        );
                        return;
                    }
                }
                // `const subs = await findActiveSubscriptions()`, a function of another file.
                if let Some((specifier, path, new_at, callee)) =
                    returned_by_project(cx, f.collection, f.scope)
                {
                    if let Some(work) = work_label(model, f.work) {
                        let collection = expr_label(f.collection);
                        let range = model.range(site.node.span);
                        let all = all.clone();
                        cx.ask(
                            Question::ReturnEvidence {
                                specifier,
                                path,
                                new_at,
                            },
                            move |answer, project| {
                                let Answer::ReturnEvidence(e) = answer else {
                                    return None;
                                };
                                let file = project.display(&e.at.path);
                                let how = format!("`{callee}` in {file} returns it");
                                Some(cross_file(e, &collection, &work, &all, range, &how))
                            },
                        );
                        return;
                    }
                }
                continue;
            }
            let Some(work) = work_label(model, f.work) else {
                continue;
            };
            let collection = expr_label(f.collection);
            if let Some(origin) = origin {
                // A validator of another module (a NestJS DTO, a zod schema): reported once its
                // module says it caps nothing.
                if let Some((specifier, path)) = origin.unless_capped.clone() {
                    if !cx.is_project_module(&specifier) {
                        continue;
                    }
                    let d = local_finding(model, &origin, site.node.span, &collection, &work, &all);
                    cx.ask(Question::Caps { specifier, path }, move |answer, _| {
                        matches!(answer, Answer::Caps(false)).then_some(d)
                    });
                    return;
                }
                // `await repo.findAll()` reads like a query, but when `findAll` is a function of
                // the project its own body decides (it may well pass a `limit`).
                if origin.kind == OriginKind::QueryRows {
                    if let Some((specifier, path, new_at, callee)) =
                        returned_by_project(cx, f.collection, f.scope)
                    {
                        let local =
                            local_finding(model, &origin, site.node.span, &collection, &work, &all);
                        let range = local.range.clone();
                        let all = all.clone();
                        cx.ask(
                            Question::ProjectFn {
                                specifier,
                                path,
                                new_at,
                            },
                            move |answer, project| match answer {
                                Answer::ProjectFn(None) => Some(local),
                                Answer::ProjectFn(Some(Some(e))) => {
                                    let file = project.display(&e.at.path);
                                    let how = format!("`{callee}` in {file} returns it");
                                    Some(cross_file(e, &collection, &work, &all, range, &how))
                                }
                                _ => None,
                            },
                        );
                        return;
                    }
                }
                let mut r = cx
                    .report(
                        site.node.span,
                        evidence_message(&origin, &collection, &work, &all),
                    )
                    .help(help(&origin, &collection));
                if origin.span != DUMMY_SP {
                    r = r.related(origin.span, "this decides how many elements there are");
                }
                for via in &origin.via {
                    r = r.related(*via, "and it is passed in here");
                }
                return;
            }
            if self.strict && unknown.is_none() && !is_small(model, f.collection, 0) {
                unknown = Some((collection, work));
            }
        }
        if let Some((collection, work)) = unknown {
            cx.report(
                site.node.span,
                format!("`{all}` starts `{work}` for every element of `{collection}` at once, and nothing here bounds how many elements there are."),
            )
            .help(format!(
                "Cap concurrency with `p-limit` or `p-map`'s `concurrency` option, or process `{collection}` in fixed-size batches."
            ));
        }
    }
}

/// The parameter a collection is, when it is one passed in as it is (not destructured, never
/// reassigned).
fn param_of(model: &Model<'_>, e: &Expr) -> Option<(FnId, usize, Vec<Atom>)> {
    match unwrap_expr(e) {
        // `ids` itself, or destructured from one (`(_, { ids }) => …`).
        Expr::Ident(id) => model.param_path(id).filter(|(_, _, path)| path.len() <= 4),
        // `data.uids` of a parameter `data`: input when the caller passes request input.
        Expr::Member(m) => {
            let (func, index, mut path) = param_of(model, &m.obj)?;
            path.push(Atom::from(member_name(&m.prop)?));
            (path.len() <= 4).then_some((func, index, path))
        }
        _ => None,
    }
}

/// The call of another module's function a collection is the awaited result of, as the
/// question to ask about it and the callee's label.
fn returned_by_project(
    cx: &RuleCx<'_, '_>,
    e: &Expr,
    scope: Option<FnId>,
) -> Option<(Atom, Vec<Atom>, Option<u32>, String)> {
    let model = cx.model();
    let mut e = unwrap_expr(e);
    if let Expr::Ident(id) = e {
        e = unwrap_expr(model.const_init(id)?);
    }
    let Expr::Await(a) = e else { return None };
    let Expr::Call(call) = unwrap_expr(&a.arg) else {
        return None;
    };
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    let (specifier, path, new_at) = model.ext_path_in(callee, scope)?;
    if !cx.is_project_module(&specifier) {
        return None;
    }
    Some((specifier, path, new_at, expr_label(callee)))
}

/// The finding for a fan-out over evidence this file shows, for a closure that reports it
/// once the project has answered; what `cx.report` builds for the same evidence.
fn local_finding(
    model: &Model<'_>,
    origin: &Origin,
    at: swc_common::Span,
    collection: &str,
    work: &str,
    all: &str,
) -> Diagnostic {
    let mut d = Diagnostic::new(
        "",
        Severity::Warning,
        model.range(at),
        evidence_message(origin, collection, work, all),
    );
    d.help = Some(help(origin, collection));
    let related = (origin.span != DUMMY_SP)
        .then_some((origin.span, "this decides how many elements there are"))
        .into_iter()
        .chain(origin.via.iter().map(|v| (*v, "and it is passed in here")));
    d.related.extend(related.map(|(span, message)| Related {
        path: None,
        range: model.range(span),
        message: message.to_string(),
    }));
    d
}

/// The finding for a fan-out over a collection that another file's code fills with outside
/// input: a caller passing it in, or a function returning it (`how` says which).
fn cross_file(
    e: &ArgEvidence,
    collection: &str,
    work: &str,
    all: &str,
    range: std::ops::Range<usize>,
    how: &str,
) -> Diagnostic {
    let origin = Origin::described(e.kind, e.what.clone(), e.missing_bound);
    let mut d = Diagnostic::new(
        "",
        Severity::Warning,
        range,
        format!(
            "{} ({how}).",
            evidence_message(&origin, collection, work, all).trim_end_matches('.')
        ),
    );
    d.help = Some(help(&origin, collection));
    d.related.push(Related {
        path: Some(e.at.path.clone()),
        range: e.at.range.clone(),
        message: "this decides how many elements there are".to_string(),
    });
    for via in &e.via {
        d.related.push(Related {
            path: Some(via.path.clone()),
            range: via.range.clone(),
            message: "and it is passed in here".to_string(),
        });
    }
    d
}

fn evidence_message(o: &Origin, collection: &str, work: &str, all: &str) -> String {
    let same = collection == o.what;
    let what = &o.what;
    match o.kind {
        OriginKind::Request | OriginKind::SocketPayload => {
            let source = if o.kind == OriginKind::Request {
                "request input"
            } else {
                "a socket.io event payload"
            };
            let source = if same {
                source.to_string()
            } else {
                format!("{source} (`{what}`)")
            };
            format!("`{collection}` is {source}, so the client decides how many `{work}` calls `{all}` starts at once.")
        }
        kind => {
            let (holds, each) = match kind {
                OriginKind::EventRecords => {
                    ("every record of the Lambda event".to_string(), "record")
                }
                OriginKind::QueryRows => {
                    let bound = match o.missing_bound {
                        Some("LIMIT") | None => "no LIMIT".to_string(),
                        Some(b) => format!("no `{b}`"),
                    };
                    (format!("every row of `{what}` ({bound})"), "row")
                }
                OriginKind::StoreMembers => (format!("every member of `{what}`"), "member"),
                OriginKind::Directory => (format!("every entry `{what}` lists"), "entry"),
                OriginKind::Glob => (format!("every file `{what}` matches"), "file"),
                OriginKind::Lines => (format!("every line of `{what}`"), "line"),
                OriginKind::Pages => (
                    format!("everything a loop gathered from `{what}` until the source ran out (no count or cap stops it)"),
                    "element",
                ),
                _ => (format!("every record `{what}` reads"), "record"),
            };
            format!("`{collection}` holds {holds}, and `{all}` starts `{work}` for each {each} at once.")
        }
    }
}

fn help(o: &Origin, collection: &str) -> String {
    match o.kind {
        OriginKind::QueryRows => format!(
            "Page the query, or cap concurrency with `p-limit` or `p-map`'s `concurrency` option, or process `{collection}` in fixed-size batches."
        ),
        OriginKind::Request | OriginKind::SocketPayload => format!(
            "Reject inputs over a fixed size, and cap concurrency with `p-limit` or `p-map`'s `concurrency` option or process `{collection}` in fixed-size batches."
        ),
        _ => format!(
            "Cap concurrency with `p-limit` or `p-map`'s `concurrency` option, or process `{collection}` in fixed-size batches."
        ),
    }
}

/// The fan-outs an argument of `Promise.all` holds: `xs.map(f)`, `[...xs.map(f), y]`,
/// `xs.map(f).concat(ys.map(g))`, `xs.map(f).filter(Boolean)`, a variable holding one, or an
/// array that a loop pushes promises into.
fn collect_fanouts<'e>(
    model: &Model<'e>,
    arg: &'e Expr,
    scope: Option<FnId>,
    depth: u32,
    out: &mut Vec<Fanout<'e>>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    match unwrap_expr(arg) {
        Expr::Array(a) => {
            for e in a.elems.iter().flatten().filter(|e| e.spread.is_some()) {
                collect_fanouts(model, &e.expr, scope, depth + 1, out);
            }
        }
        Expr::Call(c) => {
            if let Some((recv, cb)) = map_call(model, c) {
                out.push(Fanout {
                    collection: recv,
                    scope,
                    work: Work::Callback(cb, scope),
                });
                return;
            }
            let Some((m, method)) = method_call(c) else {
                return;
            };
            match method {
                "concat" => {
                    collect_fanouts(model, &m.obj, scope, depth + 1, out);
                    for a in &c.args {
                        collect_fanouts(model, &a.expr, scope, depth + 1, out);
                    }
                }
                "filter" | "flat" => collect_fanouts(model, &m.obj, scope, depth + 1, out),
                _ => {}
            }
        }
        Expr::Ident(id) => {
            let Some(b) = model.binding(id) else { return };
            let BindingKind::Var {
                init: Some(init),
                path,
                ..
            } = &b.kind
            else {
                return;
            };
            if !path.is_empty() {
                return;
            }
            match unwrap_expr(init) {
                Expr::Array(a) if a.elems.is_empty() => pushed(model, id, out),
                Expr::Call(_) if !b.reassigned => {
                    collect_fanouts(model, init, scope, depth + 1, out)
                }
                _ => {}
            }
        }
        _ => {}
    }
}

/// `xs.map(cb)`, `xs.flatMap(cb)`, `_.map(xs, cb)` or `Array.from(xs, cb)` → `(xs, cb)`.
fn map_call<'c>(model: &Model<'_>, c: &'c CallExpr) -> Option<(&'c Expr, &'c Expr)> {
    let Callee::Expr(callee) = &c.callee else {
        return None;
    };
    let Expr::Member(m) = unwrap_expr(callee) else {
        return None;
    };
    let method = member_name(&m.prop)?;
    if matches!(method, "map" | "flatMap") && model.is_lodash(&m.obj) {
        return Some((&c.args.first()?.expr, &c.args.get(1)?.expr));
    }
    match method {
        "map" | "flatMap" => Some((&m.obj, &c.args.first()?.expr)),
        "from" if model.qual(callee).as_deref() == Some("Array.from") => {
            Some((&c.args.first()?.expr, &c.args.get(1)?.expr))
        }
        _ => None,
    }
}

/// `const ps = []; for (const x of xs) ps.push(work(x));` → a fan-out over `xs` for every
/// push that sits in a loop (`for…of`, `for…in`, indexed `for`, `while`) or a `forEach`.
fn pushed<'e>(model: &Model<'e>, array: &Ident, out: &mut Vec<Fanout<'e>>) {
    let id = array.to_id();
    for site in model.calls() {
        let Some((m, "push")) = method_call(site.node) else {
            continue;
        };
        if !matches!(unwrap_expr(&m.obj), Expr::Ident(i) if i.to_id() == id) {
            continue;
        }
        let Some(item) = site.node.args.first() else {
            continue;
        };
        let (collection, scope) = match site.loop_ref {
            Some(LoopRef::ForOf(l)) => (Some(&*l.right), site.func),
            Some(LoopRef::ForIn(l)) => (Some(&*l.right), site.func),
            Some(LoopRef::For(l)) => (l.test.as_deref().and_then(length_bound), site.func),
            Some(LoopRef::While(l)) => (length_bound(&l.test), site.func),
            Some(LoopRef::DoWhile(l)) => (length_bound(&l.test), site.func),
            None => match site.func.and_then(|f| for_each_receiver(model, f)) {
                Some((c, s)) => (Some(c), s),
                None => (None, None),
            },
        };
        let Some(collection) = collection else {
            continue;
        };
        out.push(Fanout {
            collection,
            scope,
            work: Work::Item(&item.expr, site.func),
        });
    }
}

/// `i < xs.length` → `xs`.
fn length_bound(test: &Expr) -> Option<&Expr> {
    let Expr::Bin(b) = unwrap_expr(test) else {
        return None;
    };
    if !matches!(b.op, BinaryOp::Lt | BinaryOp::LtEq) {
        return None;
    }
    let Expr::Member(m) = unwrap_expr(&b.right) else {
        return None;
    };
    (member_name(&m.prop) == Some("length")).then_some(&*m.obj)
}

/// The collection whose `.forEach` (or sibling) calls the function `f`, and the function the
/// `.forEach` call sits in.
fn for_each_receiver<'a>(model: &Model<'a>, f: FnId) -> Option<(&'a Expr, Option<FnId>)> {
    let (call, _) = model.function(f).passed_to?;
    let site = &model.calls()[call as usize];
    let call = site.node;
    let Some((m, "forEach" | "map" | "each")) = method_call(call) else {
        return None;
    };
    if model.is_lodash(&m.obj) {
        return call.args.first().map(|a| (&*a.expr, site.func));
    }
    Some((&*m.obj, site.func))
}

/// What one element's work is called, when it starts I/O; `None` when it starts none (pure
/// computation, `Promise.resolve` of a value) or goes through a limiter.
fn work_label(model: &Model<'_>, work: Work<'_>) -> Option<String> {
    match work {
        Work::Callback(cb, scope) => match model.fn_of_expr(cb, scope) {
            Some(f) => {
                if is_limited(model, f) {
                    return None;
                }
                let call = io_call(model, f, 0)?;
                Some(match unwrap_expr(cb) {
                    Expr::Ident(_) | Expr::Member(_) => expr_label(cb),
                    _ => call,
                })
            }
            None => match unwrap_expr(cb) {
                // A callback from elsewhere (`ids.map(fetchUser)`): assume it does I/O, unless it
                // is a known function that does none.
                Expr::Ident(_) | Expr::Member(_) => match classify_ref(model, cb) {
                    Class::Pure => None,
                    _ => Some(expr_label(cb)),
                },
                _ => None,
            },
        },
        Work::Item(item, scope) => match unwrap_expr(item) {
            Expr::Call(c) => {
                if is_limiter_call(c) {
                    return None;
                }
                let io = match classify(model, c, scope) {
                    Class::Work | Class::Unknown => true,
                    Class::Local(f) => fn_starts_io(model, f, 1),
                    Class::Pure => false,
                };
                let Callee::Expr(callee) = &c.callee else {
                    return None;
                };
                io.then(|| expr_label(callee))
            }
            Expr::New(n) => {
                let executor = n.args.as_ref()?.first()?;
                let f = model.fn_of_expr(&executor.expr, scope)?;
                fn_starts_io(model, f, 1).then(|| "new Promise(…)".to_string())
            }
            _ => None,
        },
    }
}

/// How a call is judged when looking for the I/O a callback starts.
enum Class {
    /// Starts I/O or other scarce work: fs, child_process, network, database clients, `fetch`.
    Work,
    /// Starts none: `Promise.resolve`, `JSON`, `Math`, string and array methods, `path`, lodash.
    Pure,
    /// A function of this file: look inside.
    Local(FnId),
    /// Something nodepit cannot see into: work when its promise is awaited or returned.
    Unknown,
}

fn classify(model: &Model<'_>, c: &CallExpr, scope: Option<FnId>) -> Class {
    let Callee::Expr(callee) = &c.callee else {
        return Class::Unknown;
    };
    if let Some(f) = model.fn_of_expr(callee, scope) {
        return Class::Local(f);
    }
    classify_ref(model, callee)
}

/// Judges a callee (or a callback passed by reference) by its qualified name, then by its method.
fn classify_ref(model: &Model<'_>, callee: &Expr) -> Class {
    if let Some(q) = model.qual(callee) {
        if is_pure_qual(&q) {
            return Class::Pure;
        }
        if is_io_qual(&q) {
            return Class::Work;
        }
    }
    if let Expr::Member(m) = unwrap_expr(callee) {
        if member_name(&m.prop).is_some_and(is_pure_method) {
            return Class::Pure;
        }
    }
    Class::Unknown
}

/// Globals and modules whose calls start no I/O.
fn is_pure_qual(q: &str) -> bool {
    const EXACT: &[&str] = &[
        "Promise.resolve",
        "Promise.reject",
        "Promise.all",
        "Promise.allSettled",
        "Promise.race",
        "Promise.any",
        "String",
        "Number",
        "Boolean",
        "Array",
        "Object",
        "Symbol",
        "BigInt",
        "Date",
        "RegExp",
        "Error",
        "TypeError",
        "parseInt",
        "parseFloat",
        "isNaN",
        "isFinite",
        "encodeURIComponent",
        "decodeURIComponent",
        "encodeURI",
        "decodeURI",
        "structuredClone",
        "require",
        "setTimeout",
        "setInterval",
        "setImmediate",
        "clearTimeout",
        "clearInterval",
        "queueMicrotask",
        "atob",
        "btoa",
        "timers.promises.setTimeout",
        "timers.promises.setImmediate",
    ];
    const PREFIXES: &[&str] = &[
        "JSON.",
        "Math.",
        "Object.",
        "Array.",
        "Number.",
        "String.",
        "Reflect.",
        "Symbol.",
        "Date.",
        "console.",
        "Buffer.",
        "process.",
        "path.",
        "url.",
        "querystring.",
        "os.",
        "assert",
        "lodash",
        "underscore",
        "ramda",
        "dayjs",
        "moment",
        "uuid",
        "validator",
        "chalk",
    ];
    if EXACT.contains(&q) {
        return true;
    }
    if q.starts_with("util.") && !q.starts_with("util.promisify") {
        return true;
    }
    if let Some(name) = q.strip_prefix("crypto.") {
        return !matches!(
            name,
            "pbkdf2"
                | "scrypt"
                | "randomBytes"
                | "randomFill"
                | "generateKeyPair"
                | "generateKey"
                | "hkdf"
                | "generatePrime"
        ) && !name.starts_with("subtle")
            && !name.starts_with("webcrypto");
    }
    PREFIXES.iter().any(|p| q.starts_with(p))
}

/// Modules whose calls start I/O or other scarce work, and promise APIs (`util.promisify(…)`).
fn is_io_qual(q: &str) -> bool {
    if q.starts_with("util.promisify") || q.starts_with("crypto.") {
        return true;
    }
    let root = q.split(['.', '(']).next().unwrap_or(q);
    let root = if q.starts_with('@') {
        q.split(['.', '(']).next().unwrap_or(q)
    } else {
        root
    };
    matches!(
        root,
        "fs" | "child_process"
            | "http"
            | "https"
            | "http2"
            | "net"
            | "tls"
            | "dgram"
            | "dns"
            | "zlib"
            | "worker_threads"
            | "fetch"
            | "node-fetch"
            | "undici"
            | "axios"
            | "got"
            | "superagent"
            | "needle"
            | "ky"
            | "request"
            | "request-promise"
            | "pg"
            | "mysql"
            | "mysql2"
            | "mysql2/promise"
            | "mongodb"
            | "mongoose"
            | "ioredis"
            | "redis"
            | "knex"
            | "sequelize"
            | "@prisma/client"
            | "typeorm"
            | "better-sqlite3"
            | "sqlite3"
            | "sqlite"
            | "nodemailer"
            | "sharp"
            | "aws-sdk"
            | "firebase-admin"
            | "stripe"
            | "openai"
            | "amqplib"
            | "kafkajs"
            | "bull"
            | "bullmq"
            | "execa"
    ) || root.starts_with("@aws-sdk/")
        || root.starts_with("@google-cloud/")
        || root.starts_with("@azure/")
        || root.starts_with("@elastic/")
}

/// Methods of arrays, strings, maps and loggers: no I/O, whatever the receiver.
fn is_pure_method(name: &str) -> bool {
    matches!(
        name,
        "map"
            | "filter"
            | "forEach"
            | "reduce"
            | "reduceRight"
            | "join"
            | "split"
            | "concat"
            | "slice"
            | "push"
            | "pop"
            | "shift"
            | "unshift"
            | "includes"
            | "indexOf"
            | "lastIndexOf"
            | "find"
            | "findIndex"
            | "findLast"
            | "findLastIndex"
            | "some"
            | "every"
            | "sort"
            | "reverse"
            | "flat"
            | "flatMap"
            | "fill"
            | "keys"
            | "values"
            | "entries"
            | "toString"
            | "toLowerCase"
            | "toUpperCase"
            | "toLocaleLowerCase"
            | "toLocaleUpperCase"
            | "trim"
            | "trimStart"
            | "trimEnd"
            | "replace"
            | "replaceAll"
            | "match"
            | "matchAll"
            | "test"
            | "startsWith"
            | "endsWith"
            | "padStart"
            | "padEnd"
            | "toFixed"
            | "toPrecision"
            | "toISOString"
            | "toJSON"
            | "toLocaleString"
            | "toLocaleDateString"
            | "toLocaleTimeString"
            | "getTime"
            | "valueOf"
            | "charAt"
            | "charCodeAt"
            | "codePointAt"
            | "substring"
            | "substr"
            | "localeCompare"
            | "at"
            | "has"
            | "hasOwnProperty"
            | "normalize"
            | "repeat"
            | "log"
            | "info"
            | "warn"
            | "error"
            | "debug"
            | "trace"
            | "verbose"
            | "emit"
            | "then"
            | "catch"
            | "finally"
            | "bind"
            | "call"
            | "apply"
    )
}

/// Whether calling `f` starts I/O: a call known to, a same-file function that does, or a call
/// nodepit cannot see into whose promise is awaited, returned or chained.
fn fn_starts_io(model: &Model<'_>, f: FnId, depth: u32) -> bool {
    io_call(model, f, depth).is_some()
}

/// The call (as written) through which calling `f` starts I/O, if it does.
fn io_call(model: &Model<'_>, f: FnId, depth: u32) -> Option<String> {
    let info = model.function(f);
    let mut scan = WorkScan {
        model,
        depth,
        used: HashSet::new(),
        promise_fns: HashSet::new(),
        executors: HashSet::new(),
        stack: vec![Frame {
            scope: Some(f),
            promise: true,
            executor: false,
        }],
        found: false,
        label: None,
    };
    if let Some(e) = info.node.expr_body() {
        scan.mark(e);
        e.visit_with(&mut scan);
    } else if let Some(stmts) = info.node.body_stmts() {
        for s in stmts {
            s.visit_with(&mut scan);
            if scan.found {
                break;
            }
        }
    }
    scan.found
        .then(|| scan.label.unwrap_or_else(|| "the callback".to_string()))
}

fn key(span: Span) -> (u32, u32) {
    (span.lo.0, span.hi.0)
}

/// Per-function context of the scan.
struct Frame {
    scope: Option<FnId>,
    /// Its return value is used as a promise (the callback itself, `.then` callbacks, …).
    promise: bool,
    /// A `new Promise` executor: a callback-style call inside is async work.
    executor: bool,
}

/// One walk over a callback's body (nested functions included) looking for started I/O.
struct WorkScan<'m, 'a> {
    model: &'m Model<'a>,
    depth: u32,
    /// Calls and tagged templates whose result is awaited, returned or chained.
    used: HashSet<(u32, u32)>,
    /// Nested functions whose return value is used as a promise.
    promise_fns: HashSet<(u32, u32)>,
    /// Nested functions that are `new Promise` executors.
    executors: HashSet<(u32, u32)>,
    stack: Vec<Frame>,
    found: bool,
    /// The call that starts the work, as written.
    label: Option<String>,
}

impl WorkScan<'_, '_> {
    fn frame(&self) -> &Frame {
        self.stack.last().expect("the callback's frame")
    }

    /// Records that `e`'s value is used as a promise.
    fn mark(&mut self, e: &Expr) {
        match unwrap_expr(e) {
            Expr::Call(c) => {
                self.used.insert(key(c.span));
                if let Some((m, "then" | "catch" | "finally")) = method_call(c) {
                    self.mark(&m.obj);
                }
            }
            Expr::TaggedTpl(t) => {
                self.used.insert(key(t.span));
            }
            Expr::Await(a) => self.mark(&a.arg),
            Expr::Cond(c) => {
                self.mark(&c.cons);
                self.mark(&c.alt);
            }
            Expr::Bin(b)
                if matches!(
                    b.op,
                    BinaryOp::LogicalAnd | BinaryOp::LogicalOr | BinaryOp::NullishCoalescing
                ) =>
            {
                self.mark(&b.left);
                self.mark(&b.right);
            }
            Expr::Seq(s) => {
                if let Some(last) = s.exprs.last() {
                    self.mark(last);
                }
            }
            _ => {}
        }
    }

    /// Records that the elements of `e` are promises waited on (`Promise.all(e)`).
    fn mark_elements(&mut self, e: &Expr) {
        match unwrap_expr(e) {
            Expr::Array(a) => {
                for el in a.elems.iter().flatten() {
                    if el.spread.is_some() {
                        self.mark_elements(&el.expr);
                    } else {
                        self.mark(&el.expr);
                    }
                }
            }
            Expr::Call(c) => {
                let Some((m, method)) = method_call(c) else {
                    return;
                };
                match method {
                    "map" | "flatMap" => {
                        if let Some(cb) = c.args.first() {
                            self.promise_fns.insert(key(unwrap_expr(&cb.expr).span()));
                        }
                    }
                    "concat" | "filter" => {
                        self.mark_elements(&m.obj);
                        for a in &c.args {
                            self.mark_elements(&a.expr);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn enter(&mut self, span: Span, visit: impl FnOnce(&mut Self)) {
        let k = key(span);
        let frame = Frame {
            scope: self.model.fn_at(span),
            promise: self.promise_fns.contains(&k),
            executor: self.executors.contains(&k),
        };
        self.stack.push(frame);
        visit(self);
        self.stack.pop();
    }
}

impl Visit for WorkScan<'_, '_> {
    fn visit_call_expr(&mut self, c: &CallExpr) {
        if self.found {
            return;
        }
        let scope = self.frame().scope;
        if let Callee::Expr(callee) = &c.callee {
            if let Some((m, "then" | "catch" | "finally")) = method_call(c) {
                // Chained: the receiver's promise is used, and the callbacks' results too.
                self.mark(&m.obj);
                for a in &c.args {
                    self.promise_fns.insert(key(unwrap_expr(&a.expr).span()));
                }
            }
            if let Some(q) = self.model.qual(callee) {
                if matches!(
                    q.as_str(),
                    "Promise.all" | "Promise.allSettled" | "Promise.race" | "Promise.any"
                ) {
                    if let Some(a) = c.args.first() {
                        self.mark_elements(&a.expr);
                    }
                }
            }
        }
        let used = self.used.contains(&key(c.span));
        self.found = match classify(self.model, c, scope) {
            Class::Work => true,
            Class::Pure => false,
            Class::Local(f) => {
                if self.depth < MAX_CALL_DEPTH {
                    fn_starts_io(self.model, f, self.depth + 1)
                } else {
                    used && self.model.fn_returns_promise(f)
                }
            }
            Class::Unknown => {
                used || (self.frame().executor
                    && c.args
                        .iter()
                        .any(|a| matches!(unwrap_expr(&a.expr), Expr::Arrow(_) | Expr::Fn(_))))
            }
        };
        if self.found {
            if let Callee::Expr(callee) = &c.callee {
                self.label = Some(expr_label(callee));
            }
        } else {
            c.visit_children_with(self);
        }
    }

    fn visit_new_expr(&mut self, n: &swc_ecma_ast::NewExpr) {
        if self.found {
            return;
        }
        if let Expr::Ident(id) = unwrap_expr(&n.callee) {
            if self.model.is_global(id, "Promise") {
                if let Some(exec) = n.args.as_ref().and_then(|a| a.first()) {
                    self.executors.insert(key(unwrap_expr(&exec.expr).span()));
                }
            }
        }
        if self.model.qual(&n.callee).is_some_and(|q| is_io_qual(&q)) {
            self.found = true;
            self.label = Some(format!("new {}", expr_label(&n.callee)));
            return;
        }
        n.visit_children_with(self);
    }

    fn visit_await_expr(&mut self, a: &swc_ecma_ast::AwaitExpr) {
        self.mark(&a.arg);
        a.visit_children_with(self);
    }

    fn visit_tagged_tpl(&mut self, t: &swc_ecma_ast::TaggedTpl) {
        if self.used.contains(&key(t.span)) {
            self.found = true;
            self.label = Some(format!("{}`…`", expr_label(&t.tag)));
            return;
        }
        t.visit_children_with(self);
    }

    fn visit_return_stmt(&mut self, r: &swc_ecma_ast::ReturnStmt) {
        if self.frame().promise {
            if let Some(arg) = &r.arg {
                self.mark(arg);
            }
        }
        r.visit_children_with(self);
    }

    fn visit_arrow_expr(&mut self, a: &swc_ecma_ast::ArrowExpr) {
        if self.found {
            return;
        }
        self.enter(a.span, |s| {
            if s.frame().promise {
                if let swc_ecma_ast::ArrowFunctionBody::Expr(e) = &*a.body {
                    s.mark(e);
                }
            }
            a.visit_children_with(s);
        });
    }

    fn visit_function(&mut self, f: &swc_ecma_ast::Function) {
        if self.found {
            return;
        }
        self.enter(f.span, |s| f.visit_children_with(s));
    }
}

/// Whether a callback hands its work to a limiter: it returns `limit(() => …)`, or waits on
/// a semaphore before working.
fn is_limited(model: &Model<'_>, f: FnId) -> bool {
    let info = model.function(f);
    let result = match (info.node.expr_body(), info.node.body_stmts()) {
        (Some(e), _) => Some(e),
        (None, Some([Stmt::Return(r)])) => r.arg.as_deref(),
        _ => None,
    };
    let result = result.map(|e| match unwrap_expr(e) {
        Expr::Await(a) => &*a.arg,
        other => other,
    });
    if let Some(Expr::Call(c)) = result.map(unwrap_expr) {
        if is_limiter_call(c) {
            return true;
        }
    }
    info.calls.iter().any(|&ci| {
        let call = model.calls()[ci as usize].node;
        matches!(
            method_call(call),
            Some((_, "acquire" | "take" | "removeTokens"))
        )
    })
}

/// A call given a thunk to run later: `limit(() => work(x))`, `queue.add(() => …)`.
fn is_limiter_call(c: &CallExpr) -> bool {
    c.args.iter().any(|a| match unwrap_expr(&a.expr) {
        Expr::Arrow(arrow) => arrow.params.is_empty(),
        Expr::Fn(f) => f.function.params.is_empty(),
        _ => false,
    })
}

/// For `strict`: whether a collection is bounded by the code itself: a literal, a
/// constant-width slice, a batch.
fn is_small(model: &Model<'_>, e: &Expr, depth: u32) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match unwrap_expr(e) {
        Expr::Array(a) => a
            .elems
            .iter()
            .flatten()
            .all(|el| el.spread.is_none() || is_small(model, &el.expr, depth + 1)),
        Expr::Lit(Lit::Str(_)) => true,
        // `Array.from({ length: n }, …)` makes a fixed number of elements.
        Expr::Object(_) => is_length_object(e),
        Expr::Ident(id) => {
            if let Some(init) = model.const_init(id) {
                return is_small(model, init, depth + 1);
            }
            match model.binding(id).map(|b| &b.kind) {
                Some(BindingKind::LoopVar { iterable }) => is_batches(model, iterable),
                _ => false,
            }
        }
        Expr::Call(c) => {
            let Callee::Expr(callee) = &c.callee else {
                return false;
            };
            if let Some(q) = model.qual(callee) {
                match q.as_str() {
                    "Array.from" => {
                        return c
                            .args
                            .first()
                            .is_some_and(|a| is_small(model, &a.expr, depth + 1))
                    }
                    "Array" => return true,
                    "Object.keys" | "Object.values" | "Object.entries" => {
                        return c
                            .args
                            .first()
                            .is_some_and(|a| is_object_literal(model, &a.expr))
                    }
                    _ => {}
                }
            }
            let Expr::Member(m) = unwrap_expr(callee) else {
                return false;
            };
            match member_name(&m.prop) {
                // `xs.slice(i, i + size)` and `queue.splice(0, size)` are one batch.
                Some("slice") => {
                    let bounded = match (c.args.first(), c.args.get(1)) {
                        (Some(_), Some(_)) => true,
                        (Some(a), None) => matches!(unwrap_expr(&a.expr), Expr::Unary(_)),
                        _ => false,
                    };
                    bounded || is_small(model, &m.obj, depth + 1)
                }
                Some("splice") => c.args.len() >= 2,
                Some("filter" | "map" | "reverse" | "sort" | "concat" | "keys") => {
                    is_small(model, &m.obj, depth + 1)
                }
                _ => false,
            }
        }
        Expr::New(n) => {
            matches!(unwrap_expr(&n.callee), Expr::Ident(i) if model.is_global(i, "Array"))
        }
        _ => false,
    }
}

/// `for (const batch of chunk(xs, 10))`: iterating in batches.
fn is_batches(model: &Model<'_>, iterable: &Expr) -> bool {
    let Expr::Call(c) = unwrap_expr(iterable) else {
        return false;
    };
    let Callee::Expr(callee) = &c.callee else {
        return false;
    };
    if model
        .qual(callee)
        .is_some_and(|q| q.ends_with(".chunk") || q == "lodash.chunk" || q == "lodash/chunk")
    {
        return true;
    }
    let label = expr_label(callee).to_ascii_lowercase();
    (label.contains("chunk") || label.contains("batch")) && c.args.len() >= 2
}

fn is_length_object(e: &Expr) -> bool {
    matches!(unwrap_expr(e), Expr::Object(o) if o.props.len() == 1)
}

fn is_object_literal(model: &Model<'_>, e: &Expr) -> bool {
    match unwrap_expr(e) {
        Expr::Object(_) => true,
        Expr::Ident(id) => matches!(
            model.binding(id).map(|b| &b.kind),
            Some(BindingKind::Var { init: Some(init), is_const: true, .. }) if matches!(unwrap_expr(init), Expr::Object(_))
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use nodepit_analyzer::{lint_source, Config, RuleSet};
    use nodepit_semantic::{LineIndex, SourceType};

    const STRICT_ONLY: &str =
        include_str!("../../../fixtures/no-unbounded-promise-all/valid_strict_only.js");

    fn flagged_lines(text: &str, config: &str) -> Vec<usize> {
        let config = Config::parse(config, crate::REGISTRY).expect("valid config");
        let select = ["no-unbounded-promise-all".to_string()];
        let rules = RuleSet::new(crate::REGISTRY, &config, Some(&select)).expect("rule exists");
        let index = LineIndex::new(text);
        let mut lines: Vec<usize> = lint_source(text, SourceType::Js, &rules)
            .iter()
            .filter(|d| d.rule == "no-unbounded-promise-all")
            .map(|d| index.line(d.range.start) + 1)
            .collect();
        lines.sort_unstable();
        lines
    }

    #[test]
    fn strict_flags_unknown_origin_but_not_pure_work_or_limiters() {
        let want: Vec<usize> = STRICT_ONLY
            .lines()
            .enumerate()
            .filter(|(_, l)| l.ends_with("// strict"))
            .map(|(i, _)| i + 1)
            .collect();
        assert_eq!(want.len(), 6);
        let strict = "[rules.no-unbounded-promise-all]\nstrict = true\n";
        assert_eq!(flagged_lines(STRICT_ONLY, strict), want);
        assert_eq!(flagged_lines(STRICT_ONLY, ""), Vec::<usize>::new());
    }

    #[test]
    fn unknown_options_are_rejected() {
        let bad = "[rules.no-unbounded-promise-all]\nstrikt = true\n";
        let config = Config::parse(bad, crate::REGISTRY);
        let rejected = match config {
            Err(_) => true,
            Ok(c) => RuleSet::new(crate::REGISTRY, &c, None).is_err(),
        };
        assert!(rejected);
    }
}
