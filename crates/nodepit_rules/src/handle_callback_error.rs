use nodepit_analyzer::{declare_rule, Edit, Fix, Node, NodeKind, Rule, RuleCx};
use nodepit_semantic::{
    callee_name, expr_mentions, member_name, method_call, unwrap_expr, BindingKind, FnId, Model,
};
use serde::Deserialize;
use swc_common::{Span, Spanned};
use swc_ecma_ast::{BinaryOp, CallExpr, Callee, Expr, Id, Lit, Stmt, UnaryOp};
use swc_ecma_visit::{Visit, VisitWith};

/// Flags error-first callbacks that never read their error, and ones that forward it
/// (`if (err) next(err);`) but then carry on down the success path.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandleCallbackError {}

declare_rule!(HandleCallbackError, "handle-callback-error", Warning, fix: true);

/// Methods of database, cache and auth clients whose last argument is an error-first callback
/// (`db.get(sql, (err, row) => …)`, `redis.get(key, …)`, `bcrypt.compare(…)`).
const DRIVER_METHODS: &[&str] = &[
    "get",
    "all",
    "run",
    "each",
    "exec",
    "query",
    "execute",
    "find",
    "findOne",
    "findById",
    "toArray",
    "count",
    "insert",
    "insertOne",
    "insertMany",
    "update",
    "updateOne",
    "updateMany",
    "deleteOne",
    "deleteMany",
    "remove",
    "save",
    "aggregate",
    "hget",
    "hgetall",
    "hset",
    "hmset",
    "set",
    "setex",
    "del",
    "incr",
    "expire",
    "mget",
    "lpush",
    "rpush",
    "lrange",
    "sadd",
    "smembers",
    "zadd",
    "zrange",
    "verify",
    "sign",
    "compare",
    "hash",
    "genSalt",
    "getConnection",
    "beginTransaction",
    "commit",
    "rollback",
];

/// Calls whose function argument is an event listener or a promise reaction, never an
/// error-first callback.
const LISTENER_METHODS: &[&str] = &[
    "on",
    "once",
    "addListener",
    "prependListener",
    "prependOnceListener",
    "then",
    "catch",
    "finally",
    "subscribe",
];

impl Rule for HandleCallbackError {
    fn kinds(&self) -> &'static [NodeKind] {
        &[NodeKind::Call]
    }

    fn check(&self, node: Node<'_, '_>, cx: &mut RuleCx<'_, '_>) {
        let Node::Call(site) = node else { return };
        let model = cx.model();
        let call = site.node;
        if model.is_minified() {
            return;
        }
        // Error-first callbacks come last.
        let Some(last) = call.args.last().filter(|a| a.spread.is_none()) else {
            return;
        };
        if !matches!(unwrap_expr(&last.expr), Expr::Arrow(_) | Expr::Fn(_)) {
            return;
        }
        let Some(f) = model.fn_of_expr(&last.expr, site.func) else {
            return;
        };
        if method_call(call).is_some_and(|(_, m)| LISTENER_METHODS.contains(&m)) {
            return;
        }
        let Some(evidence) = error_first(model, call, site.func, f) else {
            return;
        };
        // Removing what may already be gone (`fs.unlink(tmp, () => …)`, often before writing
        // the file again) may ignore its error: it is mostly ENOENT, and a failure leaves a
        // file behind rather than a wrong result, as no-swallowed-error treats teardown.
        let removal = matches!(&evidence, Evidence::Core(q)
            if matches!(q.as_str(), "fs.unlink" | "fs.rm" | "fs.rmdir"));
        // In a test a missing result fails the test anyway; the error adds little there.
        if in_test(model, f) {
            return;
        }
        let params = model.function(f).node.params();
        let Some(err) = model.param_id(f, 0) else {
            // A callback that declares no parameter at all cannot see the error; worth saying
            // only where the API is certain to pass one and the callback does real work.
            if params.is_empty() && !removal {
                if let Evidence::Core(q) = &evidence {
                    if !body_is_trivial(model, f) {
                        cx.report(model.function(f).span, format!("This callback of `{q}` takes no parameters, so the error `{q}` passes first is never looked at and the code carries on as if it succeeded."))
                            .help("Take the error as the first parameter and handle it first: `(err, …) => { if (err) return …; … }`.");
                    }
                }
            }
            return;
        };
        if err.0.starts_with('_') {
            return;
        }
        if !model.fn_mentions(f, &err) {
            if removal || body_is_trivial(model, f) || result_is_guarded(model, f) {
                return;
            }
            let what = evidence.describe();
            let Some(p) = params.first() else { return };
            cx.report(p.span(), format!("The error `{}` that {what} passes first is never read, so a failure goes unnoticed and the code carries on with missing results.", err.0))
                .help(format!("Check `{}` first and stop there: `if ({}) return callback({});` (or handle it), before using the results.", err.0, err.0, err.0));
            return;
        }
        carries_on(model, cx, f, &err, results_survive_failure(&evidence));
    }
}

/// Whether the API hands its results even when it fails: `exec` and `execFile` pass the
/// output collected so far as strings, so reading them after `reject(err)` cannot throw.
fn results_survive_failure(evidence: &Evidence) -> bool {
    matches!(evidence, Evidence::Core(q)
        if matches!(q.as_str(), "child_process.exec" | "child_process.execFile"))
}

/// Why a callback is taken to be error-first.
enum Evidence {
    /// A Node core API, by qualified name.
    Core(String),
    /// A database, cache or auth client method.
    Driver(String),
    /// A function of this file that calls the callback error-first, or another call of the same
    /// function that checks the error its callback gets.
    Local(String),
}

impl Evidence {
    fn describe(&self) -> String {
        match self {
            Self::Core(q) => format!("`{q}`"),
            Self::Driver(m) => format!("`.{m}()`"),
            Self::Local(name) => format!("`{name}`"),
        }
    }
}

/// Whether a parameter name says it holds an error.
fn errorish(name: &str) -> bool {
    matches!(name, "err" | "error" | "er" | "e" | "ex" | "erro")
        || (name.len() > 3 && name.to_ascii_lowercase().ends_with("err"))
        || (name.len() > 5 && name.ends_with("Error"))
}

/// Why the callback `f`, the last argument of `call`, is error-first, if anything says so.
fn error_first(
    model: &Model<'_>,
    call: &CallExpr,
    scope: Option<FnId>,
    f: FnId,
) -> Option<Evidence> {
    if let Some(q) = model.core_errback_call(call) {
        return Some(Evidence::Core(q));
    }
    let info = model.function(f);
    let first = info.node.param_name(0)?;
    let count = info.node.param_count();
    if typed_never_error(model, f) {
        return None;
    }
    // Four parameters starting with an error is Express error middleware, not a callback.
    if !errorish(first) || count >= 4 || count == 0 {
        return None;
    }
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    if let Some(g) = model.fn_of_expr(callee, scope) {
        let index = call.args.len() - 1;
        return calls_back_error_first(model, g, index).then(|| {
            Evidence::Local(
                model
                    .function(g)
                    .name
                    .as_deref()
                    .unwrap_or("the callee")
                    .to_string(),
            )
        });
    }
    if first != "e" {
        if let Some((_, m)) = method_call(call) {
            if DRIVER_METHODS.contains(&m) {
                return Some(Evidence::Driver(m.to_string()));
            }
        }
    }
    sibling_checks_error(model, call, callee)
}

/// Whether a same-file function calls its parameter at `index` error-first somewhere: with
/// `null`, a new error, or an error it was given as the first argument.
fn calls_back_error_first(model: &Model<'_>, g: FnId, index: usize) -> bool {
    let Some(cb) = model.param_id(g, index) else {
        return false;
    };
    let mut inside = vec![g];
    let mut i = 0;
    while i < inside.len() && inside.len() < 64 {
        inside.extend(model.function(inside[i]).children.iter().copied());
        i += 1;
    }
    inside.iter().any(|h| {
        model.function(*h).calls.iter().any(|&c| {
            let c = model.calls()[c as usize].node;
            let Callee::Expr(callee) = &c.callee else {
                return false;
            };
            model.is_ident(callee, &cb)
                && c.args.first().is_some_and(|a| {
                    matches!(unwrap_expr(&a.expr), Expr::Lit(Lit::Null(_)) | Expr::New(_))
                        || matches!(unwrap_expr(&a.expr), Expr::Ident(i) if errorish(&i.sym))
                })
        })
    })
}

/// Another call of the same callee in this file whose callback reads the error it is given:
/// the API is error-first even if nodepit does not know it.
fn sibling_checks_error(model: &Model<'_>, call: &CallExpr, callee: &Expr) -> Option<Evidence> {
    // Only the calls spelled alike: this runs for every callback, and a key for every call of
    // the file each time was quadratic (a third of all the work on the benchmark corpus).
    let name = callee_name(callee)?;
    let memo = model.memo(CheckedErrbacks::default);
    let mut key: Option<Option<String>> = None;
    let found = model.calls_named(name).iter().any(|&i| {
        let other = &model.calls()[i as usize];
        if std::ptr::eq(other.node, call) {
            return false;
        }
        let mut seen = memo.0.borrow_mut();
        let other_key = seen.entry(i).or_insert_with(|| checked_errback(model, i));
        let Some(other_key) = other_key else {
            return false;
        };
        key.get_or_insert_with(|| callee_key(model, callee))
            .as_deref()
            .is_some_and(|k| k == other_key)
    });
    found.then(|| key.flatten().map(Evidence::Local))?
}

/// For each call of a file asked about, the callee key of the call when its last argument is
/// a callback that tests an error-named first parameter (filled in as siblings are compared,
/// so each call is looked at once per file, not once per look-alike).
#[derive(Default)]
struct CheckedErrbacks(std::cell::RefCell<std::collections::HashMap<u32, Option<String>>>);

fn checked_errback(model: &Model<'_>, i: u32) -> Option<String> {
    let other = &model.calls()[i as usize];
    let Callee::Expr(oc) = &other.node.callee else {
        return None;
    };
    let last = other.node.args.last()?;
    // The cheap tests first: most look-alikes (`then`, `on`) take no `err` callback.
    let g = model.fn_of_expr(&last.expr, other.func)?;
    let id = model.param_id(g, 0)?;
    if !errorish(&id.0) || !tests_param(model, g, &id) {
        return None;
    }
    callee_key(model, oc)
}

/// What a callee is called, for comparing call sites: its qualified name, or its spelling
/// when that is a plain member chain of names (`db.users.find`).
fn callee_key(model: &Model<'_>, callee: &Expr) -> Option<String> {
    if let Some(q) = model.qual(callee) {
        return Some(q);
    }
    let mut parts = Vec::new();
    let mut e = unwrap_expr(callee);
    loop {
        match e {
            Expr::Member(m) => {
                parts.push(member_name(&m.prop)?.to_string());
                e = unwrap_expr(&m.obj);
            }
            Expr::Ident(i) => {
                parts.push(i.sym.to_string());
                break;
            }
            Expr::This(_) => {
                parts.push("this".to_string());
                break;
            }
            _ => return None,
        }
    }
    parts.reverse();
    (parts.len() >= 2).then(|| parts.join("."))
}

/// Whether a function's body tests a parameter in a condition (`if (err)`, `err ? … : …`).
fn tests_param(model: &Model<'_>, f: FnId, id: &Id) -> bool {
    let mut v = Tests { id, found: false };
    visit_body(model, f, &mut v);
    v.found
}

fn visit_body<V: Visit>(model: &Model<'_>, f: FnId, v: &mut V) {
    let node = model.function(f).node;
    if let Some(e) = node.expr_body() {
        e.visit_with(v);
    } else if let Some(stmts) = node.body_stmts() {
        for s in stmts {
            s.visit_with(v);
        }
    }
}

/// Whether a condition tests the value of `id` itself (`if (rows)`, `!user`, `stats?.size`),
/// not only a member of it (`stats.isFile()` throws on a failed call's missing result).
fn tests_value(e: &Expr, id: &Id) -> bool {
    struct Bare<'i> {
        id: &'i Id,
        found: bool,
    }
    impl Visit for Bare<'_> {
        fn visit_member_expr(&mut self, m: &swc_ecma_ast::MemberExpr) {
            if matches!(unwrap_expr(&m.obj), Expr::Ident(i) if i.to_id() == *self.id) {
                return m.prop.visit_with(self);
            }
            m.visit_children_with(self);
        }
        fn visit_opt_chain_expr(&mut self, o: &swc_ecma_ast::OptChainExpr) {
            if let swc_ecma_ast::OptChainBase::Member(m) = &*o.base {
                self.found |= o.optional
                    && matches!(unwrap_expr(&m.obj), Expr::Ident(i) if i.to_id() == *self.id);
            }
            o.visit_children_with(self);
        }
        fn visit_ident(&mut self, i: &swc_ecma_ast::Ident) {
            self.found |= i.to_id() == *self.id;
        }
    }
    let mut v = Bare { id, found: false };
    e.visit_with(&mut v);
    v.found
}

/// Finds a condition that tests a name's value.
struct Tests<'i> {
    id: &'i Id,
    found: bool,
}

impl Visit for Tests<'_> {
    fn visit_if_stmt(&mut self, n: &swc_ecma_ast::IfStmt) {
        self.found |= tests_value(&n.test, self.id);
        n.visit_children_with(self);
    }
    fn visit_cond_expr(&mut self, n: &swc_ecma_ast::CondExpr) {
        self.found |= tests_value(&n.test, self.id);
        n.visit_children_with(self);
    }
    fn visit_bin_expr(&mut self, n: &swc_ecma_ast::BinExpr) {
        if matches!(
            n.op,
            BinaryOp::LogicalAnd | BinaryOp::LogicalOr | BinaryOp::NullishCoalescing
        ) {
            self.found |= tests_value(&n.left, self.id);
        }
        n.visit_children_with(self);
    }
    fn visit_unary_expr(&mut self, n: &swc_ecma_ast::UnaryExpr) {
        if n.op == UnaryOp::Bang {
            self.found |= tests_value(&n.arg, self.id);
        }
        n.visit_children_with(self);
    }
}

/// Whether a callback's body does nothing worth protecting: empty, a comment, or one call
/// that passes nothing on (`() => resolve()`, `() => { done(); }`): a best-effort step whose
/// outcome does not matter.
fn body_is_trivial(model: &Model<'_>, f: FnId) -> bool {
    let info = model.function(f);
    let bare_call = |e: &Expr| matches!(unwrap_expr(e), Expr::Call(c) if c.args.is_empty());
    match (info.node.body_stmts(), info.node.expr_body()) {
        (Some([]), _) => true,
        (Some([Stmt::Expr(e)]), _) => bare_call(&e.expr),
        (_, Some(e)) => bare_call(e),
        _ => false,
    }
}

/// Whether a function runs inside a test case or hook (`it`, `test`, `beforeEach`, …).
fn in_test(model: &Model<'_>, f: FnId) -> bool {
    model.ancestors(f).any(|g| {
        let Some((ci, _)) = model.function(g).passed_to else {
            return false;
        };
        let Some(site) = model.calls().get(ci as usize) else {
            return false;
        };
        model.callee_qual(site.node).is_some_and(|q| {
            matches!(
                q.rsplit('.').next().unwrap_or(&q),
                "it" | "test"
                    | "describe"
                    | "afterAll"
                    | "afterEach"
                    | "after"
                    | "beforeAll"
                    | "beforeEach"
                    | "before"
            )
        })
    })
}

/// Whether a TypeScript annotation says the first parameter is always `null` or `undefined`:
/// the callee never passes an error.
fn typed_never_error(model: &Model<'_>, f: FnId) -> bool {
    use swc_ecma_ast::{Pat, TsKeywordTypeKind, TsType};
    let params = model.function(f).node.params();
    let Some(Pat::Ident(b)) = params.first() else {
        return false;
    };
    b.type_ann.as_ref().is_some_and(|t| {
        matches!(&*t.type_ann, TsType::TsKeywordType(k)
            if matches!(k.kind, TsKeywordTypeKind::TsNullKeyword | TsKeywordTypeKind::TsUndefinedKeyword))
    })
}

/// Whether the callback checks its result before using it (`if (stats) …`), which covers the
/// failure case as well, since results are missing when the call failed.
fn result_is_guarded(model: &Model<'_>, f: FnId) -> bool {
    (1..model.function(f).node.param_count()).any(|i| {
        model
            .param_id(f, i)
            .is_some_and(|id| tests_param(model, f, &id))
    })
}

/// Reports `if (err) next(err);` (or `cb(err)`, or an error response) with no `return` when the
/// body goes on after it: the success path runs too.
fn carries_on(
    model: &Model<'_>,
    cx: &mut RuleCx<'_, '_>,
    f: FnId,
    err: &Id,
    results_survive: bool,
) {
    let Some(stmts) = model.function(f).node.body_stmts() else {
        return;
    };
    for (i, s) in stmts.iter().enumerate() {
        let Stmt::If(iff) = s else { continue };
        if iff.alt.is_some() || !tests_error(&iff.test, err) {
            continue;
        }
        let rest = &stmts[i + 1..];
        if !rest.iter().any(does_work) {
            continue;
        }
        if ends_flow(&iff.cons) {
            continue;
        }
        let derefs = !results_survive && rest.iter().any(|s| derefs_result(model, f, s));
        let Some(action) = error_action(model, &iff.cons, err, f, derefs) else {
            continue;
        };
        let Some(next) = rest.iter().find(|s| does_work(s)) else {
            continue;
        };
        let mut report = cx
            .report(action.span, format!("`{}` handles the error, but nothing stops here: the code after this `if` runs as well, so the success path runs on a failed result (a second response, a second callback call).", action.label))
            .help("Return right after handling the error: `if (err) return next(err);`, or put the success path in an `else`.")
            .related(next.span(), "still runs after the error was handled");
        if let Some(call_span) = action.single_call {
            let at = model.range(call_span).start;
            report = report.fix(Fix {
                message: format!("Add `return` before `{}`", action.label),
                edits: vec![Edit {
                    range: at..at,
                    text: "return ".to_string(),
                }],
                safe: true,
            });
        }
        let _ = report;
        return;
    }
}

/// Whether an `if` test checks the error is there (`err`, `err != null`, `err instanceof X`),
/// not that it is absent (`!err`).
fn tests_error(test: &Expr, err: &Id) -> bool {
    match unwrap_expr(test) {
        Expr::Ident(i) => i.to_id() == *err,
        Expr::Bin(b) => match b.op {
            BinaryOp::NotEq | BinaryOp::NotEqEq | BinaryOp::InstanceOf => {
                expr_mentions(&b.left, err) || expr_mentions(&b.right, err)
            }
            BinaryOp::LogicalAnd | BinaryOp::LogicalOr => {
                tests_error(&b.left, err) || tests_error(&b.right, err)
            }
            _ => false,
        },
        Expr::Member(m) => matches!(unwrap_expr(&m.obj), Expr::Ident(i) if i.to_id() == *err),
        _ => false,
    }
}

/// Whether a statement does something (not an empty statement or a bare `return;`).
fn does_work(s: &Stmt) -> bool {
    !matches!(
        s,
        Stmt::Empty(_) | Stmt::Return(swc_ecma_ast::ReturnStmt { arg: None, .. })
    ) && !matches!(s, Stmt::Decl(swc_ecma_ast::Decl::Fn(_)))
}

/// Whether a statement always leaves the function (or loop) at its end.
fn ends_flow(s: &Stmt) -> bool {
    match s {
        Stmt::Return(_) | Stmt::Throw(_) | Stmt::Break(_) | Stmt::Continue(_) => true,
        Stmt::Block(b) => b.stmts.iter().any(ends_flow),
        Stmt::If(i) => ends_flow(&i.cons) && i.alt.as_deref().is_some_and(ends_flow),
        Stmt::Expr(e) => matches!(unwrap_expr(&e.expr), Expr::Call(c) if exits_process(c)),
        _ => false,
    }
}

fn exits_process(c: &CallExpr) -> bool {
    let Callee::Expr(callee) = &c.callee else {
        return false;
    };
    matches!(unwrap_expr(callee), Expr::Member(m)
        if matches!(unwrap_expr(&m.obj), Expr::Ident(o) if o.sym == "process")
            && member_name(&m.prop) == Some("exit"))
}

/// What an error branch does with the error.
struct Action {
    span: Span,
    label: String,
    /// The call to put `return` before, when the branch is that one call statement.
    single_call: Option<Span>,
}

/// The call in an error branch that hands the error on (`next(err)`, `cb(err)`, an
/// `'error'` event) or answers the request with an error (`res.status(500).send(…)`).
fn error_action(model: &Model<'_>, cons: &Stmt, err: &Id, f: FnId, derefs: bool) -> Option<Action> {
    let stmts: &[Stmt] = match cons {
        Stmt::Block(b) => &b.stmts,
        other => std::slice::from_ref(other),
    };
    let single = stmts.len() == 1;
    for s in stmts {
        let Stmt::Expr(e) = s else { continue };
        let Expr::Call(c) = unwrap_expr(&e.expr) else {
            continue;
        };
        let Callee::Expr(callee) = &c.callee else {
            continue;
        };
        let forwards = c.args.iter().any(|a| stmt_arg_is(&a.expr, err));
        let label = nodepit_semantic::expr_label(&e.expr);
        // After `reject(err)`, a later `resolve` does nothing, but reading a property of a
        // missing result throws inside the callback, where nothing catches it.
        let rejects = derefs && matches!(unwrap_expr(callee), Expr::Ident(i) if i.sym == "reject");
        if forwards && (rejects || forwards_to_caller(model, callee, f)) {
            return Some(Action {
                span: c.span,
                label,
                single_call: single.then_some(c.span),
            });
        }
        if is_response(callee) {
            return Some(Action {
                span: c.span,
                label,
                single_call: single.then_some(c.span),
            });
        }
    }
    None
}

fn stmt_arg_is(e: &Expr, err: &Id) -> bool {
    matches!(unwrap_expr(e), Expr::Ident(i) if i.to_id() == *err)
}

/// Whether a callee hands the error to whoever is waiting: a callback parameter of an enclosing
/// function (`next`, `cb`, `done`), or an emitter's `'error'` event. A promise's `reject` is
/// left out: a later `resolve` does nothing.
fn forwards_to_caller(model: &Model<'_>, callee: &Expr, f: FnId) -> bool {
    match unwrap_expr(callee) {
        Expr::Ident(i) => {
            if i.sym == "reject" {
                return false;
            }
            model.binding(i).is_some_and(|b| {
                matches!(b.kind, BindingKind::Param { func, .. } if func != f && model.ancestors(f).any(|a| a == func))
            })
        }
        _ => false,
    }
}

/// Whether a callee sends an HTTP response: `res.send`, `res.status(500).json`, `res.end`.
fn is_response(callee: &Expr) -> bool {
    let Expr::Member(m) = unwrap_expr(callee) else {
        return false;
    };
    let Some(name) = member_name(&m.prop) else {
        return false;
    };
    if !matches!(
        name,
        "send" | "json" | "end" | "sendStatus" | "render" | "redirect" | "jsonp" | "sendFile"
    ) {
        return false;
    }
    let mut obj = unwrap_expr(&m.obj);
    // `res.status(500).send(…)`
    if let Expr::Call(inner) = obj {
        let Callee::Expr(ic) = &inner.callee else {
            return false;
        };
        let Expr::Member(im) = unwrap_expr(ic) else {
            return false;
        };
        if member_name(&im.prop) != Some("status") {
            return false;
        }
        obj = unwrap_expr(&im.obj);
    }
    matches!(obj, Expr::Ident(i) if matches!(&*i.sym, "res" | "response" | "reply"))
}

/// Whether a statement reads a property of one of the callback's result parameters
/// (`derivedKey.toString('hex')`), which throws when the call failed and left it `undefined`.
fn derefs_result(model: &Model<'_>, f: FnId, s: &Stmt) -> bool {
    let results: Vec<Id> = (1..model.function(f).node.param_count())
        .filter_map(|i| model.param_id(f, i))
        .collect();
    if results.is_empty() {
        return false;
    }
    let mut v = Derefs {
        results: &results,
        found: false,
    };
    s.visit_with(&mut v);
    v.found
}

/// Finds `x.prop` or `x[i]` where `x` is a result parameter (not `x?.prop`).
struct Derefs<'r> {
    results: &'r [Id],
    found: bool,
}

impl Visit for Derefs<'_> {
    fn visit_member_expr(&mut self, n: &swc_ecma_ast::MemberExpr) {
        if let Expr::Ident(i) = unwrap_expr(&n.obj) {
            self.found |= self.results.contains(&i.to_id());
        }
        n.visit_children_with(self);
    }
    fn visit_opt_chain_expr(&mut self, _: &swc_ecma_ast::OptChainExpr) {}
    fn visit_function(&mut self, _: &swc_ecma_ast::Function) {}
    fn visit_arrow_expr(&mut self, _: &swc_ecma_ast::ArrowExpr) {}
}
