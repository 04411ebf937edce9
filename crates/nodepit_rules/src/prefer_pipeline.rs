use nodepit_analyzer::{declare_rule, Node, NodeKind, Rule, RuleCx};
use nodepit_semantic::{expr_label, member_name, unwrap_expr, FnId, Model};
use serde::Deserialize;
use swc_ecma_ast::{CallExpr, Callee, Expr};

/// Flags `.pipe()` chains between Node streams, which neither forward errors nor clean up.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreferPipeline {}

declare_rule!(PreferPipeline, "prefer-pipeline", Warning, fix: false);

/// Packages whose `.pipe` composes operators or processes, not Node streams.
const NOT_STREAMS: &[&str] = &[
    "rxjs",
    "rxjs/operators",
    "highland",
    "execa",
    "arktype",
    "effect",
    "fp-ts",
    "ramda",
    "lodash",
];

impl Rule for PreferPipeline {
    fn kinds(&self) -> &'static [NodeKind] {
        &[NodeKind::Call]
    }

    fn check(&self, node: Node<'_, '_>, cx: &mut RuleCx<'_, '_>) {
        let Node::Call(site) = node else { return };
        let model = cx.model();
        if pipe_target(site.node).is_none() {
            return;
        }
        // A chain is reported once, at its outermost `.pipe`.
        if site
            .outer
            .is_some_and(|o| pipe_target(model.calls()[o as usize].node).is_some())
        {
            return;
        }
        let mut stages: Vec<&Expr> = Vec::new();
        let mut call = site.node;
        let base = loop {
            let (recv, dest) = pipe_target(call).expect("checked above");
            stages.push(dest);
            match unwrap_expr(recv) {
                Expr::Call(inner) if pipe_target(inner).is_some() => call = inner,
                other => break other,
            }
        };
        stages.push(base);
        stages.reverse();
        let scope = site.func;
        if stages.iter().any(|s| is_non_stream_api(model, s)) {
            return;
        }
        if !stages.iter().any(|s| model.is_stream(s)) {
            return;
        }
        let labels: Vec<String> = stages.iter().map(|s| expr_label(s)).collect();
        let chain = labels
            .iter()
            .skip(1)
            .fold(labels[0].clone(), |acc, l| format!("{acc}.pipe({l})"));
        let args = labels.join(", ");
        let help = if scope.is_some_and(|f| is_async(model, f)) {
            format!("Use `await pipeline({args})` from `node:stream/promises`, which forwards the first error and destroys every stream.")
        } else {
            format!("Use `pipeline({args}, (err) => {{ … }})` from `node:stream`, which forwards the first error and destroys every stream.")
        };
        cx.report(
            site.node.span,
            format!("`{chain}` neither forwards errors nor destroys the other streams when one fails, so a failure leaks file descriptors or leaves a response that never ends."),
        )
        .help(help);
    }
}

/// `recv.pipe(dest, …)` → `(recv, dest)`.
fn pipe_target(call: &CallExpr) -> Option<(&Expr, &Expr)> {
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    let Expr::Member(m) = unwrap_expr(callee) else {
        return None;
    };
    if member_name(&m.prop) != Some("pipe") {
        return None;
    }
    let dest = call.args.first()?;
    if dest.spread.is_some() {
        return None;
    }
    Some((&m.obj, &dest.expr))
}

fn is_non_stream_api(model: &Model<'_>, e: &Expr) -> bool {
    let Some(q) = model.qual(e) else { return false };
    let root = q.split(['.', '(']).next().unwrap_or("");
    NOT_STREAMS.contains(&root) || root.starts_with("@effect/") || root.starts_with("rxjs/")
}

fn is_async(model: &Model<'_>, f: FnId) -> bool {
    model.function(f).is_async
}
