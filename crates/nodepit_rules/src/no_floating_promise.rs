use crate::quiet;
use nodepit_analyzer::{
    declare_rule, Answer, Diagnostic, Edit, Fix, Node, NodeKind, Question, Rule, RuleCx,
};
use nodepit_semantic::{
    expr_label, is_nullish, member_name, unwrap_expr, BindingKind, FnId, Model,
};
use serde::Deserialize;
use swc_ecma_ast::{BinaryOp, CallExpr, Callee, Expr};

/// Flags expression statements whose promise nobody awaits, returns or handles.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoFloatingPromise {
    /// Callees, written as at the call (`logger.flush`), whose promises may float.
    #[serde(default)]
    allow: Vec<String>,
}

declare_rule!(NoFloatingPromise, "no-floating-promise", Error, fix: true);

impl Rule for NoFloatingPromise {
    fn kinds(&self) -> &'static [NodeKind] {
        &[NodeKind::ExprStmt]
    }

    // A floating promise comes from an async function, a `.then`, a `Promise`, a promise API
    // (`fs/promises` and the other `*.promises`, `util.promisify`, `fetch`, undici, `events.once`)
    // or a function returning one of those; each is spelled with one of these.
    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["async", "then", "romis", "fetch", "undici", "events"])
    }

    fn check(&self, node: Node<'_, '_>, cx: &mut RuleCx<'_, '_>) {
        let Node::ExprStmt(site) = node else { return };
        // A minified bundle is a vendored build, not code anyone edits: a finding there has no
        // fix to make.
        if cx.model().is_minified() {
            return;
        }
        self.check_expr(&site.node.expr, site.func, cx);
    }
}

impl NoFloatingPromise {
    fn check_expr(&self, e: &Expr, scope: Option<FnId>, cx: &mut RuleCx<'_, '_>) {
        let model = cx.model();
        match unwrap_expr(e) {
            Expr::Seq(s) => s.exprs.iter().for_each(|e| self.check_expr(e, scope, cx)),
            Expr::Cond(c) => {
                self.check_expr(&c.cons, scope, cx);
                self.check_expr(&c.alt, scope, cx);
            }
            Expr::Bin(b)
                if matches!(
                    b.op,
                    BinaryOp::LogicalAnd | BinaryOp::LogicalOr | BinaryOp::NullishCoalescing
                ) =>
            {
                self.check_expr(&b.right, scope, cx)
            }
            Expr::Call(c) => {
                let in_async = scope.is_some_and(|f| model.function(f).is_async);
                let range = model.range(c.span);
                if let Some(what) = self.unhandled(model, c, scope) {
                    let d = finding(&what, range, in_async);
                    // An async helper of this file that only waits for functions of other
                    // modules (`await System.keys()`): it rejects only if one of them can, and
                    // a wrapper that catches everything cannot.
                    if let Some(targets) = quiet::call_rejects_through(cx, model, c, scope) {
                        cx.ask(Question::Here, move |answer, project| match answer {
                            Answer::Here(file) if quiet::any_loud(&targets, file, project) => {
                                Some(d)
                            }
                            _ => None,
                        });
                        return;
                    }
                    let mut report = cx
                        .report(c.span, d.message)
                        .help(d.help.unwrap_or_default());
                    for fix in d.fixes {
                        report = report.fix(fix);
                    }
                } else if let Some((question, what)) = self.ask_other_file(cx, c, scope) {
                    // A function of another module of the project: its file says whether it
                    // returns a promise that can reject.
                    cx.ask(question, move |answer, _| match answer {
                        Answer::Callee(f)
                            if f.returns_promise && !f.cannot_reject && !fire_and_forget(f) =>
                        {
                            Some(finding(&what, range, in_async))
                        }
                        _ => None,
                    });
                }
            }
            Expr::New(n)
                if model.is_promise(e, scope) && !model.promise_cannot_reject(e, scope) =>
            {
                cx.report(n.span, "This `new Promise(…)` is neither awaited nor stored, so its rejection is unhandled.")
                    .help("`await` it, return it, or chain `.catch(...)`.");
            }
            _ => {}
        }
    }

    /// The question to ask the project about a call of another module's function whose result
    /// is dropped, with the call's label.
    fn ask_other_file(
        &self,
        cx: &RuleCx<'_, '_>,
        call: &CallExpr,
        scope: Option<FnId>,
    ) -> Option<(Question, String)> {
        let model = cx.model();
        let Callee::Expr(callee) = &call.callee else {
            return None;
        };
        let callee = unwrap_expr(callee);
        if let Expr::Member(m) = callee {
            match member_name(&m.prop) {
                // `finally` passes the receiver's rejection on: the inner call decides.
                Some("finally") => {
                    let Expr::Call(inner) = unwrap_expr(&m.obj) else {
                        return None;
                    };
                    let (question, _) = self.ask_other_file(cx, inner, scope)?;
                    return Some((question, expr_label(callee)));
                }
                Some("then" | "catch") => return None,
                _ => {}
            }
        }
        // An event or hook dispatch (`plugins.hooks.fire(`action:post.${type}`, …)`): such
        // dispatchers run listeners for their side effects and, by convention, keep a
        // listener's failure from the caller.
        if let Expr::Member(m) = callee {
            let dispatch = matches!(
                member_name(&m.prop),
                Some("fire" | "emit" | "trigger" | "dispatch" | "publish" | "broadcast")
            );
            if dispatch && !call.args.is_empty() {
                return None;
            }
        }
        // Cheap and decisive for most calls: only a function of another project file counts.
        let (specifier, path, new_at) = model.ext_path_in(callee, scope)?;
        if !cx.is_project_module(&specifier) || model.call_returns_promise(call, scope) {
            return None;
        }
        // A function last in the arguments is a completion callback: the function supports
        // both styles (NodeBB's `batch.processSortedSet(key, fn, opts, done)`, etherpad's
        // `aCallFirst(hook, ctx, cb)`), and the callback gets the error.
        // So is an error-first callback anywhere (`aCallFirst(hook, ctx, (err, r) => …, pred)`).
        let error_first = call.args.iter().any(|a| {
            model
                .fn_of_expr(&a.expr, scope)
                .and_then(|f| model.function(f).node.param_name(0))
                .is_some_and(|p| matches!(p, "err" | "error" | "e" | "er"))
        });
        if error_first
            || call
                .args
                .last()
                .is_some_and(|a| is_callback(model, &a.expr, scope))
        {
            return None;
        }
        let label = expr_label(callee);
        if self.allowed(&label) {
            return None;
        }
        let question = Question::Callee {
            specifier,
            path,
            new_at,
        };
        Some((question, label))
    }

    fn allowed(&self, label: &str) -> bool {
        self.allow
            .iter()
            .any(|a| label == a || label.ends_with(&format!(".{a}")))
    }

    /// The label of an unhandled promise-returning call, or `None` when it is handled or not a promise.
    fn unhandled(&self, model: &Model<'_>, call: &CallExpr, scope: Option<FnId>) -> Option<String> {
        let Callee::Expr(callee) = &call.callee else {
            return None;
        };
        let callee = unwrap_expr(callee);
        if let Expr::Member(m) = callee {
            match member_name(&m.prop) {
                Some("catch") if call.args.first().is_some_and(|a| !is_nullish(&a.expr)) => {
                    return None
                }
                Some("then") if call.args.get(1).is_some_and(|a| !is_nullish(&a.expr)) => {
                    return None
                }
                // `.then(onFulfilled)` on a receiver nodepit cannot see is taken for a promise
                // (the receiver's rejection, or the callback's own throw, goes unhandled),
                // unless it is a test driver's or jQuery's thenable, which is not one.
                Some("then") if !call.args.is_empty() => {
                    if !model.is_promise(&m.obj, scope) && model.is_foreign_thenable(&m.obj) {
                        return None;
                    }
                    if model.call_cannot_reject(call, scope) {
                        return None;
                    }
                    return Some(expr_label(callee));
                }
                Some("finally") => {
                    // `finally` passes the receiver's outcome through: handled iff the receiver is.
                    return match unwrap_expr(&m.obj) {
                        Expr::Call(inner) => self
                            .unhandled(model, inner, scope)
                            .map(|_| expr_label(callee)),
                        other => (model.is_promise(other, scope)
                            && !model.promise_cannot_reject(other, scope))
                        .then(|| expr_label(callee)),
                    };
                }
                _ => {}
            }
        }
        if !model.call_returns_promise(call, scope) {
            return None;
        }
        if model.call_cannot_reject(call, scope) {
            return None;
        }
        if model
            .qual(callee)
            .is_some_and(|q| q == "test" || q.starts_with("test."))
        {
            // node:test's describe/it/test report their own failures.
            return None;
        }
        let label = expr_label(callee);
        if self.allowed(&label) {
            return None;
        }
        Some(label)
    }
}

/// Whether the project treats a function as fire-and-forget by design: most of its calls
/// across files drop the result (NodeBB's `plugins.hooks.fire('action:…')`, whose listeners'
/// errors are caught inside). A call that drops the promise of a function the rest of the
/// project awaits is the likely slip, and stays reported.
fn fire_and_forget(f: &nodepit_analyzer::project::CalleeFacts) -> bool {
    f.calls >= 4 && f.dropped * 2 > f.calls
}

/// Whether an argument is a function: a literal, a function of this file, or a parameter passed
/// on (`build(targets, callback)`).
fn is_callback(model: &Model<'_>, e: &Expr, scope: Option<FnId>) -> bool {
    if model.fn_of_expr(e, scope).is_some() {
        return true;
    }
    match unwrap_expr(e) {
        Expr::Ident(id) => {
            matches!(
                model.binding(id).map(|b| &b.kind),
                Some(BindingKind::Param { .. })
            ) && matches!(
                &*id.sym,
                "cb" | "callback" | "done" | "next" | "fn" | "callbackFn"
            )
        }
        _ => false,
    }
}

/// The finding for a dropped promise from `what` at `range`: message, help and fixes (`await`
/// first inside an async function, where the caller's error handling then sees the failure).
fn finding(what: &str, range: std::ops::Range<usize>, in_async: bool) -> Diagnostic {
    let help = if in_async {
        "`await` it, or chain `.catch(...)` if it is meant to run in the background."
    } else {
        "Chain `.catch(...)` to handle the rejection, or `await` it from an async function."
    };
    let mut d = Diagnostic::new(
        NoFloatingPromise::META.id,
        NoFloatingPromise::META.severity,
        range.clone(),
        format!("The promise from `{what}` is never awaited, returned or given a rejection handler, so a failure becomes an unhandled rejection."),
    );
    d.help = Some(help.to_string());
    if in_async {
        d.fixes.push(Fix {
            message: format!("Add `await` before `{what}`"),
            edits: vec![Edit {
                range: range.start..range.start,
                text: "await ".to_string(),
            }],
            safe: true,
        });
    }
    d.fixes.push(Fix {
        message: "Handle the rejection with `.catch(...)`".to_string(),
        edits: vec![Edit {
            range: range.end..range.end,
            text: ".catch((error) => console.error(error))".to_string(),
        }],
        safe: false,
    });
    d
}
