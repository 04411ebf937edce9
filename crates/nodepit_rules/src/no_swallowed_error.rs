use crate::quiet;
use nodepit_analyzer::{
    declare_rule, Answer, Diagnostic, Node, NodeKind, Question, Related, Rule, RuleCx,
};
use nodepit_semantic::{callee_name, member_name, unwrap_expr, BindingKind, FnId, Model, TrySite};
use serde::Deserialize;
use swc_common::Spanned;
use swc_ecma_ast::{AssignTarget, CallExpr, Callee, Expr, SimpleAssignTarget, Stmt};
use swc_ecma_visit::{Visit, VisitWith};

/// Flags empty `catch` blocks and do-nothing rejection handlers (`.catch(() => {})`,
/// `.catch(noop)`, `.then(ok, () => {})`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoSwallowedError {}

declare_rule!(NoSwallowedError, "no-swallowed-error", Warning, fix: false);

const HELP: &str = "Handle the error, log it with context, or, if ignoring it is safe, write down why in a comment inside the handler.";

impl Rule for NoSwallowedError {
    fn kinds(&self) -> &'static [NodeKind] {
        &[NodeKind::Call, NodeKind::Try]
    }

    // Every swallow is spelled with a `catch` (block or method) or a two-argument `then`.
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["catch", "then"])
    }

    fn check(&self, node: Node<'_, '_>, cx: &mut RuleCx<'_, '_>) {
        let Node::Call(site) = node else { return };
        let model = cx.model();
        if model.is_minified() {
            return;
        }
        let Callee::Expr(callee) = &site.node.callee else {
            return;
        };
        let Expr::Member(m) = unwrap_expr(callee) else {
            return;
        };
        let handler = match (member_name(&m.prop), site.node.args.as_slice()) {
            (Some("catch"), [h]) => h,
            (Some("then"), [_, h]) => h,
            _ => return,
        };
        if handler.spread.is_some()
            || !model.is_noop(&handler.expr, site.func)
            || model.has_trailing_comment(site.node.span)
            || model.has_leading_comment(site.node.span)
        {
            return;
        }
        // Only a promise made right here: `stored.catch(noop)` marks a promise that others
        // await as handled (so it cannot crash the process) while they still see its error.
        let receiver = unwrap_expr(&m.obj);
        let made_here = match receiver {
            Expr::Call(c) => Some(c),
            Expr::New(_) => None,
            _ => return,
        };
        if model.is_foreign_thenable(receiver) {
            return;
        }
        if let Some(call) = made_here {
            // A promise that cannot reject (a helper that catches everything) has no error for
            // the handler to drop.
            if best_effort_call(model, call)
                || ensures_dir(call)
                || marks_existing(model, call)
                || observed_elsewhere(model, call)
                || model.call_cannot_reject(call, site.func)
            {
                return;
            }
        }
        if site.func.is_some_and(|f| {
            in_test_hook(model, f) || in_logging_helper(model, f) || in_best_effort_helper(model, f)
        }) {
            return;
        }
        let what = match made_here.and_then(callee_label) {
            Some(label) => format!("`{label}`"),
            None => "this promise".to_string(),
        };
        let method = if member_name(&m.prop) == Some("then") {
            "`.then(…, handler)`"
        } else {
            "`.catch(handler)`"
        };
        let mut d = Diagnostic::new(
            NoSwallowedError::META.id,
            NoSwallowedError::META.severity,
            model.range(handler.expr.span()),
            format!("This {method} does nothing with the error, so a failure of {what} disappears without a trace."),
        );
        d.related.push(Related {
            path: None,
            range: model.range(m.obj.span()),
            message: "the promise whose rejection is dropped".to_string(),
        });
        d.help = Some(HELP.to_string());
        // A function of another module, or a helper here that only waits for such functions:
        // the handler drops something only if one of them can reject.
        let targets = made_here.and_then(|c| quiet::call_rejects_through(cx, model, c, site.func));
        match targets {
            Some(targets) => cx.ask(Question::Here, move |answer, project| match answer {
                Answer::Here(file) if quiet::any_loud(&targets, file, project) => Some(d),
                _ => None,
            }),
            None => cx.report_diagnostic(d),
        }
    }

    fn check_try(&self, site: &TrySite<'_>, cx: &mut RuleCx<'_, '_>) {
        let model = cx.model();
        let Some(handler) = &site.node.handler else {
            return;
        };
        if !handler.body.stmts.is_empty()
            || model.has_comment_within(handler.body.span)
            || model.has_trailing_comment(handler.body.span)
            || model.has_leading_comment(site.node.span)
        {
            return;
        }
        // A cleanup attempt on an error path: the error being handled is the one that counts.
        if site.in_catch || model.is_minified() {
            return;
        }
        let block = &site.node.block.stmts;
        if block.iter().all(|s| best_effort_stmt(model, s))
            || block
                .iter()
                .all(|s| awaits_shared_promise(model, s, site.func))
        {
            return;
        }
        let shape = try_shape(model, block);
        if !shape.io || shape.produces {
            return;
        }
        if site
            .func
            .is_some_and(|f| in_test_hook(model, f) || in_logging_helper(model, f))
        {
            return;
        }
        cx.report(
            handler.span,
            "This `catch` block is empty, so any error from the `try` above disappears: nothing logs it, rethrows it or falls back.",
        )
        .help(HELP)
        .related(site.node.block.span, "errors thrown here are dropped");
    }
}

/// Teardown whose failure changes nothing worth knowing: the thing is gone or going anyway
/// (a temporary file, a socket, a timer, a test record), or it is an idempotent delete.
const TEARDOWN: &[&str] = &[
    "unlink",
    "rm",
    "rmdir",
    "close",
    "destroy",
    "dispose",
    "end",
    "kill",
    "quit",
    "disconnect",
    "terminate",
    "abort",
    "clear",
    "cleanup",
    "clean",
    "teardown",
    "remove",
    "delete",
    "unsubscribe",
    "unregister",
    "cancel",
    "unwatch",
    "truncate",
    "unref",
    "release",
    "stop",
    "shutdown",
    "off",
    "drop",
];

/// Side channels whose own failure must not break the caller: logging, metrics, notifications.
const SIDE_CHANNEL: &[&str] = &[
    "log",
    "track",
    "notify",
    "report",
    "emit",
    "publish",
    "ping",
    "warn",
    "debug",
    "info",
    "trace",
    "capture",
    "send",
    "flush",
    "beacon",
    "analytics",
    "metric",
    // Media playback: browsers reject `play()` under their autoplay rules, routinely.
    "play",
];

/// Probes whose failure means "not there" and whose caller keeps a default: parsing,
/// optional `require`, URL and locale formatting.
const PROBE: &[&str] = &[
    "parse",
    "require",
    "decodeURIComponent",
    "decodeURI",
    "atob",
    "toLocaleString",
    "toLocaleDateString",
    "toLocaleTimeString",
    "toISOString",
    "resolve",
    "readFileSync",
    "statSync",
    "accessSync",
    "existsSync",
    "realpathSync",
    "readlinkSync",
];

/// The last name of what a call invokes (`fs.promises.unlink` → `unlink`).
fn last_name(call: &CallExpr) -> Option<&str> {
    let Callee::Expr(callee) = &call.callee else {
        return match &call.callee {
            Callee::Import(_) => Some("require"),
            _ => None,
        };
    };
    match unwrap_expr(callee) {
        Expr::Ident(id) => Some(&id.sym),
        Expr::Member(m) => member_name(&m.prop),
        _ => None,
    }
}

/// A readable label for the call a promise chain starts from (`redis.quit` for
/// `redis.quit().then(…)`).
fn callee_label(call: &CallExpr) -> Option<String> {
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    if let Expr::Member(m) = unwrap_expr(callee) {
        if matches!(member_name(&m.prop), Some("then" | "finally" | "catch")) {
            if let Expr::Call(inner) = unwrap_expr(&m.obj) {
                return callee_label(inner);
            }
        }
    }
    Some(nodepit_semantic::expr_label(callee))
}

/// Whether a name starts with one of `words`, at a word boundary (`removeUser`, `unlinkSync`,
/// `clearTimeout`; not `endpoint` or `offer`).
fn starts_with_word(name: &str, words: &[&str]) -> bool {
    words.iter().any(|w| {
        name.get(..w.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(w))
            && name[w.len()..]
                .chars()
                .next()
                .is_none_or(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
    })
}

/// Whether a call is teardown or a side channel, through a chain (`client.quit().then(…)`
/// is judged by `quit`).
fn best_effort_call(model: &Model<'_>, call: &CallExpr) -> bool {
    let mut call = call;
    loop {
        let Some(name) = last_name(call) else {
            return false;
        };
        if !matches!(name, "then" | "finally" | "catch" | "call" | "apply") {
            return best_effort_word(name);
        }
        let Callee::Expr(callee) = &call.callee else {
            return false;
        };
        let Expr::Member(m) = unwrap_expr(callee) else {
            return false;
        };
        match unwrap_expr(&m.obj) {
            Expr::Call(inner) => call = inner,
            other => return model.qual(other).is_some_and(|q| is_best_effort_name(&q)),
        }
    }
}

/// `this.channel?.close()` or `conn.close?.()`: an optional call of a teardown or side channel.
fn best_effort_opt_call(o: &swc_ecma_ast::OptChainExpr) -> bool {
    let swc_ecma_ast::OptChainBase::Call(c) = &*o.base else {
        return false;
    };
    let name = match unwrap_expr(&c.callee) {
        Expr::Member(m) => member_name(&m.prop),
        Expr::OptChain(inner) => match &*inner.base {
            swc_ecma_ast::OptChainBase::Member(m) => member_name(&m.prop),
            swc_ecma_ast::OptChainBase::Call(_) => None,
        },
        _ => None,
    };
    name.is_some_and(best_effort_word)
}

/// `await work().catch((err) => logger.warn(err))`: the call's own handler deals with the
/// failure, so an empty `catch` around it has nothing left to swallow.
fn handled_here(model: &Model<'_>, c: &CallExpr) -> bool {
    let Callee::Expr(callee) = &c.callee else {
        return false;
    };
    matches!(unwrap_expr(callee), Expr::Member(m) if member_name(&m.prop) == Some("catch"))
        && c.args.len() == 1
        && !model.is_noop(&c.args[0].expr, None)
}

/// A promise whose rejection someone else sees already, so `.catch(noop)` only keeps the copy
/// from crashing the process: `stream.pipeline` destroys every stream it joins with the error
/// (whoever reads them gets it), and the async runners React hooks return keep the error in
/// state for the component to show (`const { runAsync } = useAsync()`, `mutation.mutateAsync`).
fn observed_elsewhere(model: &Model<'_>, call: &CallExpr) -> bool {
    // The start of a chain: `runAsync(p).then(ok)` is judged by `runAsync`.
    let mut call = call;
    while let Callee::Expr(callee) = &call.callee {
        match unwrap_expr(callee) {
            Expr::Member(m) if matches!(member_name(&m.prop), Some("then" | "finally")) => {
                match unwrap_expr(&m.obj) {
                    Expr::Call(inner) => call = inner,
                    _ => break,
                }
            }
            _ => break,
        }
    }
    if model.callee_qual(call).is_some_and(|q| {
        matches!(
            q.as_str(),
            "stream.pipeline" | "stream.promises.pipeline" | "stream/promises.pipeline"
        )
    }) {
        return true;
    }
    let Callee::Expr(callee) = &call.callee else {
        return false;
    };
    let root = match unwrap_expr(callee) {
        Expr::Member(m) => unwrap_expr(&m.obj),
        e => e,
    };
    let Expr::Ident(id) = root else { return false };
    // `const { runAsync } = useAsync()` or `const mutation = useMutation(…)`.
    let Some(binding) = model.binding(id).filter(|b| !b.reassigned) else {
        return false;
    };
    let BindingKind::Var {
        init: Some(init), ..
    } = &binding.kind
    else {
        return false;
    };
    let Expr::Call(c) = unwrap_expr(init) else {
        return false;
    };
    let Callee::Expr(hook) = &c.callee else {
        return false;
    };
    let hook = callee_name(hook)
        .unwrap_or("")
        .strip_prefix("use")
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()));
    // Destructured, the component must take the error state too (`{ runAsync, isError }`).
    let whole = matches!(&binding.kind, BindingKind::Var { path, .. } if path.is_empty());
    hook && (whole
        || model.destructured_with(id).iter().any(|n| {
            let n = n.to_ascii_lowercase();
            n.contains("error") || n == "status"
        }))
}

fn is_best_effort_name(q: &str) -> bool {
    let last = q.rsplit('.').next().unwrap_or(q);
    best_effort_word(last)
}

/// A teardown or side-channel name: one that starts with such a word, or a logger named by
/// what it writes (`userLog`, `writeTrace`, `sendMetrics`; not `fetchLogs`, which reads).
fn best_effort_word(name: &str) -> bool {
    starts_with_word(name, TEARDOWN)
        || starts_with_word(name, SIDE_CHANNEL)
        || ["Log", "Logs", "Trace", "Metric", "Metrics", "Telemetry"]
            .iter()
            .any(|tail| name.len() > tail.len() && name.ends_with(tail))
            && !starts_with_word(name, &["get", "fetch", "load", "read", "list", "find"])
}

/// Whether a call probes for something whose absence the caller accepts.
fn probe_call(call: &CallExpr) -> bool {
    last_name(call).is_some_and(|n| PROBE.contains(&n) || n.ends_with("Parse"))
}

/// Whether an expression is a probe: a probing call, `new URL(…)`, `new Intl.*(…)`, or either
/// behind `await` or a property read.
fn probe_expr(model: &Model<'_>, e: &Expr) -> bool {
    match unwrap_expr(e) {
        Expr::Call(c) => {
            probe_call(c)
                || match &c.callee {
                    // `new Intl.NumberFormat(…).format(x)`, `JSON.parse(s).items`.
                    Callee::Expr(callee) => match unwrap_expr(callee) {
                        Expr::Member(m) => probe_expr(model, &m.obj),
                        _ => false,
                    },
                    _ => false,
                }
        }
        Expr::New(n) => model
            .qual(&n.callee)
            .is_some_and(|q| q == "URL" || q.starts_with("Intl.")),
        Expr::Await(a) => probe_expr(model, &a.arg),
        Expr::Member(m) => probe_expr(model, &m.obj),
        Expr::OptChain(o) => match &*o.base {
            swc_ecma_ast::OptChainBase::Member(m) => probe_expr(model, &m.obj),
            swc_ecma_ast::OptChainBase::Call(c) => probe_expr(model, &c.callee),
        },
        _ => false,
    }
}

/// Whether a call wraps a promise that already exists (`Promise.resolve(p).catch(noop)`), so
/// whoever holds `p` still sees its failure.
fn marks_existing(model: &Model<'_>, call: &CallExpr) -> bool {
    model.callee_qual(call).as_deref() == Some("Promise.resolve")
        && call
            .args
            .first()
            .is_some_and(|a| matches!(unwrap_expr(&a.expr), Expr::Ident(_) | Expr::Member(_)))
}

/// `await pending;` on a promise kept outside this call (a field, or a variable of an outer
/// function that is replaced as work starts and ends): its maker awaits it and sees the
/// failure, so an empty `catch` only stops this waiter, as `pending.catch(noop)` does.
fn awaits_shared_promise(model: &Model<'_>, s: &Stmt, func: Option<FnId>) -> bool {
    let Stmt::Expr(e) = s else { return false };
    let Expr::Await(a) = unwrap_expr(&e.expr) else {
        return false;
    };
    match unwrap_expr(&a.arg) {
        Expr::Member(m) => matches!(unwrap_expr(&m.obj), Expr::This(_)),
        Expr::Ident(i) => model.binding(i).is_some_and(|b| {
            b.reassigned
                && matches!((&b.kind, func), (BindingKind::Var { init: Some(init), .. }, Some(f))
                    if !model.function(f).span.contains(init.span()))
        }),
        _ => false,
    }
}

/// What a `try` block does, as far as an empty `catch` after it matters.
#[derive(Default)]
struct TryShape {
    /// It waits for I/O (an `await` outside nested functions) or writes files synchronously.
    io: bool,
    /// It hands a result out: a `return`, `break` or `continue`, or a write to a variable,
    /// property or collection that lives on after the block. The code after an empty `catch`
    /// then runs with the default it prepared: a fallback, not a lost failure.
    produces: bool,
}

/// Reads the shape of a `try` block, without entering nested functions. Synchronous parsing,
/// formatting and lookups in an empty `catch` are probes: failure means "not this one".
fn try_shape(model: &Model<'_>, stmts: &[Stmt]) -> TryShape {
    struct Finder<'m, 'a> {
        model: &'m Model<'a>,
        shape: TryShape,
        declared: Vec<swc_ecma_ast::Id>,
        /// Roots of written places (`None` for `this`).
        written: Vec<Option<swc_ecma_ast::Id>>,
    }
    impl Finder<'_, '_> {
        fn root(&mut self, e: &Expr) {
            match unwrap_expr(e) {
                Expr::Ident(i) => self.written.push(Some(i.to_id())),
                Expr::This(_) => self.written.push(None),
                Expr::Member(m) => self.root(&m.obj),
                _ => {}
            }
        }
    }
    impl Visit for Finder<'_, '_> {
        fn visit_function(&mut self, _: &swc_ecma_ast::Function) {}
        fn visit_arrow_expr(&mut self, _: &swc_ecma_ast::ArrowExpr) {}
        fn visit_class(&mut self, _: &swc_ecma_ast::Class) {}
        fn visit_await_expr(&mut self, n: &swc_ecma_ast::AwaitExpr) {
            self.shape.io = true;
            n.visit_children_with(self);
        }
        fn visit_for_of_stmt(&mut self, n: &swc_ecma_ast::ForOfStmt) {
            self.shape.io |= n.is_await;
            n.visit_children_with(self);
        }
        fn visit_return_stmt(&mut self, n: &swc_ecma_ast::ReturnStmt) {
            self.shape.produces = true;
            n.visit_children_with(self);
        }
        fn visit_break_stmt(&mut self, _: &swc_ecma_ast::BreakStmt) {
            self.shape.produces = true;
        }
        fn visit_continue_stmt(&mut self, _: &swc_ecma_ast::ContinueStmt) {
            self.shape.produces = true;
        }
        fn visit_var_declarator(&mut self, n: &swc_ecma_ast::VarDeclarator) {
            let mut ids: Vec<swc_ecma_ast::Id> = Vec::new();
            collect_ids(&n.name, &mut ids);
            self.declared.extend(ids);
            n.visit_children_with(self);
        }
        fn visit_assign_expr(&mut self, n: &swc_ecma_ast::AssignExpr) {
            match &n.left {
                AssignTarget::Simple(SimpleAssignTarget::Ident(b)) => {
                    self.written.push(Some(b.id.to_id()))
                }
                AssignTarget::Simple(SimpleAssignTarget::Member(m)) => self.root(&m.obj),
                // A destructuring write: assume it reaches outside.
                _ => self.written.push(None),
            }
            n.visit_children_with(self);
        }
        fn visit_call_expr(&mut self, n: &CallExpr) {
            let write = self.model.callee_qual(n).is_some_and(|q| {
                q.strip_prefix("fs.").is_some_and(|f| {
                    matches!(
                        f,
                        "writeFileSync"
                            | "appendFileSync"
                            | "renameSync"
                            | "copyFileSync"
                            | "mkdirSync"
                            | "writeSync"
                            | "fsyncSync"
                    )
                })
            });
            self.shape.io |= write;
            // Filling a collection that outlives the block (`keys.push(key)`).
            if let Callee::Expr(callee) = &n.callee {
                if let Expr::Member(m) = unwrap_expr(callee) {
                    if matches!(
                        member_name(&m.prop),
                        Some("push" | "unshift" | "add" | "set" | "splice")
                    ) {
                        self.root(&m.obj);
                    }
                }
            }
            n.visit_children_with(self);
        }
    }
    let mut finder = Finder {
        model,
        shape: TryShape::default(),
        declared: Vec::new(),
        written: Vec::new(),
    };
    for s in stmts {
        s.visit_with(&mut finder);
    }
    let Finder {
        mut shape,
        declared,
        written,
        ..
    } = finder;
    shape.produces |= written
        .iter()
        .any(|w| w.as_ref().is_none_or(|id| !declared.contains(id)));
    shape
}

fn collect_ids(p: &swc_ecma_ast::Pat, out: &mut Vec<swc_ecma_ast::Id>) {
    use swc_ecma_ast::{ObjectPatProp, Pat};
    match p {
        Pat::Ident(b) => out.push(b.id.to_id()),
        Pat::Assign(a) => collect_ids(&a.left, out),
        Pat::Rest(r) => collect_ids(&r.arg, out),
        Pat::Array(a) => a.elems.iter().flatten().for_each(|e| collect_ids(e, out)),
        Pat::Object(o) => o.props.iter().for_each(|p| match p {
            ObjectPatProp::KeyValue(kv) => collect_ids(&kv.value, out),
            ObjectPatProp::Assign(a) => out.push(a.key.id.to_id()),
            ObjectPatProp::Rest(r) => collect_ids(&r.arg, out),
        }),
        Pat::Expr(_) | Pat::Invalid(_) => {}
    }
}

/// Whether a statement of a `try` block is best effort: teardown, a side channel, or a probe
/// whose result is assigned to a variable that keeps its default otherwise, or returned.
fn best_effort_stmt(model: &Model<'_>, s: &Stmt) -> bool {
    match s {
        Stmt::Expr(e) => match unwrap_expr(&e.expr) {
            Expr::Call(c) => best_effort_call(model, c) || ensures_dir(c),
            Expr::OptChain(o) => best_effort_opt_call(o),
            Expr::Await(a) => match unwrap_expr(&a.arg) {
                Expr::Call(c) => {
                    best_effort_call(model, c) || handled_here(model, c) || ensures_dir(c)
                }
                Expr::OptChain(o) => best_effort_opt_call(o),
                _ => false,
            },
            Expr::Assign(a) => {
                matches!(
                    &a.left,
                    AssignTarget::Simple(
                        SimpleAssignTarget::Ident(_) | SimpleAssignTarget::Member(_)
                    )
                ) && probe_expr(model, &a.right)
            }
            _ => false,
        },
        Stmt::Return(r) => r.arg.as_deref().is_some_and(|e| probe_expr(model, e)),
        // `if (browser.isConnected()) await browser.close();`
        Stmt::If(i) => {
            let all = |s: &Stmt| match s {
                Stmt::Block(b) => {
                    !b.stmts.is_empty() && b.stmts.iter().all(|s| best_effort_stmt(model, s))
                }
                s => best_effort_stmt(model, s),
            };
            all(&i.cons) && i.alt.as_deref().is_none_or(all)
        }
        _ => false,
    }
}

/// `fs.mkdirSync(dir, { recursive: true })`: it fails only when the folder cannot be made at
/// all, and then the write into it that follows fails too, where the caller sees it.
fn ensures_dir(c: &CallExpr) -> bool {
    let recursive = || {
        c.args.get(1).is_some_and(|a| {
            let Expr::Object(o) = unwrap_expr(&a.expr) else {
                return false;
            };
            o.props.iter().any(|p| {
                let swc_ecma_ast::PropOrSpread::Prop(p) = p else {
                    return false;
                };
                let swc_ecma_ast::Prop::KeyValue(kv) = &**p else {
                    return false;
                };
                let key = match &kv.key {
                    swc_ecma_ast::PropName::Ident(k) => &*k.sym,
                    _ => return false,
                };
                // Expo's `FileSystem.makeDirectoryAsync` calls it `intermediates`.
                matches!(key, "recursive" | "intermediates")
                    && matches!(unwrap_expr(&kv.value), Expr::Lit(swc_ecma_ast::Lit::Bool(b)) if b.value)
            })
        })
    };
    match last_name(c) {
        Some("mkdir" | "mkdirSync" | "makeDirectoryAsync") => recursive(),
        Some("mkdirp" | "ensureDir" | "ensureDirSync") => true,
        _ => false,
    }
}

/// Whether a function runs in a test or its setup and teardown hooks, where cleanup of what may
/// not exist is the norm and a call expected to fail is often silenced on purpose (a wrong
/// password, a cloud function that throws) before the test checks what it left behind.
fn in_test_hook(model: &Model<'_>, f: FnId) -> bool {
    model.ancestors(f).any(|g| {
        let Some((ci, _)) = model.function(g).passed_to else {
            return false;
        };
        let call = model.calls()[ci as usize].node;
        // Globals, or imported from a test framework (`@jest/globals.afterAll`), also through
        // modifiers and curried helpers (`it.only`, `test.each(rows)`, `it_id('…')(it)`).
        model
            .callee_qual(call)
            .is_some_and(|q| q.split('.').any(is_test_function))
            || match &call.callee {
                Callee::Expr(callee) => names_test_function(callee, 0),
                _ => false,
            }
    })
}

fn is_test_function(name: &str) -> bool {
    matches!(
        name,
        "afterAll"
            | "afterEach"
            | "after"
            | "beforeAll"
            | "beforeEach"
            | "before"
            | "it"
            | "test"
            | "specify"
            | "fit"
            | "xit"
            | "xtest"
    )
}

/// Whether a callee is, or is built from, a test function: `it.only`, `test.each([…])`,
/// `it_id('…')(it)`.
fn names_test_function(e: &Expr, depth: u32) -> bool {
    if depth > 4 {
        return false;
    }
    match unwrap_expr(e) {
        Expr::Ident(id) => is_test_function(&id.sym),
        Expr::Member(m) => names_test_function(&m.obj, depth + 1),
        Expr::Call(c) => matches!(&c.callee, Callee::Expr(inner) if names_test_function(inner, depth + 1))
            || c.args.iter().any(
                |a| matches!(unwrap_expr(&a.expr), Expr::Ident(id) if is_test_function(&id.sym)),
            ),
        _ => false,
    }
}

/// The name of the nearest named function around `f` (an arrow inside `writeLog` is in it).
fn enclosing_name(model: &Model<'_>, f: FnId) -> Option<nodepit_semantic::summary::Atom> {
    model
        .ancestors(f)
        .find_map(|g| model.function(g).name.clone())
}

/// Whether the code sits in a logging or telemetry helper (`mainDiag`, `writeLog`,
/// `sendTelemetry`): a logger must not throw at its caller, so dropping its own failure is the
/// design there.
fn in_logging_helper(model: &Model<'_>, f: FnId) -> bool {
    let Some(name) = enclosing_name(model, f) else {
        return false;
    };
    let logging = camel_words(&name).any(|w| {
        matches!(
            w.to_ascii_lowercase().as_str(),
            "log" | "logs" | "logger" | "diag" | "telemetry" | "metric" | "metrics"
        )
    });
    logging
}

/// Whether a `.catch(noop)` sits in a beacon or a teardown by the enclosing function's name
/// (`sendEvents`, `forceCloseTransport`): a fire-and-forget request there fails with nobody
/// to act on it. (Not for a `try`: a `sendDomainInfo` may do real work before it sends.)
fn in_best_effort_helper(model: &Model<'_>, f: FnId) -> bool {
    let Some(name) = enclosing_name(model, f) else {
        return false;
    };
    // `_track`: a private helper's name says the same.
    let best_effort = camel_words(name.trim_start_matches('_'))
        .enumerate()
        .any(|(i, w)| {
            let w = w.to_ascii_lowercase();
            (i == 0 && matches!(w.as_str(), "send" | "track" | "beacon" | "ping" | "report"))
                || matches!(
                    w.as_str(),
                    "close"
                        | "disconnect"
                        | "destroy"
                        | "teardown"
                        | "cleanup"
                        | "shutdown"
                        | "unload"
                )
        });
    best_effort
}

/// The words of a camelCase or snake_case name.
fn camel_words(name: &str) -> impl Iterator<Item = &str> {
    let mut starts = vec![0];
    let bytes = name.as_bytes();
    for i in 1..bytes.len() {
        let boundary = bytes[i] == b'_'
            || (bytes[i].is_ascii_uppercase() && !bytes[i - 1].is_ascii_uppercase());
        if boundary {
            starts.push(i);
        }
    }
    starts.push(bytes.len());
    (0..starts.len() - 1)
        .map(move |k| name[starts[k]..starts[k + 1]].trim_matches('_'))
        .filter(|w| !w.is_empty())
}
