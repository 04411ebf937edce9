use nodepit_analyzer::{declare_rule, Node, NodeKind, Rule, RuleCx};
use nodepit_semantic::{member_name, unwrap_expr, FnId, Model};
use serde::Deserialize;
use swc_common::{Span, Spanned};
use swc_ecma_ast::{Callee, Expr};

/// Flags `process.nextTick`/`queueMicrotask` callbacks that re-enter the function scheduling them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoRecursiveNextTick {}

declare_rule!(NoRecursiveNextTick, "no-recursive-next-tick", Error, fix: false);

/// Array methods that call their callback before returning.
const SYNC_ITERATORS: &[&str] = &["forEach", "map", "filter", "some", "every", "reduce", "find", "findIndex", "flatMap"];

/// How many functions the re-entry search visits before giving up.
const SEARCH_LIMIT: usize = 256;

impl Rule for NoRecursiveNextTick {
    fn kinds(&self) -> &'static [NodeKind] {
        &[NodeKind::Call]
    }

    fn check(&self, node: Node<'_, '_>, cx: &mut RuleCx<'_, '_>) {
        let Node::Call(site) = node else { return };
        let model = cx.model();
        let Some(scheduler) = scheduler(model, site.node) else { return };
        let Some(scope) = site.func else { return };
        let Some(cb) = site.node.args.first() else { return };
        let Some(target) = model.fn_of_expr(&cb.expr, Some(scope)) else { return };
        let enclosing: Vec<FnId> = model.ancestors(scope).collect();
        let Some((reentered, at)) = reentry(model, target, cb.expr.span(), &enclosing) else { return };
        let Callee::Expr(callee) = &site.node.callee else { return };
        let name = model.fn_label(reentered);
        let help = if site.in_catch {
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
    match model.callee_qual(call)?.as_str() {
        "process.nextTick" => Some("process.nextTick"),
        "queueMicrotask" => Some("queueMicrotask"),
        _ => None,
    }
}

/// Finds the enclosing function the scheduled `target` runs again, and where: the callback
/// itself, or a call (or reschedule) reached from it through same-file functions.
fn reentry(model: &Model<'_>, target: FnId, cb_span: Span, enclosing: &[FnId]) -> Option<(FnId, Span)> {
    if enclosing.contains(&target) {
        return Some((target, cb_span));
    }
    let mut seen = vec![target];
    let mut queue = std::collections::VecDeque::from([target]);
    while let Some(f) = queue.pop_front() {
        if seen.len() > SEARCH_LIMIT {
            return None;
        }
        for &ci in &model.function(f).calls {
            let call = model.calls()[ci as usize].node;
            for (next, at) in edges(model, call, f) {
                if enclosing.contains(&next) {
                    return Some((next, at));
                }
                if !seen.contains(&next) {
                    seen.push(next);
                    queue.push_back(next);
                }
            }
        }
    }
    None
}

/// Functions that run synchronously (or are rescheduled on the same queue) because of `call`.
fn edges(model: &Model<'_>, call: &swc_ecma_ast::CallExpr, scope: FnId) -> Vec<(FnId, Span)> {
    let mut out = Vec::new();
    if let Some(g) = model.callee_fn(call, Some(scope)) {
        out.push((g, call.span));
    }
    let Callee::Expr(callee) = &call.callee else { return out };
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
