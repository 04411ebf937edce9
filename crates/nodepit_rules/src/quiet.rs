//! Where an async function's promise can reject, when the answer lies in other files: each
//! place that can reject, read for the functions of other project modules it waits for, so a
//! rule can ask the project whether any of them can reject before it reports.

use nodepit_analyzer::RuleCx;
use nodepit_semantic::summary::Atom;
use nodepit_semantic::{BindingKind, FnId, Model, Rejection, RejectionKind};
use swc_common::Spanned;
use swc_ecma_ast::{
    ArrowExpr, AwaitExpr, CallExpr, Callee, Class, Expr, Function, Lit, MemberProp, Prop, PropName,
    PropOrSpread,
};
use swc_ecma_visit::{Visit, VisitWith};

/// A call of another project module's export.
pub(crate) struct Target {
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
pub(crate) fn object_literals(call: &CallExpr) -> Vec<(u32, Vec<Atom>)> {
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
pub(crate) fn is_falsy_literal(e: &Expr) -> bool {
    nodepit_semantic::is_nullish(e)
        || match nodepit_semantic::unwrap_expr(e) {
            Expr::Lit(Lit::Bool(b)) => !b.value,
            Expr::Lit(Lit::Num(n)) => n.value == 0.0,
            Expr::Lit(Lit::Str(s)) => s.value.is_empty(),
            _ => false,
        }
}

/// Where a handler can reject, as far as its own file can tell.
pub(crate) enum Verdict {
    /// A place that can reject.
    Rejects(Rejection),
    /// Every place is an `await` of calls into other modules of the project: the handler can
    /// reject only if one of those can.
    IfCalleesCan(Vec<(Rejection, Vec<Target>)>),
}

impl Verdict {
    /// The place named until the project says more.
    pub(crate) fn first(&self) -> Rejection {
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
pub(crate) fn can_reject(cx: &RuleCx<'_, '_>, model: &Model<'_>, f: FnId) -> Option<Verdict> {
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
pub(crate) fn project_targets(
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
pub(crate) fn point_targets(
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
pub(crate) struct FindPoint<'c, 'm, 'a> {
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

pub(crate) fn awaited_targets(
    cx: &RuleCx<'_, '_>,
    model: &Model<'_>,
    f: FnId,
    awaited: &Expr,
    site: Option<&CallExpr>,
) -> Option<Vec<Target>> {
    let Expr::Call(call) = nodepit_semantic::unwrap_expr(awaited) else {
        return None;
    };
    match combinator_elements(model, call, Some(f)) {
        None => call_targets(cx, model, f, call, site),
        Some(elements) => {
            let mut targets = Vec::new();
            for c in elements? {
                targets.extend(call_targets(cx, model, f, c, site)?);
            }
            (!targets.is_empty()).then_some(targets)
        }
    }
}

/// For `Promise.all([…])` (`race`, `any`): `Some` of its elements that can reject, each a call,
/// or `Some(None)` when some element is not a call that can be read; `None` for any other call.
fn combinator_elements<'c>(
    model: &Model<'_>,
    call: &'c CallExpr,
    scope: Option<FnId>,
) -> Option<Option<Vec<&'c CallExpr>>> {
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    let combinator = model
        .qual(callee)
        .is_some_and(|q| matches!(q.as_str(), "Promise.all" | "Promise.race" | "Promise.any"));
    if !combinator {
        return None;
    }
    let read = || {
        let [arg] = call.args.as_slice() else {
            return None;
        };
        let Expr::Array(list) = nodepit_semantic::unwrap_expr(&arg.expr) else {
            return None;
        };
        let mut calls = Vec::new();
        for el in list.elems.iter() {
            let el = el.as_ref().filter(|e| e.spread.is_none())?;
            if model.promise_cannot_reject(&el.expr, scope) {
                continue;
            }
            let Expr::Call(c) = nodepit_semantic::unwrap_expr(&el.expr) else {
                return None;
            };
            calls.push(c);
        }
        Some(calls)
    };
    Some(read())
}

/// The project functions one awaited call can reject through: another module's export, or,
/// from the handler (no `site` yet), an async helper of this file; inside that helper, a
/// method of what the handler passed for a parameter. One helper level only.
pub(crate) fn call_targets(
    cx: &RuleCx<'_, '_>,
    model: &Model<'_>,
    f: FnId,
    call: &CallExpr,
    site: Option<&CallExpr>,
) -> Option<Vec<Target>> {
    if let Some(t) = project_call(cx, model, call, Some(f)) {
        return Some(vec![t]);
    }
    match site {
        Some(site) => param_method_target(cx, model, f, call, site).map(|t| vec![t]),
        None => helper_targets(cx, model, Some(f), call),
    }
}

/// The places of an async helper of this file that the handler awaits, each read for what
/// it waits for with the handler's call as the source of the helper's parameters. Returned
/// values count strictly there: an unknown returned call is a place, not a plain value.
pub(crate) fn helper_targets(
    cx: &RuleCx<'_, '_>,
    model: &Model<'_>,
    scope: Option<FnId>,
    call: &CallExpr,
) -> Option<Vec<Target>> {
    let h = model.callee_fn(call, scope)?;
    let info = model.function(h);
    // A `this` parameter takes no argument, so positions would not line up.
    if Some(h) == scope
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
pub(crate) fn param_method_target(
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

/// The export of another project module a call inside `func` calls, also a method of an
/// instance the function's class keeps in a field (`this.mqtt.publish(…)`).
pub(crate) fn project_call(
    cx: &RuleCx<'_, '_>,
    model: &Model<'_>,
    call: &CallExpr,
    func: Option<FnId>,
) -> Option<Target> {
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    let target = model.ext_path_in(callee, func)?;
    cx.is_project_module(&target.0)
        .then(|| Target::new(call, target))
}

/// Places that can reject only if a function of another module can, with where each is.
pub(crate) struct Pending {
    points: Vec<(std::ops::Range<usize>, Vec<Target>)>,
}

impl Pending {
    pub(crate) fn new(model: &Model<'_>, points: Vec<(Rejection, Vec<Target>)>) -> Self {
        Pending {
            points: points
                .into_iter()
                .map(|(r, t)| (model.range(r.span), t))
                .collect(),
        }
    }

    /// The first place whose callee can reject (or is unknown to the project), or `None`
    /// when none can. `file` is the file the places are in.
    pub(crate) fn loud(
        self,
        file: &std::path::Path,
        project: &nodepit_analyzer::project::Project,
    ) -> Option<std::ops::Range<usize>> {
        let (range, _) = self
            .points
            .into_iter()
            .find(|(_, targets)| any_loud(targets, file, project))?;
        Some(range)
    }
}

/// The functions of other project modules a call's promise can reject through, when nothing
/// else can make it reject: a call of another module's export, or of an async function of
/// this file whose every place that can reject waits for (or returns) such calls, or a method
/// of what this call passes it. `None` outside a project, or when anything else can reject.
pub(crate) fn call_rejects_through(
    cx: &RuleCx<'_, '_>,
    model: &Model<'_>,
    call: &CallExpr,
    scope: Option<FnId>,
) -> Option<Vec<Target>> {
    if !cx.in_project() {
        return None;
    }
    // `load().then(show)`: the chain rejects where `load` does, or where `show` throws.
    if let Some((m, "then" | "finally")) = nodepit_semantic::method_call(call) {
        let quiet = call
            .args
            .iter()
            .all(|a| a.spread.is_none() && model.callback_is_quiet(&a.expr, scope));
        return match nodepit_semantic::unwrap_expr(&m.obj) {
            Expr::Call(inner) if quiet && call.args.len() == 1 => {
                call_rejects_through(cx, model, inner, scope)
            }
            _ => None,
        };
    }
    if let Some(t) = project_call(cx, model, call, scope) {
        return Some(vec![t]);
    }
    // `Promise.all([settings.load(), status.get()])`: rejects where one of its elements does.
    if let Some(elements) = combinator_elements(model, call, scope) {
        let mut targets = Vec::new();
        for c in elements? {
            targets.extend(call_rejects_through(cx, model, c, scope)?);
        }
        return (!targets.is_empty()).then_some(targets);
    }
    helper_targets(cx, model, scope, call)
}

/// Whether any of `targets` can reject, or is unknown to the project; `file` is the file whose
/// calls they are.
pub(crate) fn any_loud(
    targets: &[Target],
    file: &std::path::Path,
    project: &nodepit_analyzer::project::Project,
) -> bool {
    targets.iter().any(|t| {
        project
            .callee(file, &t.spec, &t.path, t.new_at)
            .is_none_or(|facts| !t.quiet(&facts))
    })
}
