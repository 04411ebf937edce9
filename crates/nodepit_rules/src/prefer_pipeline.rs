use nodepit_analyzer::{declare_rule, Edit, Fix, Node, NodeKind, Rule, RuleCx};
use nodepit_semantic::{expr_label, member_name, unwrap_expr, FnId, Model};
use serde::Deserialize;
use swc_ecma_ast::{CallExpr, Callee, Expr};

/// Flags `.pipe()` chains between Node streams, which neither forward errors nor clean up.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreferPipeline {}

declare_rule!(PreferPipeline, "prefer-pipeline", Warning, fix: true);

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

    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["pipe"])
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
        // `.pipe(dest, { end: false })` has no `pipeline` spelling; such chains get no fix.
        let mut options = false;
        let base = loop {
            let (recv, dest) = pipe_target(call).expect("checked above");
            options |= call.args.len() > 1;
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
        let in_async = scope.is_some_and(|f| is_async(model, f));
        let fix = if options {
            None
        } else {
            rewrite(model, site.node, &stages, in_async)
        };
        let report = cx
            .report(
                site.node.span,
                format!("`{chain}` neither forwards errors nor destroys the other streams when one fails, so a failure leaks file descriptors or leaves a response that never ends."),
            )
            .help(help);
        if let Some(fix) = fix {
            report.fix(fix);
        }
    }
}

/// Rewrites a chain that is a whole statement into `pipeline(...)`, keeping each stage's own
/// text in place, and imports `pipeline` when the file does not have it yet. The callback form
/// keeps the code synchronous, so it is safe; `await pipeline(...)` changes when the function
/// continues, so in async code it is only a suggestion.
fn rewrite(model: &Model<'_>, outer: &CallExpr, stages: &[&Expr], in_async: bool) -> Option<Fix> {
    use swc_common::Spanned;
    let is_statement = model
        .stmts()
        .iter()
        .any(|s| unwrap_expr(&s.node.expr).span() == outer.span);
    if !is_statement {
        return None;
    }
    let module = if in_async {
        "stream.promises.pipeline"
    } else {
        "stream.pipeline"
    };
    let needs_import = match model.qual_of_name("pipeline") {
        Some(q) if q == module => false,
        _ if model.has_binding_named("pipeline") => return None,
        _ => true,
    };
    let spans: Vec<std::ops::Range<usize>> = stages.iter().map(|s| model.range(s.span())).collect();
    let call = model.range(outer.span);
    let mut edits = vec![Edit {
        range: call.start..call.start,
        text: if in_async {
            "await pipeline(".to_string()
        } else {
            "pipeline(".to_string()
        },
    }];
    for pair in spans.windows(2) {
        edits.push(Edit {
            range: pair[0].end..pair[1].start,
            text: ", ".to_string(),
        });
    }
    let last = spans.last()?;
    let close = if in_async {
        ")".to_string()
    } else {
        ", (err) => { if (err) console.error('pipeline failed', err); })".to_string()
    };
    edits.push(Edit {
        range: last.end..call.end,
        text: close,
    });
    if needs_import {
        let (at, esm) = model.import_insertion_point();
        let source = if in_async {
            "node:stream/promises"
        } else {
            "node:stream"
        };
        let line = if esm {
            format!("import {{ pipeline }} from '{source}';")
        } else {
            format!("const {{ pipeline }} = require('{source}');")
        };
        let text = if at == 0 {
            format!("{line}\n")
        } else {
            format!("\n{line}")
        };
        edits.insert(
            0,
            Edit {
                range: at..at,
                text,
            },
        );
    }
    Some(Fix {
        message: if in_async {
            "Rewrite as `await pipeline(...)`".to_string()
        } else {
            "Rewrite as `pipeline(...)`".to_string()
        },
        edits,
        safe: !in_async,
    })
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
