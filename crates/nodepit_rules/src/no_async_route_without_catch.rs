use nodepit_analyzer::project::Reached;
use nodepit_analyzer::{
    declare_rule, Answer, Diagnostic, Edit, Fix, Node, NodeKind, Question, Related, Rule, RuleCx,
    Severity,
};
use nodepit_semantic::summary::{Atom, Handover};
use nodepit_semantic::{BindingKind, FnId, FnNode, Framework, Model, Rejection, RejectionKind};
use serde::Deserialize;
use swc_common::{Span, Spanned};
use swc_ecma_ast::{
    ArrowExpr, ArrowFunctionBody, AwaitExpr, CallExpr, Callee, Class, Expr, Function, Lit,
    MemberProp, Pat, Prop, PropName, PropOrSpread,
};
use swc_ecma_visit::{Visit, VisitWith};

/// Flags async Express 4 route handlers and middleware whose promise can reject with nothing
/// to pass the error to `next`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoAsyncRouteWithoutCatch {}

declare_rule!(
    NoAsyncRouteWithoutCatch,
    "no-async-route-without-catch",
    Error,
    fix: true
);

/// Loaded once anywhere, it patches Express 4's router to forward rejected promises.
const ASYNC_ERRORS: &str = "express-async-errors";

const CONSEQUENCE: &str = "on Express 4 a rejection here never reaches the error middleware: the request hangs until the client times out, and the unhandled rejection ends the process unless an `unhandledRejection` listener keeps it alive";

const HELP: &str = "Catch inside the handler and pass the error on (`try { … } catch (err) { next(err); }`), register it through a wrapper that adds `.catch(next)`, load `express-async-errors` once at startup, or move to Express 5, which forwards rejected promises itself.";

/// What the nearest package.json says about Express.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    /// A major version before 5.
    Four,
    /// Express 5 or later: rejections reach the error middleware.
    FiveOrLater,
    /// No package.json lists express, or its range names no major.
    Unknown,
}

impl Rule for NoAsyncRouteWithoutCatch {
    fn kinds(&self) -> &'static [NodeKind] {
        &[NodeKind::Call]
    }

    fn needles(&self) -> Option<&'static [&'static str]> {
        // A file linted alone can only show a handler on an app or router it makes itself;
        // in a project the needle gate is skipped and controllers of other files are asked.
        Some(&["express"])
    }

    fn check(&self, node: Node<'_, '_>, cx: &mut RuleCx<'_, '_>) {
        let Node::Call(site) = node else { return };
        let model = cx.model();
        // The decision is about functions, not calls: it runs once per file, at its first call
        // (a handler that can reject has a call in its file: its registration or an await).
        if !model.calls().first().is_some_and(|c| std::ptr::eq(c, site)) {
            return;
        }
        let version = express_version(cx);
        if version == Version::FiveOrLater {
            return;
        }
        let loaded = model.loaded_packages();
        let loads = |p: &str| loaded.iter().any(|l| l == p);
        if loads(ASYNC_ERRORS) || loads("restify") && !loads("express") {
            return;
        }
        for (i, info) in model.functions().iter().enumerate() {
            if !info.is_async || info.is_generator {
                continue;
            }
            let f = FnId(i as u32);
            match model.handler_reaching(f).filter(|(h, _)| h.func == f) {
                Some((h, _)) => {
                    if !express_handler(h.framework, info.node)
                        || !handed_as_is(model, h.registration, f)
                    {
                        continue;
                    }
                    let Some(verdict) = can_reject(cx, model, f) else {
                        continue;
                    };
                    let d = finding(model, f, &h.describe(), verdict.first(), version)
                        .with_related(Related {
                            path: None,
                            range: model.range(h.registration),
                            message: h.registered_here(),
                        });
                    match verdict {
                        Verdict::Rejects(_) => report(cx, d),
                        Verdict::IfCalleesCan(pending) => {
                            // The project knows this file's path, which the callee facts need.
                            let own = model.range(info.span);
                            let pending = Pending::new(model, pending);
                            cx.ask(Question::Reached { func: f.0 }, move |answer, project| {
                                let Answer::Reached(r) = answer else {
                                    return None;
                                };
                                if r.handler.func.loc.range != own
                                    || project.loads_package(ASYNC_ERRORS)
                                {
                                    return None;
                                }
                                pending.settle(d, &r.handler.func.loc.path, project)
                            });
                        }
                    }
                }
                None if cx.in_project() && express_params(info.node) => {
                    let Some(verdict) = can_reject(cx, model, f) else {
                        continue;
                    };
                    // A handler registered by another file, or on an app or router this file
                    // is handed: the project knows.
                    let d = finding(model, f, "", verdict.first(), version);
                    let own = model.range(info.span);
                    let pending = match verdict {
                        Verdict::Rejects(_) => None,
                        Verdict::IfCalleesCan(p) => Some(Pending::new(model, p)),
                    };
                    cx.ask(Question::Reached { func: f.0 }, move |answer, project| {
                        let Answer::Reached(r) = answer else {
                            return None;
                        };
                        if !is_this_handler(r, &own) || project.loads_package(ASYNC_ERRORS) {
                            return None;
                        }
                        let d = match pending {
                            Some(p) => p.settle(d, &r.handler.func.loc.path, project)?,
                            None => d,
                        };
                        Some(cross_file(d, r, project))
                    });
                }
                None => {}
            }
        }
    }
}

/// Reports a finding of this file, unless another file of the project loads
/// `express-async-errors`.
fn report(cx: &mut RuleCx<'_, '_>, d: Diagnostic) {
    if !cx.in_project() {
        cx.report_diagnostic(d);
        return;
    }
    cx.ask(
        Question::Loaded {
            package: Atom::from(ASYNC_ERRORS),
        },
        move |answer, _| match answer {
            Answer::Loaded(false) => Some(d),
            _ => None,
        },
    );
}

/// The finding for a handler another file registers: named after its route, pointing at the
/// registration.
fn cross_file(
    mut d: Diagnostic,
    r: &Reached,
    project: &nodepit_analyzer::project::Project,
) -> Diagnostic {
    let handler = r.handler.label.handler();
    let registered = project.display(&r.handler.registration.path);
    d.message = d.message.replacen(
        "{handler}",
        &format!(
            "{} (registered in {registered})",
            capitalized(&handler.describe())
        ),
        1,
    );
    d.related.push(Related {
        path: Some(r.handler.registration.path.clone()),
        range: r.handler.registration.range.clone(),
        message: handler.registered_here(),
    });
    d
}

/// Whether the project's answer says the function is itself an Express handler, handed to the
/// router as it is.
fn is_this_handler(r: &Reached, own: &std::ops::Range<usize>) -> bool {
    r.hops.is_empty()
        && r.handler.func.loc.range == *own
        && !r.handler.wrapped
        && matches!(
            r.handler.label.framework,
            Framework::Express | Framework::Inferred
        )
}

/// The diagnostic, with `{handler}` left in the message when the handler's description comes
/// from the project.
fn finding(
    model: &Model<'_>,
    f: FnId,
    describe: &str,
    rejection: Rejection,
    version: Version,
) -> Diagnostic {
    let info = model.function(f);
    let (head, body) = head_and_body(model, info.node, info.span);
    let who = if describe.is_empty() {
        "{handler}".to_string()
    } else {
        capitalized(describe)
    };
    let assumed = match version {
        Version::Unknown => {
            " (no package.json here lists `express` with a version, so this assumes Express 4)"
        }
        _ => "",
    };
    let mut d = Diagnostic::new(
        "",
        Severity::Error,
        head,
        format!("{who} is async and can reject, and {CONSEQUENCE}{assumed}."),
    );
    d.help = Some(HELP.to_string());
    d.related.push(Related {
        path: None,
        range: model.range(rejection.span),
        message: rejection_note(rejection.kind).to_string(),
    });
    // A returned promise escapes a `try` around it, so wrapping the body would not help there.
    if rejection.kind != RejectionKind::Return {
        if let Some(fix) = body.and_then(|b| wrap_fix(model, info.node, b)) {
            d.fixes.push(fix);
        }
    }
    d
}

/// A call of another project module's export.
struct Target {
    /// The module specifier, the export path and the `new` position, as `ext_path` gives them.
    spec: Atom,
    path: Vec<Atom>,
    new_at: Option<u32>,
    /// Per argument that is a plain object literal: the properties it may set truthy (every
    /// one but those set to `false`, `null`, `undefined`, `0` or `''`). A property missing
    /// from the list is falsy in the callee.
    literals: Vec<(u32, Vec<Atom>)>,
}

impl Target {
    fn new(call: &CallExpr, (spec, path, new_at): (Atom, Vec<Atom>, Option<u32>)) -> Self {
        Target {
            spec,
            path,
            new_at,
            literals: object_literals(call),
        }
    }

    /// Whether the callee cannot reject for this call: never, or only under `if (param.prop)`
    /// tests this call's object literals make false.
    fn quiet(&self, facts: &nodepit_analyzer::project::CalleeFacts) -> bool {
        facts.cannot_reject
            || !facts.reject_guards.is_empty()
                && facts.reject_guards.iter().all(|(i, prop)| {
                    self.literals
                        .iter()
                        .any(|(j, set)| j == i && !set.contains(prop))
                })
    }
}

/// The object-literal arguments of a call (`{ notifyAdmin: false, subject }`) before any
/// spread argument, each with the properties that may be truthy; a literal with a spread or
/// a computed key is left out, since any property may come from it.
fn object_literals(call: &CallExpr) -> Vec<(u32, Vec<Atom>)> {
    let mut out = Vec::new();
    for (i, a) in call.args.iter().enumerate() {
        if a.spread.is_some() {
            break;
        }
        let Expr::Object(o) = nodepit_semantic::unwrap_expr(&a.expr) else {
            continue;
        };
        let mut set = Vec::new();
        let complete = o.props.iter().all(|p| {
            let PropOrSpread::Prop(p) = p else {
                return false;
            };
            let (key, value) = match &**p {
                Prop::Shorthand(id) => (PropName::Ident(id.clone().into()), None),
                Prop::KeyValue(kv) => (kv.key.clone(), Some(&*kv.value)),
                Prop::Getter(g) => (g.key.clone(), None),
                Prop::Method(m) => (m.key.clone(), None),
                _ => return false,
            };
            let name = match &key {
                PropName::Ident(id) => id.sym.clone(),
                PropName::Str(s) => match s.value.as_atom() {
                    Some(a) => a.clone(),
                    None => return false,
                },
                _ => return false,
            };
            if !value.is_some_and(is_falsy_literal) {
                set.push(name);
            }
            true
        });
        if complete {
            out.push((i as u32, set));
        }
    }
    out
}

/// `false`, `null`, `undefined`, `void …`, `0`, `''`.
fn is_falsy_literal(e: &Expr) -> bool {
    nodepit_semantic::is_nullish(e)
        || match nodepit_semantic::unwrap_expr(e) {
            Expr::Lit(Lit::Bool(b)) => !b.value,
            Expr::Lit(Lit::Num(n)) => n.value == 0.0,
            Expr::Lit(Lit::Str(s)) => s.value.is_empty(),
            _ => false,
        }
}

/// Where a handler can reject, as far as its own file can tell.
enum Verdict {
    /// A place that can reject.
    Rejects(Rejection),
    /// Every place is an `await` of calls into other modules of the project: the handler can
    /// reject only if one of those can.
    IfCalleesCan(Vec<(Rejection, Vec<Target>)>),
}

impl Verdict {
    /// The place named until the project says more.
    fn first(&self) -> Rejection {
        match self {
            Verdict::Rejects(r) => *r,
            Verdict::IfCalleesCan(p) => p[0].0,
        }
    }
}

/// Where the handler's promise can reject. A `return` counts only when the model knows the
/// value is a promise that can reject (`return fetch(…).then(…)`), never `return next(err)`.
/// In a project, an `await` of another module's function is left for the project to judge
/// (a `tryCatch` helper or a service method that catches everything cannot reject); any other
/// place decides at once.
fn can_reject(cx: &RuleCx<'_, '_>, model: &Model<'_>, f: FnId) -> Option<Verdict> {
    let points = model.rejections(f);
    let first = *points.first()?;
    if !cx.in_project() {
        return Some(Verdict::Rejects(first));
    }
    let mut pending = Vec::new();
    for p in points {
        match project_targets(cx, model, f, p) {
            Some(targets) => pending.push((p, targets)),
            None => return Some(Verdict::Rejects(p)),
        }
    }
    Some(Verdict::IfCalleesCan(pending))
}

/// The project functions an `await` waits for: `await svc.load(…)`, `await Promise.all([…])`
/// of such calls (elements this file knows cannot reject may sit beside them), or an async
/// helper of this file whose every rejecting place waits for such calls or for a method of an
/// object the handler hands it (`await notify(new MailAgent(…))`, the helper awaiting
/// `agent.send(…)`). `None` when anything else is awaited.
fn project_targets(
    cx: &RuleCx<'_, '_>,
    model: &Model<'_>,
    f: FnId,
    p: Rejection,
) -> Option<Vec<Target>> {
    if p.kind != RejectionKind::Await {
        return None;
    }
    point_targets(cx, model, f, p, None)
}

/// What the place `p` of `f` waits for (an `await`) or hands back (a returned promise), read
/// by a small walk over this one body, which names the place by its span. `site` is the
/// handler's call when `f` is a helper it awaits.
fn point_targets(
    cx: &RuleCx<'_, '_>,
    model: &Model<'_>,
    f: FnId,
    p: Rejection,
    site: Option<&CallExpr>,
) -> Option<Vec<Target>> {
    if !matches!(p.kind, RejectionKind::Await | RejectionKind::Return) {
        return None;
    }
    let mut find = FindPoint {
        cx,
        model,
        f,
        point: p,
        site,
        found: None,
    };
    let node = model.function(f).node;
    if let Some(stmts) = node.body_stmts() {
        stmts.iter().for_each(|s| s.visit_with(&mut find));
    } else if let Some(e) = node.expr_body() {
        e.visit_with(&mut find);
    }
    find.found.flatten()
}

/// Finds the `await` or returned value at a rejection point and reads what it waits for.
struct FindPoint<'c, 'm, 'a> {
    cx: &'c RuleCx<'m, 'a>,
    model: &'c Model<'a>,
    f: FnId,
    point: Rejection,
    site: Option<&'c CallExpr>,
    found: Option<Option<Vec<Target>>>,
}

impl Visit for FindPoint<'_, '_, '_> {
    fn visit_expr(&mut self, e: &Expr) {
        if self.found.is_some() {
            return;
        }
        if self.point.kind == RejectionKind::Return && e.span() == self.point.span {
            self.found = Some(awaited_targets(self.cx, self.model, self.f, e, self.site));
            return;
        }
        e.visit_children_with(self);
    }
    fn visit_await_expr(&mut self, n: &AwaitExpr) {
        if self.point.kind == RejectionKind::Await && n.span == self.point.span {
            self.found = Some(awaited_targets(
                self.cx, self.model, self.f, &n.arg, self.site,
            ));
        } else if self.found.is_none() {
            n.visit_children_with(self);
        }
    }
    fn visit_function(&mut self, _: &Function) {}
    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    fn visit_class(&mut self, _: &Class) {}
}

fn awaited_targets(
    cx: &RuleCx<'_, '_>,
    model: &Model<'_>,
    f: FnId,
    awaited: &Expr,
    site: Option<&CallExpr>,
) -> Option<Vec<Target>> {
    let Expr::Call(call) = nodepit_semantic::unwrap_expr(awaited) else {
        return None;
    };
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    let combinator = model
        .qual(callee)
        .is_some_and(|q| matches!(q.as_str(), "Promise.all" | "Promise.race" | "Promise.any"));
    if !combinator {
        return call_targets(cx, model, f, call, site);
    }
    let [arg] = call.args.as_slice() else {
        return None;
    };
    let Expr::Array(list) = nodepit_semantic::unwrap_expr(&arg.expr) else {
        return None;
    };
    let mut targets = Vec::new();
    for el in list.elems.iter() {
        let el = el.as_ref().filter(|e| e.spread.is_none())?;
        if model.promise_cannot_reject(&el.expr, Some(f)) {
            continue;
        }
        let Expr::Call(c) = nodepit_semantic::unwrap_expr(&el.expr) else {
            return None;
        };
        targets.extend(call_targets(cx, model, f, c, site)?);
    }
    (!targets.is_empty()).then_some(targets)
}

/// The project functions one awaited call can reject through: another module's export, or,
/// from the handler (no `site` yet), an async helper of this file; inside that helper, a
/// method of what the handler passed for a parameter. One helper level only.
fn call_targets(
    cx: &RuleCx<'_, '_>,
    model: &Model<'_>,
    f: FnId,
    call: &CallExpr,
    site: Option<&CallExpr>,
) -> Option<Vec<Target>> {
    if let Some(t) = project_call(cx, model, call) {
        return Some(vec![t]);
    }
    match site {
        Some(site) => param_method_target(cx, model, f, call, site).map(|t| vec![t]),
        None => helper_targets(cx, model, f, call),
    }
}

/// The places of an async helper of this file that the handler awaits, each read for what
/// it waits for with the handler's call as the source of the helper's parameters. Returned
/// values count strictly there: an unknown returned call is a place, not a plain value.
fn helper_targets(
    cx: &RuleCx<'_, '_>,
    model: &Model<'_>,
    handler: FnId,
    call: &CallExpr,
) -> Option<Vec<Target>> {
    let h = model.callee_fn(call, Some(handler))?;
    let info = model.function(h);
    // A `this` parameter takes no argument, so positions would not line up.
    if h == handler
        || !info.is_async
        || info.is_generator
        || info.node.param_name(0) == Some("this")
    {
        return None;
    }
    let mut targets = Vec::new();
    for q in model.rejections_strict(h) {
        targets.extend(point_targets(cx, model, h, q, Some(call))?);
    }
    (!targets.is_empty()).then_some(targets)
}

/// `param.method(…)` inside helper `h`, where the handler's call passes a value of another
/// project module for `param` (`new MailAgent(…)` of an imported class, or an imported
/// instance): that module's method.
fn param_method_target(
    cx: &RuleCx<'_, '_>,
    model: &Model<'_>,
    h: FnId,
    call: &CallExpr,
    site: &CallExpr,
) -> Option<Target> {
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    let Expr::Member(m) = nodepit_semantic::unwrap_expr(callee) else {
        return None;
    };
    let MemberProp::Ident(method) = &m.prop else {
        return None;
    };
    let Expr::Ident(id) = nodepit_semantic::unwrap_expr(&m.obj) else {
        return None;
    };
    let b = model.binding(id)?;
    let BindingKind::Param {
        func,
        index,
        destructured: false,
    } = b.kind
    else {
        return None;
    };
    if func != h || b.reassigned {
        return None;
    }
    // A spread before the parameter's position hides which argument lands there.
    let args = site.args.get(..=index)?;
    if args.iter().any(|a| a.spread.is_some()) {
        return None;
    }
    let (spec, mut path, new_at) = model.ext_path(&args[index].expr, 0)?;
    if !cx.is_project_module(&spec) {
        return None;
    }
    path.push(method.sym.clone());
    Some(Target::new(call, (spec, path, new_at)))
}

/// The export of another project module a call calls.
fn project_call(cx: &RuleCx<'_, '_>, model: &Model<'_>, call: &CallExpr) -> Option<Target> {
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    let target = model.ext_path(callee, 0)?;
    cx.is_project_module(&target.0)
        .then(|| Target::new(call, target))
}

/// Places that can reject only if a function of another module can, with where each is.
struct Pending {
    points: Vec<(std::ops::Range<usize>, Vec<Target>)>,
}

impl Pending {
    fn new(model: &Model<'_>, points: Vec<(Rejection, Vec<Target>)>) -> Self {
        Pending {
            points: points
                .into_iter()
                .map(|(r, t)| (model.range(r.span), t))
                .collect(),
        }
    }

    /// The finding, pointing at the first place whose callee can reject (or is unknown to the
    /// project), or `None` when none can.
    fn settle(
        self,
        mut d: Diagnostic,
        file: &std::path::Path,
        project: &nodepit_analyzer::project::Project,
    ) -> Option<Diagnostic> {
        let (range, _) = self.points.into_iter().find(|(_, targets)| {
            targets.iter().any(|t| {
                project
                    .callee(file, &t.spec, &t.path, t.new_at)
                    .is_none_or(|facts| !t.quiet(&facts))
            })
        })?;
        if let Some(first) = d.related.first_mut() {
            first.range = range;
        }
        Some(d)
    }
}

/// "the `GET /x` handler" → "The `GET /x` handler".
fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn rejection_note(kind: RejectionKind) -> &'static str {
    match kind {
        RejectionKind::Await => {
            "this `await` can reject outside any `try` that passes the error on"
        }
        RejectionKind::ForAwait => {
            "this `for await` can reject outside any `try` that passes the error on"
        }
        RejectionKind::Throw => "this `throw` rejects the handler's promise",
        RejectionKind::SyncThrow => {
            "this call can throw outside any `try`, which rejects the handler's promise"
        }
        RejectionKind::Return => "the promise returned here can reject",
    }
}

/// The head of the function (from its start to its body) and its block body, when it has one.
fn head_and_body(
    model: &Model<'_>,
    node: FnNode<'_>,
    span: Span,
) -> (std::ops::Range<usize>, Option<Span>) {
    let body = match node {
        FnNode::Function(func) => func.body.as_ref().map(|b| b.span),
        FnNode::Arrow(a) => match &*a.body {
            ArrowFunctionBody::FunctionBody(b) => Some(b.span),
            ArrowFunctionBody::Expr(e) => {
                let start = model.range(span).start;
                return (start..model.range(e.span()).start, None);
            }
        },
        FnNode::Constructor(c) => c.body.as_ref().map(|b| b.span),
    };
    let start = model.range(span).start;
    let end = body.map_or(model.range(span).end, |b| model.range(b).start);
    (start..end.max(start), body)
}

/// Wraps the block body in `try { … } catch (err) { next(err); }`, adding a `next` parameter
/// after `(req, res)`. Unsafe: the handler then answers errors through the error middleware.
fn wrap_fix(model: &Model<'_>, node: FnNode<'_>, body: Span) -> Option<Fix> {
    let params = node.params();
    let mut edits = Vec::new();
    let next = match params.len() {
        2 => {
            let end = param_end(params[1]);
            let at = model.range(Span::new(end, end)).start;
            edits.push(Edit {
                range: at..at,
                text: ", next".to_string(),
            });
            "next".to_string()
        }
        3 | 4 => node.param_name(params.len() - 1)?.to_string(),
        _ => return None,
    };
    let r = model.range(body);
    // The `catch` goes right after the last statement, so the closing brace keeps its line
    // and indentation.
    let last = node.body_stmts()?.last()?;
    let end = model.range(last.span()).end;
    edits.push(Edit {
        range: r.start + 1..r.start + 1,
        text: "\n  try {".to_string(),
    });
    edits.push(Edit {
        range: end..end,
        text: format!("\n  }} catch (err) {{\n    {next}(err);\n  }}"),
    });
    Some(Fix {
        message: format!("Wrap the body in `try {{ … }} catch (err) {{ {next}(err); }}`"),
        edits,
        safe: false,
    })
}

/// Where a parameter ends, type annotation included.
fn param_end(p: &Pat) -> swc_common::BytePos {
    match p {
        Pat::Ident(b) => b
            .type_ann
            .as_ref()
            .map_or(b.id.span.hi, |t| t.span.hi.max(b.id.span.hi)),
        other => other.span().hi,
    }
}

/// Whether a handler of this file's own table is an Express one: registered on an Express app
/// or router, or on an object of another file with Express-style parameters.
fn express_handler(framework: Framework, node: FnNode<'_>) -> bool {
    match framework {
        Framework::Express => true,
        Framework::Inferred => express_params(node),
        _ => false,
    }
}

/// `(req, res)`, `(req, res, next)`, `(err, req, res, next)`: what Express passes, and not
/// what Koa (`ctx`), Fastify (`reply`) or hapi (`h`) do.
fn express_params(node: FnNode<'_>) -> bool {
    let name = |i| node.param_name(i);
    let res = |n: Option<&str>| matches!(n, Some("res" | "response" | "_res"));
    match node.param_count() {
        2 | 3 => res(name(1)),
        4 => res(name(2)),
        _ => false,
    }
}

/// Whether the registration hands the router the async function itself (or what a factory of
/// this file returns), or a wrapper of this file that leaves its promise unhandled.
fn handed_as_is(model: &Model<'_>, registration: Span, f: FnId) -> bool {
    match model.handover(registration, f) {
        Some(Handover::Direct) => true,
        Some(Handover::Wrapped(Some(w))) => !wrapper_consumes(model, w),
        // A wrapper of another module or package, or a shape not seen: assume it handles
        // the promise, as `express-async-handler` does.
        Some(Handover::Wrapped(None)) | None => false,
    }
}

/// Whether a wrapper of this file handles the promise of the function it is given: the
/// function it returns attaches a rejection handler (`fn(req, res, next).catch(next)`,
/// `Promise.resolve(…).catch(next)`, `.then(ok, next)`), or awaits inside a `try` whose
/// `catch` cannot throw, so its own promise cannot reject.
fn wrapper_consumes(model: &Model<'_>, w: FnId) -> bool {
    let Some(inner) = model.returned_fn(w).map(FnId) else {
        // Not a shape this rule knows: stay silent.
        return true;
    };
    let info = model.function(inner);
    if info.is_async && model.first_rejection(inner).is_none() {
        return true;
    }
    let calls = model.calls();
    info.calls.iter().any(|&ci| {
        let call = calls[ci as usize].node;
        let Callee::Expr(callee) = &call.callee else {
            return false;
        };
        match nodepit_semantic::callee_name(callee) {
            Some("catch") => !call.args.is_empty(),
            Some("then") => call.args.len() >= 2,
            _ => false,
        }
    })
}

/// The Express major version the file's nearest package.json declares.
fn express_version(cx: &RuleCx<'_, '_>) -> Version {
    let Some(range) = cx.dependency_version("express") else {
        return Version::Unknown;
    };
    match cx.dependency_major("express") {
        Some(m) if m >= 5 => Version::FiveOrLater,
        Some(_) => Version::Four,
        // `latest` and `next` install Express 5 since it became the default.
        None if matches!(range.trim(), "latest" | "next") => Version::FiveOrLater,
        None => Version::Unknown,
    }
}

trait WithRelated {
    fn with_related(self, r: Related) -> Self;
}

impl WithRelated for Diagnostic {
    fn with_related(mut self, r: Related) -> Self {
        self.related.push(r);
        self
    }
}
