use nodepit_analyzer::{declare_rule, Node, NodeKind, Rule, RuleCx};
use nodepit_semantic::{expr_label, member_name, unwrap_expr, BindingKind, FnId, LoopRef, Model};
use serde::Deserialize;
use swc_ecma_ast::{BinaryOp, CallExpr, Callee, Expr, Ident, Lit, Stmt};
use swc_ecma_visit::{Visit, VisitWith};

/// Flags `Promise.all` over a mapped collection of unknown size, which starts every task at once.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoUnboundedPromiseAll {}

declare_rule!(NoUnboundedPromiseAll, "no-unbounded-promise-all", Warning, fix: false);

const MAX_DEPTH: u32 = 8;

/// What `Promise.all` is given: the collection and the work started per element.
struct Fanout {
    collection: String,
    work: String,
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
        let Some(f) = fanout(model, &arg.expr, site.func, 0) else {
            return;
        };
        let (collection, work) = (f.collection, f.work);
        cx.report(
            site.node.span,
            format!("`{}` starts `{work}` for every element of `{collection}` at once, with nothing bounding how many run together.", expr_label(callee)),
        )
        .help(format!(
            "Cap concurrency with `p-limit` or `p-map`'s `concurrency` option, or process `{collection}` in fixed-size batches."
        ));
    }
}

/// The unbounded fan-out an argument of `Promise.all` holds, if any.
fn fanout(model: &Model<'_>, arg: &Expr, scope: Option<FnId>, depth: u32) -> Option<Fanout> {
    if depth > MAX_DEPTH {
        return None;
    }
    match unwrap_expr(arg) {
        Expr::Array(a) => a
            .elems
            .iter()
            .flatten()
            .filter(|e| e.spread.is_some())
            .find_map(|e| fanout(model, &e.expr, scope, depth + 1)),
        Expr::Call(c) => {
            let (recv, cb) = map_call(model, c)?;
            mapped(model, recv, cb, scope)
        }
        Expr::Ident(id) => {
            let b = model.binding(id)?;
            let BindingKind::Var {
                init: Some(init),
                path,
                ..
            } = &b.kind
            else {
                return None;
            };
            if !path.is_empty() {
                return None;
            }
            match unwrap_expr(init) {
                Expr::Array(a) if a.elems.is_empty() => pushed(model, id),
                Expr::Call(c) if !b.reassigned => {
                    let (recv, cb) = map_call(model, c)?;
                    mapped(model, recv, cb, scope)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// `xs.map(cb)`, `xs.flatMap(cb)` or `Array.from(xs, cb)` → `(xs, cb)`.
fn map_call<'c>(model: &Model<'_>, c: &'c CallExpr) -> Option<(&'c Expr, &'c Expr)> {
    let Callee::Expr(callee) = &c.callee else {
        return None;
    };
    let Expr::Member(m) = unwrap_expr(callee) else {
        return None;
    };
    let method = member_name(&m.prop)?;
    if matches!(method, "map" | "flatMap") && is_lodash(model, &m.obj) {
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

fn mapped(model: &Model<'_>, recv: &Expr, cb: &Expr, scope: Option<FnId>) -> Option<Fanout> {
    if is_small(model, recv, 0) {
        return None;
    }
    let work = match model.fn_of_expr(cb, scope) {
        Some(f) => {
            if !starts_work(model, f) || is_limited(model, f) {
                return None;
            }
            work_label(model, f, cb)
        }
        None => match unwrap_expr(cb) {
            // A callback from elsewhere (`ids.map(fetchUser)`): assume it does I/O.
            Expr::Ident(_) | Expr::Member(_) => expr_label(cb),
            _ => return None,
        },
    };
    Some(Fanout {
        collection: expr_label(recv),
        work,
    })
}

/// `const ps = []; for (const x of xs) ps.push(work(x));` → the fan-out over `xs`.
fn pushed(model: &Model<'_>, array: &Ident) -> Option<Fanout> {
    let id = array.to_id();
    for site in model.calls() {
        let Callee::Expr(callee) = &site.node.callee else {
            continue;
        };
        let Expr::Member(m) = unwrap_expr(callee) else {
            continue;
        };
        if member_name(&m.prop) != Some("push") {
            continue;
        }
        if !matches!(unwrap_expr(&m.obj), Expr::Ident(i) if i.to_id() == id) {
            continue;
        }
        let Some(item) = site.node.args.first() else {
            continue;
        };
        let (item_call, work) = match unwrap_expr(&item.expr) {
            Expr::Call(c) => (c, expr_label(&item.expr)),
            _ => continue,
        };
        if is_limiter_call(item_call) {
            continue;
        }
        let collection = match site.loop_ref {
            Some(LoopRef::ForOf(l)) => Some(&*l.right),
            Some(LoopRef::For(l)) => l.test.as_deref().and_then(length_bound),
            Some(_) => None,
            None => site.func.and_then(|f| for_each_receiver(model, f)),
        };
        let Some(collection) = collection else {
            continue;
        };
        if is_small(model, collection, 0) {
            continue;
        }
        let work = work.split('(').next().unwrap_or(&work).to_string();
        return Some(Fanout {
            collection: expr_label(collection),
            work,
        });
    }
    None
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

/// The collection whose `.forEach` (or sibling) calls the function `f`.
fn for_each_receiver<'a>(model: &Model<'a>, f: FnId) -> Option<&'a Expr> {
    let (call, _) = model.function(f).passed_to?;
    let call = model.calls()[call as usize].node;
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    let Expr::Member(m) = unwrap_expr(callee) else {
        return None;
    };
    if !matches!(member_name(&m.prop), Some("forEach" | "map" | "each")) {
        return None;
    }
    if is_lodash(model, &m.obj) {
        return call.args.first().map(|a| &*a.expr);
    }
    Some(&*m.obj)
}

/// lodash and underscore take the collection as the first argument.
fn is_lodash(model: &Model<'_>, e: &Expr) -> bool {
    model.qual(e).is_some_and(|q| {
        matches!(
            q.as_str(),
            "lodash" | "underscore" | "lodash/fp" | "lodash-es"
        )
    })
}

/// Whether a collection is bounded by the code itself: a literal, a constant-width slice, a batch.
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
        Expr::Ident(id) => match model.binding(id).map(|b| (&b.kind, b.reassigned)) {
            Some((
                BindingKind::Var {
                    init: Some(init),
                    path,
                    ..
                },
                false,
            )) if path.is_empty() => is_small(model, init, depth + 1),
            Some((BindingKind::LoopVar { iterable }, _)) => is_batches(model, iterable),
            _ => false,
        },
        Expr::Call(c) => {
            let Callee::Expr(callee) = &c.callee else {
                return false;
            };
            if let Some(q) = model.qual(callee) {
                match q.as_str() {
                    "Array.from" => {
                        return c.args.first().is_some_and(|a| is_length_object(&a.expr))
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
                        (Some(a), Some(b)) => {
                            is_offset_of(&b.expr, &a.expr)
                                || (is_const_number(model, &a.expr)
                                    && is_const_number(model, &b.expr))
                        }
                        (Some(a), None) => matches!(unwrap_expr(&a.expr), Expr::Unary(_)),
                        _ => false,
                    };
                    bounded || is_small(model, &m.obj, depth + 1)
                }
                Some("splice") => c.args.len() >= 2,
                Some("filter" | "map" | "reverse" | "sort" | "concat") => {
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

fn is_offset_of(end: &Expr, start: &Expr) -> bool {
    let Expr::Bin(b) = unwrap_expr(end) else {
        return false;
    };
    b.op == BinaryOp::Add && (same_expr(&b.left, start) || same_expr(&b.right, start))
}

fn same_expr(a: &Expr, b: &Expr) -> bool {
    match (unwrap_expr(a), unwrap_expr(b)) {
        (Expr::Ident(x), Expr::Ident(y)) => x.to_id() == y.to_id(),
        _ => false,
    }
}

fn is_const_number(model: &Model<'_>, e: &Expr) -> bool {
    match unwrap_expr(e) {
        Expr::Lit(Lit::Num(_)) => true,
        Expr::Unary(u) => is_const_number(model, &u.arg),
        Expr::Bin(b) => is_const_number(model, &b.left) && is_const_number(model, &b.right),
        Expr::Ident(id) => matches!(
            model.binding(id).map(|b| (&b.kind, b.reassigned)),
            Some((BindingKind::Var { init: Some(init), is_const: true, .. }, false)) if is_const_number(model, init)
        ),
        _ => false,
    }
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

/// Whether a callback starts any work: it is async, or calls, constructs or awaits something.
fn starts_work(model: &Model<'_>, f: FnId) -> bool {
    let info = model.function(f);
    if info.is_async || !info.calls.is_empty() {
        return true;
    }
    let mut finder = WorkFinder(false);
    if let Some(stmts) = info.node.body_stmts() {
        stmts.iter().for_each(|s| s.visit_with(&mut finder));
    }
    if let Some(e) = info.node.expr_body() {
        e.visit_with(&mut finder);
    }
    finder.0
}

struct WorkFinder(bool);

impl Visit for WorkFinder {
    fn visit_new_expr(&mut self, _: &swc_ecma_ast::NewExpr) {
        self.0 = true;
    }
    fn visit_await_expr(&mut self, _: &swc_ecma_ast::AwaitExpr) {
        self.0 = true;
    }
    fn visit_tagged_tpl(&mut self, _: &swc_ecma_ast::TaggedTpl) {
        self.0 = true;
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
        let Callee::Expr(callee) = &call.callee else { return false };
        matches!(unwrap_expr(callee), Expr::Member(m) if matches!(member_name(&m.prop), Some("acquire" | "take" | "removeTokens")))
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

/// What one element's work is called, for the message: the callback's name, or the call it
/// returns or first awaits.
fn work_label(model: &Model<'_>, f: FnId, cb: &Expr) -> String {
    if matches!(unwrap_expr(cb), Expr::Ident(_) | Expr::Member(_)) {
        return expr_label(cb);
    }
    let info = model.function(f);
    let mut finder = AwaitedCall(None);
    match (info.node.expr_body(), info.node.body_stmts()) {
        (Some(e), _) => finder.consider(e),
        (None, Some(stmts)) => stmts.iter().for_each(|s| s.visit_with(&mut finder)),
        _ => {}
    }
    finder.0.unwrap_or_else(|| "the callback".to_string())
}

/// The first call that is awaited or returned, skipping nested functions.
struct AwaitedCall(Option<String>);

impl AwaitedCall {
    fn consider(&mut self, e: &Expr) {
        if self.0.is_some() {
            return;
        }
        let e = match unwrap_expr(e) {
            Expr::Await(a) => unwrap_expr(&a.arg),
            other => other,
        };
        if let Expr::Call(c) = e {
            if let Callee::Expr(callee) = &c.callee {
                self.0 = Some(expr_label(callee));
            }
        }
    }
}

impl Visit for AwaitedCall {
    fn visit_await_expr(&mut self, n: &swc_ecma_ast::AwaitExpr) {
        self.consider(&n.arg);
        n.visit_children_with(self);
    }
    fn visit_return_stmt(&mut self, n: &swc_ecma_ast::ReturnStmt) {
        if let Some(arg) = &n.arg {
            self.consider(arg);
        }
        n.visit_children_with(self);
    }
    fn visit_function(&mut self, _: &swc_ecma_ast::Function) {}
    fn visit_arrow_expr(&mut self, _: &swc_ecma_ast::ArrowExpr) {}
}
