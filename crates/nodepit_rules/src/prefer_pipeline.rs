use nodepit_analyzer::{declare_rule, Edit, Fix, Node, NodeKind, Rule, RuleCx};
use nodepit_semantic::{
    expr_label, member_name, method_call, static_string, unwrap_expr, FnId, Model,
};
use serde::Deserialize;
use swc_common::Spanned;
use swc_ecma_ast::{
    CallExpr, Callee, Decl, Expr, Ident, ImportSpecifier, Lit, ModuleDecl, ModuleItem,
    ObjectPatProp, Pat, Program, Stmt,
};

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
        let Some(chain) = Chain::at(model, site.node, site.outer) else {
            return;
        };
        let labels: Vec<String> = chain.stages.iter().map(|s| expr_label(s)).collect();
        let shown = labels
            .iter()
            .skip(1)
            .fold(labels[0].clone(), |acc, l| format!("{acc}.pipe({l})"));
        let args = labels.join(", ");
        let in_async = site.func.is_some_and(|f| is_async(model, f));
        let help = if in_async {
            format!("Use `await pipeline({args})` from `node:stream/promises`, which forwards the first error and destroys every stream.")
        } else {
            format!("Use `pipeline({args}, (err) => {{ … }})` from `node:stream`, which forwards the first error and destroys every stream.")
        };
        let fix = rewrite(model, &chain, in_async);
        let report = cx
            .report(
                site.node.span,
                format!("`{shown}` neither forwards errors nor destroys the other streams when one fails, so a failure leaks file descriptors or leaves a response that never ends."),
            )
            .help(help);
        if let Some(fix) = fix {
            report.fix(fix);
        }
    }
}

/// A `.pipe()` chain between Node streams, reported at its outermost `.pipe` call.
struct Chain<'a> {
    /// The outermost `.pipe` call.
    call: &'a CallExpr,
    /// The streams in the order data flows.
    stages: Vec<&'a Expr>,
    /// Whether `pipeline(...)` can say the same thing: not when a `.pipe` passes options
    /// (`{ end: false }`) or a listener registered between two `.pipe` calls would be lost.
    rewritable: bool,
}

impl<'a> Chain<'a> {
    /// The chain whose outermost `.pipe` call is `call` (`outer` is the call that has `call` as
    /// its receiver), when its stages include a Node stream and nothing marks it as another
    /// library's `pipe`.
    fn at(model: &Model<'a>, call: &'a CallExpr, outer: Option<u32>) -> Option<Self> {
        pipe_target(call)?;
        // A chain is reported once, at its outermost `.pipe`, looking through listener
        // registrations between the calls: `a.pipe(b).on('error', f).pipe(c)` is one chain.
        let mut up = outer;
        while let Some(o) = up {
            let site = &model.calls()[o as usize];
            if pipe_target(site.node).is_some() {
                return None;
            }
            if model.chained_receiver(site.node).is_none() {
                break;
            }
            up = site.outer;
        }
        let mut stages: Vec<&Expr> = Vec::new();
        let mut rewritable = true;
        let mut current = call;
        let base = loop {
            let (recv, dest) = pipe_target(current)?;
            rewritable &= current.args.len() == 1;
            stages.push(dest);
            let mut inner = unwrap_expr(recv);
            let mut skipped = false;
            while let Expr::Call(c) = inner {
                if pipe_target(c).is_some() {
                    break;
                }
                match model.chained_receiver(c) {
                    Some(r) => {
                        inner = unwrap_expr(r);
                        skipped = true;
                    }
                    None => break,
                }
            }
            match inner {
                Expr::Call(c) if pipe_target(c).is_some() => {
                    rewritable &= !skipped;
                    current = c;
                }
                _ => break unwrap_expr(recv),
            }
        };
        stages.push(base);
        stages.reverse();
        if stages.iter().any(|s| is_non_stream_api(model, s)) {
            return None;
        }
        // `Readable.from([buf]).pipe(dest).on('error', reject)`: a source built from values in
        // memory cannot fail or hold a descriptor, and the one destination's error is handled,
        // so there is nothing `pipeline` would add.
        if stages.len() == 2
            && is_in_memory_source(model, stages[0])
            && error_handled_on_result(model, outer)
        {
            return None;
        }
        if !stages.iter().any(|s| model.is_stream(s)) {
            return None;
        }
        Some(Self {
            call,
            stages,
            rewritable,
        })
    }

    /// Whether the chain is a whole expression statement, so `pipeline(...)` can replace it.
    fn is_statement(&self, model: &Model<'_>) -> bool {
        model
            .stmts()
            .iter()
            .any(|s| unwrap_expr(&s.node.expr).span() == self.call.span)
    }
}

/// Rewrites a chain that is a whole statement into `pipeline(...)`, keeping each stage's own
/// text in place, and imports `pipeline` when the file does not have it yet. The callback form
/// keeps the code synchronous, so it is safe; `await pipeline(...)` changes when the function
/// continues, so in async code it is only a suggestion.
fn rewrite(model: &Model<'_>, chain: &Chain<'_>, in_async: bool) -> Option<Fix> {
    if !chain.rewritable || !chain.is_statement(model) {
        return None;
    }
    let avoid_plain = in_async && sync_rewrite_takes_plain_name(model);
    let callee = pipeline_callee(model, chain.call.span.lo.0, in_async, avoid_plain)?;
    let spans: Vec<std::ops::Range<usize>> =
        chain.stages.iter().map(|s| model.range(s.span())).collect();
    let call = model.range(chain.call.span);
    let mut edits = vec![Edit {
        range: call.start..call.start,
        text: if in_async {
            format!("await {}(", callee.name)
        } else {
            format!("{}(", callee.name)
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
    if let Some(line) = callee.import {
        let (at, _) = model.import_insertion_point();
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

/// How a rewritten chain calls `pipeline`, and the import line it needs first, if any.
struct PipelineCallee {
    name: String,
    import: Option<String>,
}

/// Names a new import of `pipeline` may take, most natural first.
const SYNC_NAMES: &[&str] = &["pipeline", "streamPipeline", "pipelineWithCallback"];
const ASYNC_NAMES: &[&str] = &["pipeline", "pipelineAsync", "streamPipelineAsync"];

/// The callee for a rewrite at source position `at`: a binding of the right `pipeline` the file
/// already has (or its `stream` module), else a new import under a name nothing in the file
/// uses. The callback and promise versions never share a name: a file with chains of both
/// kinds gets `pipeline` and `pipelineAsync` (`avoid_plain` leaves `pipeline` to the callback
/// version).
fn pipeline_callee(
    model: &Model<'_>,
    at: u32,
    in_async: bool,
    avoid_plain: bool,
) -> Option<PipelineCallee> {
    let wanted = if in_async {
        "stream.promises.pipeline"
    } else {
        "stream.pipeline"
    };
    let mut through_module = None;
    for id in top_level_names(model.program()) {
        if id.span.lo.0 >= at {
            continue;
        }
        let Some(q) = model.qual_ident(id) else {
            continue;
        };
        let member = match (q.as_str(), in_async) {
            _ if q == wanted => None,
            ("stream", false) | ("stream.promises", true) => Some("pipeline"),
            ("stream", true) => Some("promises.pipeline"),
            _ => continue,
        };
        // Declared before the chain and the only binding of its name, so nothing shadows it.
        if model.qual_of_name(&id.sym).is_none() {
            continue;
        }
        match member {
            None => {
                return Some(PipelineCallee {
                    name: id.sym.to_string(),
                    import: None,
                })
            }
            Some(member) => {
                through_module.get_or_insert_with(|| format!("{}.{member}", id.sym));
            }
        }
    }
    if let Some(name) = through_module {
        return Some(PipelineCallee { name, import: None });
    }
    let candidates = if in_async { ASYNC_NAMES } else { SYNC_NAMES };
    let name = candidates
        .iter()
        .filter(|n| !(avoid_plain && **n == "pipeline"))
        .find(|n| is_free(model, n))?;
    let source = if in_async {
        "node:stream/promises"
    } else {
        "node:stream"
    };
    let esm = matches!(model.program(), Program::Module(_));
    let line = match (esm, *name == "pipeline") {
        (true, true) => format!("import {{ pipeline }} from '{source}';"),
        (true, false) => format!("import {{ pipeline as {name} }} from '{source}';"),
        (false, true) => format!("const {{ pipeline }} = require('{source}');"),
        (false, false) => format!("const {{ pipeline: {name} }} = require('{source}');"),
    };
    Some(PipelineCallee {
        name: name.to_string(),
        import: Some(line),
    })
}

/// Whether a rewrite of a chain in synchronous code would import `pipeline` under that very
/// name, which the promise version must then leave to it.
fn sync_rewrite_takes_plain_name(model: &Model<'_>) -> bool {
    model.calls().iter().any(|site| {
        if site.func.is_some_and(|f| is_async(model, f)) {
            return false;
        }
        let Some(chain) = Chain::at(model, site.node, site.outer) else {
            return false;
        };
        chain.rewritable
            && chain.is_statement(model)
            && pipeline_callee(model, site.node.span.lo.0, false, false)
                .is_some_and(|c| c.import.is_some() && c.name == "pipeline")
    })
}

/// Whether no binding of the file and no global it calls has this name.
fn is_free(model: &Model<'_>, name: &str) -> bool {
    !model.has_binding_named(name) && !model.calls().iter().any(|c| match &c.node.callee {
        Callee::Expr(e) => {
            matches!(unwrap_expr(e), Expr::Ident(id) if &*id.sym == name && model.is_unresolved(id))
        }
        _ => false,
    })
}

/// Names declared by the top-level imports and variable declarations, in source order.
fn top_level_names(program: &Program) -> Vec<&Ident> {
    let mut out = Vec::new();
    let stmts: Box<dyn Iterator<Item = &Stmt>> = match program {
        Program::Module(m) => {
            for item in &m.body {
                if let ModuleItem::ModuleDecl(ModuleDecl::Import(i)) = item {
                    if i.type_only {
                        continue;
                    }
                    for s in &i.specifiers {
                        match s {
                            ImportSpecifier::Named(n) if !n.is_type_only => out.push(&n.local),
                            ImportSpecifier::Named(_) => {}
                            ImportSpecifier::Default(d) => out.push(&d.local),
                            ImportSpecifier::Namespace(n) => out.push(&n.local),
                        }
                    }
                }
            }
            Box::new(m.body.iter().filter_map(|i| match i {
                ModuleItem::Stmt(s) => Some(s),
                ModuleItem::ModuleDecl(_) => None,
            }))
        }
        Program::Script(s) => Box::new(s.body.iter()),
    };
    for stmt in stmts {
        if let Stmt::Decl(Decl::Var(v)) = stmt {
            for d in &v.decls {
                pattern_names(&d.name, &mut out);
            }
        }
    }
    out
}

fn pattern_names<'p>(pat: &'p Pat, out: &mut Vec<&'p Ident>) {
    match pat {
        Pat::Ident(b) => out.push(&b.id),
        Pat::Object(o) => {
            for p in &o.props {
                match p {
                    ObjectPatProp::KeyValue(kv) => pattern_names(&kv.value, out),
                    ObjectPatProp::Assign(a) => out.push(&a.key.id),
                    ObjectPatProp::Rest(_) => {}
                }
            }
        }
        _ => {}
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

/// `Readable.from(...)` of an array literal or a string: values already in memory.
fn is_in_memory_source(model: &Model<'_>, e: &Expr) -> bool {
    let Expr::Call(c) = unwrap_expr(e) else {
        return false;
    };
    if model.callee_qual(c).as_deref() != Some("stream.Readable.from") {
        return false;
    }
    c.args.first().is_some_and(|a| {
        a.spread.is_none()
            && matches!(
                unwrap_expr(&a.expr),
                Expr::Array(_) | Expr::Lit(Lit::Str(_)) | Expr::Tpl(_)
            )
    })
}

/// Whether the chain's result (its last stream) gets an `'error'` listener in the same chained
/// expression: `a.pipe(b).on('finish', done).on('error', fail)`.
fn error_handled_on_result(model: &Model<'_>, mut outer: Option<u32>) -> bool {
    while let Some(o) = outer {
        let site = &model.calls()[o as usize];
        if model.chained_receiver(site.node).is_none() {
            return false;
        }
        let listens = method_call(site.node).is_some_and(|(_, n)| matches!(n, "on" | "once"));
        if listens
            && site.node.args.len() >= 2
            && site.node.args.first().and_then(|a| static_string(&a.expr)) == Some("error")
        {
            return true;
        }
        outer = site.outer;
    }
    false
}

fn is_non_stream_api(model: &Model<'_>, e: &Expr) -> bool {
    let Some(q) = model.qual(e) else { return false };
    let root = q.split(['.', '(']).next().unwrap_or("");
    NOT_STREAMS.contains(&root) || root.starts_with("@effect/") || root.starts_with("rxjs/")
}

fn is_async(model: &Model<'_>, f: FnId) -> bool {
    model.function(f).is_async
}
