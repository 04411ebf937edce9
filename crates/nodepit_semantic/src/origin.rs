//! Where a collection's length comes from: request input, the rows of a query with no limit,
//! a directory listing, the lines of a file, … followed through variables, array methods,
//! push loops and the parameters of same-file functions.
//!
//! The question answered is "does someone outside the code decide how long this is?". The
//! answer is `None` unless the file shows evidence that they do; a bound on the way (a slice,
//! a chunk, a `LIMIT`, a `take`) also gives `None`.

use rustc_hash::FxHashSet;
use swc_common::{Span, Spanned};
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use crate::handlers::Framework;
use crate::model::*;
use crate::names::{
    callee_name, expr_label, member_name, mentions, method_call, static_string, unwrap_expr,
};

/// How far variables, calls and parameters are followed.
const MAX_DEPTH: u32 = 24;
/// How many values one question may look at, so files with many callers stay fast.
const MAX_STEPS: u32 = 4000;
/// How many functions' callers one question may follow.
const MAX_PARAM_SCANS: u32 = 32;

/// Who decides the length of a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginKind {
    /// The body, query, path parameters or headers of an HTTP request.
    Request,
    /// The payload of a socket.io event.
    SocketPayload,
    /// The records of a Lambda event (SQS, SNS, S3, Kinesis batches).
    EventRecords,
    /// The rows or documents of a query with no visible limit.
    QueryRows,
    /// Every member of a Redis-style set, list or hash.
    StoreMembers,
    /// The entries of a directory.
    Directory,
    /// The files a glob pattern matches.
    Glob,
    /// The lines of a text.
    Lines,
    /// The records a CSV or spreadsheet parser reads.
    Records,
    /// Every page of a listing, gathered by a loop that stops only when the source runs out
    /// (`while (token) { const page = await list({ token }); all.push(...page.items) }`).
    Pages,
}

/// Evidence that someone outside the code decides a collection's length.
#[derive(Debug, Clone)]
pub struct Origin {
    /// What kind of outside input it is.
    pub kind: OriginKind,
    /// The evidence as source-like text: `req.body.ids`, `SELECT id FROM orders …`, `fs.readdir(…)`.
    pub what: String,
    /// For queries, what bound is missing: `LIMIT`, `.limit()`, `limit`, `take`.
    pub missing_bound: Option<&'static str>,
    /// Where the evidence is.
    pub span: Span,
    /// Calls that carried the value into a parameter of a same-file function, innermost first.
    pub via: Vec<Span>,
    /// Input checked by a validator of another module (specifier, export path): a NestJS
    /// body typed by a class-validator DTO, or a zod schema's `parse`. Input only as long as
    /// the validator caps no size, which that module's summary tells.
    pub unless_capped: Option<(swc_atoms::Atom, Vec<swc_atoms::Atom>)>,
    /// Whether member reads still extend `what` (nothing but member reads since the evidence).
    open: bool,
}

/// What a value is, as far as its length goes.
#[derive(Debug, Clone)]
enum Val {
    /// A request object (`req`, Koa's `ctx` or `ctx.request`): only some of its members are input.
    Req { koa_ctx: bool },
    /// A Lambda event: its `Records` are outside input.
    Event,
    /// A web `Request` (Next.js App Router, fetch-style handlers): `await request.json()` is
    /// its body.
    WebReq,
    /// The options a tRPC resolver gets (`opts.input` is the client's input).
    TrpcOpts,
    /// A prepared SQL statement whose `.all()` returns every row.
    Prepared(Origin),
    /// Input the client chose, and everything read out of it.
    Taint(Origin),
    /// A whole collection from outside; only whole-collection transforms keep it.
    Coll(Origin),
}

impl Origin {
    /// Evidence found in another file, described as `what` (its place is the caller's to give).
    pub fn described(
        kind: OriginKind,
        what: String,
        missing_bound: Option<&'static str>,
    ) -> Origin {
        Origin {
            missing_bound,
            ..Origin::new(kind, what, swc_common::DUMMY_SP)
        }
    }

    /// Evidence of `kind` at `span`, described as `what`, not yet carried through any call.
    fn new(kind: OriginKind, what: String, span: Span) -> Origin {
        Origin {
            kind,
            what,
            missing_bound: None,
            span,
            via: Vec::new(),
            unless_capped: None,
            open: true,
        }
    }
}

impl Val {
    /// The same evidence after a transform (`split`, `filter`, …): member reads no longer
    /// extend its description.
    fn closed(self) -> Val {
        match self {
            Val::Taint(mut o) => {
                o.open = false;
                Val::Taint(o)
            }
            other => other,
        }
    }

    fn origin(self) -> Option<Origin> {
        match self {
            Val::Taint(o) | Val::Coll(o) => Some(o),
            _ => None,
        }
    }
}

/// Guards against cycles (recursive helpers, self-assignments) and runaway chains.
#[derive(Default)]
struct Walk {
    depth: u32,
    /// Values looked at so far; the walk gives up past `MAX_STEPS`.
    steps: u32,
    /// Scans of the file's calls for the callers of a function.
    param_scans: u32,
    params: FxHashSet<(FnId, usize)>,
    returns: FxHashSet<FnId>,
    vars: FxHashSet<Id>,
}

impl<'a> Model<'a> {
    /// Evidence that someone outside the code decides the length of `e`, seen from `scope`.
    pub fn origin(&self, e: &Expr, scope: Option<FnId>) -> Option<Origin> {
        self.val(e, scope, &mut Walk::default())?.origin()
    }

    /// Evidence that what a function returns is a collection outside input sizes (every row of
    /// a table), for callers in other files.
    pub fn returned_origin(&self, f: FnId) -> Option<Origin> {
        self.returned_val(f, &mut Walk::default())?.origin()
    }

    fn val(&self, e: &Expr, scope: Option<FnId>, w: &mut Walk) -> Option<Val> {
        if w.depth > MAX_DEPTH || w.steps > MAX_STEPS {
            return None;
        }
        w.depth += 1;
        w.steps += 1;
        let v = self.val_inner(e, scope, w);
        w.depth -= 1;
        v
    }

    fn val_inner(&self, e: &Expr, scope: Option<FnId>, w: &mut Walk) -> Option<Val> {
        match unwrap_expr(e) {
            Expr::Await(a) => self.val(&a.arg, scope, w),
            Expr::Ident(id) => self.ident_val(id, w),
            Expr::Member(m) => self.member_val(m, scope, w),
            Expr::OptChain(o) => match &*o.base {
                OptChainBase::Member(m) => self.member_val(m, scope, w),
                OptChainBase::Call(_) => None,
            },
            Expr::Call(c) => self.call_val(c, scope, w),
            Expr::TaggedTpl(t) => sql_origin(self, &t.tpl, t.span, w.depth),
            Expr::Array(a) => a
                .elems
                .iter()
                .flatten()
                .filter(|el| el.spread.is_some())
                .find_map(|el| self.whole(&el.expr, scope, w)),
            Expr::New(n) => {
                // `new Set(xs)` has at most as many elements as `xs`, and as many in practice.
                let Expr::Ident(callee) = unwrap_expr(&n.callee) else {
                    return None;
                };
                if !self.is_global(callee, "Set") {
                    return None;
                }
                self.whole(&n.args.as_ref()?.first()?.expr, scope, w)
            }
            Expr::Bin(b) if matches!(b.op, BinaryOp::LogicalOr | BinaryOp::NullishCoalescing) => {
                self.val(&b.left, scope, w)
            }
            Expr::Cond(c) => self
                .val(&c.cons, scope, w)
                .or_else(|| self.val(&c.alt, scope, w)),
            Expr::Seq(s) => self.val(s.exprs.last()?, scope, w),
            _ => None,
        }
    }

    /// The value only when it is a whole outside collection or input (not a request object).
    fn whole(&self, e: &Expr, scope: Option<FnId>, w: &mut Walk) -> Option<Val> {
        match self.val(e, scope, w)? {
            v @ (Val::Taint(_) | Val::Coll(_)) => Some(v.closed()),
            _ => None,
        }
    }

    fn ident_val(&self, id: &Ident, w: &mut Walk) -> Option<Val> {
        let b = self.binding(id)?;
        match &b.kind {
            BindingKind::Var {
                init: Some(init),
                path,
                ..
            } => {
                if path.is_empty() && !b.reassigned && is_empty_array(init) {
                    return self.pages_val(id, w);
                }
                let scope = self.fn_containing(init.span());
                let v = if b.reassigned {
                    self.reassigned_val(id, init, scope, w)?
                } else {
                    self.val(init, scope, w)?
                };
                let mut what = expr_label(init);
                path.iter().try_fold(v, |v, seg| {
                    what = format!("{what}.{seg}");
                    self.prop_val(v, seg, what.clone(), init.span())
                })
            }
            // `const [rows] = await conn.query(…)`: the first element of a driver's result.
            BindingKind::Var { init: None, .. } if !b.reassigned => {
                let scope = self.fn_containing(id.span);
                let init = self.first_of_array_pattern(id, scope?)?;
                let v = self.val(init, scope, w)?;
                self.prop_val(v, "0", format!("{}[0]", expr_label(init)), id.span)
            }
            BindingKind::Param {
                func,
                index,
                destructured,
            } => self.param_val(*func, *index, *destructured, id, w),
            BindingKind::LoopVar { iterable } => {
                // One element: still input when the collection was input, but one row of a
                // query is just a row.
                let scope = self.fn_containing(iterable.span());
                match self.val(iterable, scope, w)? {
                    v @ Val::Taint(_) => Some(v),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// `const all = []` filled by a loop that pushes what an awaited call returned on every
    /// turn, and stops only when the source runs out: every page of a listing. A loop with a
    /// count in its test, or one that reads `all.length`, is bounded. Pushes in a `for … of`
    /// over a whole collection of records (`for await (const line of rl)`) gather as many.
    fn pages_val(&self, acc: &Ident, w: &mut Walk) -> Option<Val> {
        let id = acc.to_id();
        let scope = self.fn_containing(acc.span);
        for site in self.calls() {
            if site.func != scope {
                continue;
            }
            let Callee::Expr(callee) = &site.node.callee else {
                continue;
            };
            let Expr::Member(m) = unwrap_expr(callee) else {
                continue;
            };
            if member_name(&m.prop) != Some("push")
                || !matches!(unwrap_expr(&m.obj), Expr::Ident(i) if i.to_id() == id)
            {
                continue;
            }
            let (test, body): (Option<&Expr>, &Stmt) = match site.loop_ref {
                Some(LoopRef::While(l)) => (Some(&l.test), &l.body),
                Some(LoopRef::DoWhile(l)) => (Some(&l.test), &l.body),
                Some(LoopRef::For(l)) if l.update.is_none() || l.test.is_none() => {
                    (l.test.as_deref(), &l.body)
                }
                // Not folder walks: a loop that pushes some of a folder's paths (often
                // recursing into subfolders) mostly walks the app's own files.
                Some(LoopRef::ForOf(l)) if !reads_length(&l.body, &id) => {
                    match self.val(&l.right, scope, w) {
                        Some(Val::Coll(o))
                            if !matches!(o.kind, OriginKind::Directory | OriginKind::Glob) =>
                        {
                            return Some(Val::Coll(o))
                        }
                        _ => continue,
                    }
                }
                _ => continue,
            };
            if !test.is_none_or(until_exhausted) || reads_length(body, &id) {
                continue;
            }
            // Awaited on every turn, inside the loop.
            let inside = body.span();
            let awaited = site
                .node
                .args
                .iter()
                .find_map(|a| self.awaited_in(&a.expr, scope, 0))
                .filter(|a| inside.lo <= a.span().lo && a.span().hi <= inside.hi);
            if let Some(awaited) = awaited {
                return Some(Val::Coll(Origin::new(
                    OriginKind::Pages,
                    expr_label(awaited),
                    awaited.span(),
                )));
            }
        }
        None
    }

    /// The awaited call a value comes from in the function `scope`: `await list()`,
    /// `page.items` after `const page = await list()`, `(await res.json()).map(…)`.
    fn awaited_in<'e>(&'e self, e: &'e Expr, scope: Option<FnId>, depth: u32) -> Option<&'e Expr> {
        if depth > 6 {
            return None;
        }
        match unwrap_expr(e) {
            Expr::Await(a) => {
                let arg = unwrap_expr(&a.arg);
                let Expr::Call(c) = arg else { return None };
                // `await res.json()` after `const res = await fetch(url)`: the request names
                // the listing.
                let request = match method_of(c) {
                    Some((obj, "json" | "text")) => self.awaited_in(obj, scope, depth + 1),
                    _ => None,
                };
                Some(request.unwrap_or(arg))
            }
            Expr::Member(m) => self.awaited_in(&m.obj, scope, depth + 1),
            // `page.Items ?? []`, `page.items || []`.
            Expr::Bin(b) if matches!(b.op, BinaryOp::NullishCoalescing | BinaryOp::LogicalOr) => {
                self.awaited_in(&b.left, scope, depth + 1)
            }
            Expr::Call(c) => match method_of(c)? {
                (obj, "map" | "filter" | "flat" | "flatMap") => {
                    self.awaited_in(obj, scope, depth + 1)
                }
                _ => None,
            },
            Expr::Ident(i) => {
                let b = self.binding(i)?;
                let BindingKind::Var { init, .. } = &b.kind else {
                    return None;
                };
                if !b.reassigned {
                    let init = init.as_ref()?;
                    if self.fn_containing(init.span()) != scope {
                        return None;
                    }
                    return self.awaited_in(init, scope, depth + 1);
                }
                // `let page; do { page = await list(…) } while (page.has_more)`: every value it
                // is given is awaited.
                if init.as_ref().is_some_and(|e| !is_empty_value(e)) {
                    return None;
                }
                let f = scope?;
                let mut finder = Assignments {
                    target: i.to_id(),
                    found: Vec::new(),
                };
                let stmts = self.function(f).node.body_stmts()?;
                stmts.iter().for_each(|s| s.visit_with(&mut finder));
                let mut values = finder
                    .found
                    .into_iter()
                    .map(|e| self.awaited_in(e, scope, depth + 1));
                let first = values.next()??;
                values.all(|v| v.is_some()).then_some(first)
            }
            _ => None,
        }
    }

    /// A `let` that is assigned again. Its value keeps its evidence only when every assignment
    /// brings evidence too, derives from the variable itself (`ids = ids.filter(…)`) or starts
    /// it empty, and none takes a bounded part (`ids = ids.slice(0, 10)`).
    fn reassigned_val(
        &self,
        id: &Ident,
        init: &Expr,
        scope: Option<FnId>,
        w: &mut Walk,
    ) -> Option<Val> {
        let f = scope?;
        if !w.vars.insert(id.to_id()) {
            // `ids = ids.filter(…)`: the variable itself brings nothing new.
            return None;
        }
        let mut finder = Assignments {
            target: id.to_id(),
            found: Vec::new(),
        };
        let node = self.function(f).node;
        if let Some(stmts) = node.body_stmts() {
            stmts.iter().for_each(|s| s.visit_with(&mut finder));
        }
        let target = id.to_id();
        let mut best = None;
        let mut ok = true;
        for e in std::iter::once(init).chain(finder.found) {
            if is_bounding(self, e) {
                ok = false;
                break;
            }
            match self.val(e, scope, w) {
                Some(v) => best = best.or(Some(v)),
                None if is_empty_value(e) || mentions(e, &target) => {}
                None => {
                    ok = false;
                    break;
                }
            }
        }
        w.vars.remove(&target);
        if ok {
            best
        } else {
            None
        }
    }

    fn member_val(&self, m: &MemberExpr, scope: Option<FnId>, w: &mut Walk) -> Option<Val> {
        let base = self.val(&m.obj, scope, w)?;
        let name = match &m.prop {
            MemberProp::Computed(c) => match unwrap_expr(&c.expr) {
                Expr::Lit(Lit::Num(n)) if n.value == 0.0 => Some("0"),
                e => static_string(e),
            },
            prop => member_name(prop),
        };
        match name {
            Some(name) => {
                let what = format!("{}.{name}", expr_label(&m.obj));
                self.prop_val(base, name, what, m.span)
            }
            // `input[i]`: an element of input is input; an element of rows is one row.
            None => match base {
                v @ Val::Taint(_) => Some(v),
                _ => None,
            },
        }
    }

    /// Reading property `name` of a value; `what` is the read written out, `span` where it is.
    fn prop_val(&self, base: Val, name: &str, what: String, span: Span) -> Option<Val> {
        match base {
            Val::Req { koa_ctx } => {
                if koa_ctx && name == "request" {
                    return Some(Val::Req { koa_ctx: false });
                }
                let input = if koa_ctx {
                    // Koa's `ctx.body` is the response; the request body is `ctx.request.body`.
                    matches!(name, "query" | "params" | "headers" | "header")
                } else {
                    matches!(
                        name,
                        "body"
                            | "query"
                            | "params"
                            | "headers"
                            | "files"
                            | "file"
                            | "cookies"
                            | "payload"
                    )
                };
                input.then(|| Val::Taint(Origin::new(OriginKind::Request, what, span)))
            }
            Val::Event => match name {
                "Records" => Some(Val::Coll(Origin::new(OriginKind::EventRecords, what, span))),
                // An API Gateway request.
                "body"
                | "queryStringParameters"
                | "multiValueQueryStringParameters"
                | "pathParameters"
                | "headers" => Some(Val::Taint(Origin::new(OriginKind::Request, what, span))),
                _ => None,
            },
            Val::Taint(mut o) => {
                // Name the deepest member read (`req.body.ids`), whatever the variables on the way
                // are called, until a transform such as `split` or `filter`.
                let _ = what;
                if o.open {
                    o.what = format!("{}.{name}", o.what);
                    if span != swc_common::DUMMY_SP {
                        o.span = span;
                    }
                }
                Some(Val::Taint(o))
            }
            // The rows of a driver's result object: pg's `.rows`, mssql's `.recordset`,
            // mysql2's `[rows]`, papaparse's `.data`.
            Val::Coll(o) => {
                matches!(name, "rows" | "recordset" | "0" | "data").then_some(Val::Coll(o))
            }
            Val::TrpcOpts => {
                (name == "input").then(|| Val::Taint(Origin::new(OriginKind::Request, what, span)))
            }
            Val::Prepared(_) | Val::WebReq => None,
        }
    }

    fn param_val(
        &self,
        func: FnId,
        index: usize,
        destructured: bool,
        id: &Ident,
        w: &mut Walk,
    ) -> Option<Val> {
        if !w.params.insert((func, index)) {
            return None;
        }
        let v = self.param_val_inner(func, index, destructured, id, w);
        w.params.remove(&(func, index));
        v
    }

    fn param_val_inner(
        &self,
        func: FnId,
        index: usize,
        destructured: bool,
        id: &Ident,
        w: &mut Walk,
    ) -> Option<Val> {
        let info = self.function(func);
        let node = info.node;
        if let Some(o) = self.decorated_input(node, index, id) {
            // `None`: a validated DTO that caps a size.
            return o.map(Val::Taint);
        }
        // A tRPC resolver: `procedure.input(schema).mutation(({ input }) => …)`.
        if index == 0 {
            if let Some(schema) = self.trpc_input_schema(func) {
                if !self.is_zod_schema(schema, 0) || self.schema_caps_length(schema, 0) {
                    return None;
                }
                if !destructured {
                    return Some(Val::TrpcOpts);
                }
                return self.prop_val(Val::TrpcOpts, &id.sym, id.sym.to_string(), id.span);
            }
        }
        // Socket and passport handlers take no request object.
        let handler = self.handlers().iter().find(|h| h.func == func);
        if index == 0 && self.route_schema_bounds(func) {
            return None;
        }
        let registered = handler.and_then(|h| match h.framework {
            Framework::Koa | Framework::KoaRouter => Some(true),
            Framework::Inferred => Some(matches!(node.param_name(0), Some("ctx" | "context"))),
            Framework::SocketIo | Framework::Ws | Framework::Passport | Framework::GraphQl => None,
            _ => Some(false),
        });
        if let Some(koa_ctx) = registered.or_else(|| handler_shaped(node)) {
            if index == 0 {
                if !destructured {
                    return Some(Val::Req { koa_ctx });
                }
                // `({ body, query }, res) => …`
                return self.prop_val(Val::Req { koa_ctx }, &id.sym, id.sym.to_string(), id.span);
            }
            return None;
        }
        if let Some(o) = self.socket_payload(func, index, id) {
            return Some(Val::Taint(o));
        }
        // A web `Request`: typed so (`POST(request: NextRequest)`), or the first parameter of
        // an exported App Router method (`export async function POST(request)`).
        if index == 0 && !destructured {
            let typed = matches!(param_type_name(node, 0), Some("Request" | "NextRequest"));
            let route_method = matches!(
                info.name.as_deref(),
                Some("GET" | "POST" | "PUT" | "PATCH" | "DELETE")
            ) && matches!(node.param_name(0), Some("request" | "req"));
            if typed || route_method {
                return Some(Val::WebReq);
            }
        }
        // A Lambda handler: `handler(event)`, or any `(event, context)`.
        if index == 0
            && !destructured
            && node.param_name(0) == Some("event")
            && (info
                .name
                .as_deref()
                .is_some_and(|n| n == "handler" || n.ends_with("Handler"))
                || matches!(node.param_name(1), Some("context" | "_context")))
        {
            return Some(Val::Event);
        }
        if let Some(v) = self.element_of_iteration(func, index, w) {
            return Some(v);
        }
        if destructured {
            return None;
        }
        let named_req = node.param_name(index) == Some("req");
        // What same-file callers pass in, for a bounded number of functions per question.
        if w.param_scans >= MAX_PARAM_SCANS {
            return named_req.then_some(Val::Req { koa_ctx: false });
        }
        w.param_scans += 1;
        for &ci in self.callers_of(func) {
            let site = &self.calls[ci as usize];
            let args = &site.node.args;
            if args.iter().take(index + 1).any(|a| a.spread.is_some()) {
                continue;
            }
            let Some(arg) = args.get(index) else { continue };
            if let Some(v) = self.val(&arg.expr, site.func, w) {
                return Some(match v {
                    Val::Taint(mut o) => {
                        o.via.push(site.node.span);
                        Val::Taint(o)
                    }
                    Val::Coll(mut o) => {
                        o.via.push(site.node.span);
                        Val::Coll(o)
                    }
                    other => other,
                });
            }
        }
        // `req` is the request by the one convention every Node framework shares; a helper
        // handed it by a router this file cannot see (`handleBatch(router, req)`) still reads
        // request input from `req.body` or `req.query`.
        named_req.then_some(Val::Req { koa_ctx: false })
    }

    /// The schema of a tRPC procedure whose resolver `func` is: the argument of the `.input(…)`
    /// call in the chain that `.query`, `.mutation` or `.subscription` is called on.
    fn trpc_input_schema(&self, func: FnId) -> Option<&'a Expr> {
        let (call, 0) = self.function(func).passed_to? else {
            return None;
        };
        let call = self.calls[call as usize].node;
        let (procedure, "query" | "mutation" | "subscription") = method_call(call)? else {
            return None;
        };
        let mut obj = &*procedure.obj;
        loop {
            let Expr::Call(c) = unwrap_expr(obj) else {
                return None;
            };
            let (m, method) = method_call(c)?;
            if method == "input" {
                return c
                    .args
                    .first()
                    .filter(|a| a.spread.is_none())
                    .map(|a| &*a.expr);
            }
            obj = &m.obj;
        }
    }

    /// A NestJS `@Body()`, `@Query()`, `@Param()` or `@Headers()` parameter, or GraphQL `@Args()`;
    /// `Some(None)` when a same-file DTO class types it and caps a size (see [`Model::dto_caps_sizes`]).
    fn decorated_input(
        &self,
        node: FnNode<'a>,
        index: usize,
        id: &Ident,
    ) -> Option<Option<Origin>> {
        let FnNode::Function(f) = node else {
            return None;
        };
        let param = f.params.get(index)?;
        let d = param.decorators.iter().find(|d| {
            let Expr::Call(c) = unwrap_expr(&d.expr) else {
                return false;
            };
            self.callee_qual(c).is_some_and(|q| {
                matches!(
                    q.as_str(),
                    "@nestjs/common.Body"
                        | "@nestjs/common.Query"
                        | "@nestjs/common.Param"
                        | "@nestjs/common.Headers"
                        | "@nestjs/graphql.Args"
                )
            })
        })?;
        let mut origin = Origin::new(OriginKind::Request, id.sym.to_string(), d.span);
        // The ValidationPipe checks a DTO's class-validator decorators before the handler runs.
        if let Some(class) = dto_type(&param.pat) {
            match self.binding(class).map(|b| &b.kind) {
                Some(BindingKind::Import { .. }) => {
                    origin.unless_capped = self
                        .ext_path(&Expr::Ident(class.clone()), 0)
                        .map(|(spec, path, _)| (spec, path));
                }
                _ => {
                    let capped = self.classes.iter().any(|c| {
                        c.name.as_ref() == Some(&class.sym) && self.dto_caps_sizes(c.node)
                    });
                    if capped {
                        return Some(None);
                    }
                }
            }
        }
        Some(Some(origin))
    }

    /// Whether the route a function is handed to declares a `schema` that may bound its input
    /// (Fastify's `app.post(path, { schema }, handler)` or `route({ schema, handler })`): one
    /// that caps a size (`maxItems`, `maxLength`, `maxProperties` anywhere in it), or one this
    /// file cannot read (imported, built by a call). Fastify validates before the handler runs.
    fn route_schema_bounds(&self, func: FnId) -> bool {
        let call = match self.function(func).passed_to {
            Some((call, _)) => self.calls[call as usize].node,
            // `route({ url, schema, handler })`: the registration holds the handler.
            None => {
                let Some(h) = self.handlers().iter().find(|h| h.func == func) else {
                    return false;
                };
                let Some(site) = self.calls.iter().find(|c| match &c.node.callee {
                    Callee::Expr(e) => e.span() == h.registration,
                    _ => false,
                }) else {
                    return false;
                };
                site.node
            }
        };
        let schema = call.args.iter().find_map(|a| match unwrap_expr(&a.expr) {
            Expr::Object(o) => crate::handlers::object_prop(o, "schema"),
            _ => None,
        });
        let Some(mut schema) = schema.map(unwrap_expr) else {
            return false;
        };
        if let Expr::Ident(id) = schema {
            match self.binding(id).map(|b| &b.kind) {
                Some(BindingKind::Var {
                    init: Some(init),
                    path,
                    ..
                }) if path.is_empty() => schema = unwrap_expr(init),
                _ => return true,
            }
        }
        let Expr::Object(o) = schema else { return true };
        struct Caps(bool);
        impl Visit for Caps {
            fn visit_prop_name(&mut self, n: &PropName) {
                self.0 |= matches!(
                    crate::names::prop_name(n),
                    Some("maxItems" | "maxLength" | "maxProperties")
                );
            }
            fn visit_ident(&mut self, _: &Ident) {}
        }
        let mut caps = Caps(false);
        o.visit_with(&mut caps);
        caps.0
    }

    /// Whether a class-validator DTO caps some size: a property decorated `@ArrayMaxSize`,
    /// `@MaxLength`, `@Length` or `@Max`. One capped property stands for the whole DTO: which
    /// property a fan-out reads is not followed, and a capped DTO shows the author bounds input.
    pub(crate) fn dto_caps_sizes(&self, class: &Class) -> bool {
        class.body.iter().any(|m| {
            let ClassMember::ClassProp(p) = m else {
                return false;
            };
            p.decorators.iter().any(|d| {
                let Expr::Call(c) = unwrap_expr(&d.expr) else {
                    return false;
                };
                self.callee_qual(c).is_some_and(|q| {
                    matches!(
                        q.as_str(),
                        "class-validator.ArrayMaxSize"
                            | "class-validator.MaxLength"
                            | "class-validator.Length"
                            | "class-validator.Max"
                    )
                })
            })
        })
    }

    /// A payload parameter of a socket.io event listener: `socket.on('x', (data, ack) => …)`
    /// on a socket from `io.on('connection', …)`, or a function shaped like one (first
    /// parameter `socket`, the payload after it, registered by name from another file).
    fn socket_payload(&self, func: FnId, index: usize, id: &Ident) -> Option<Origin> {
        if matches!(
            &*id.sym,
            "ack" | "callback" | "cb" | "fn" | "done" | "respond" | "reply" | "next"
        ) {
            return None;
        }
        let info = self.function(func);
        let origin = || Origin::new(OriginKind::SocketPayload, id.sym.to_string(), id.span);
        if index >= 1
            && info.node.param_name(0) == Some("socket")
            && info.name.is_some()
            && info.passed_to.is_none()
        {
            return Some(origin());
        }
        let (call, 1) = info.passed_to? else {
            return None;
        };
        let call = self.calls[call as usize].node;
        let Some((m, "on" | "once")) = method_call(call) else {
            return None;
        };
        let event = call.args.first().and_then(|a| static_string(&a.expr))?;
        if matches!(
            event,
            "disconnect" | "disconnecting" | "error" | "connect" | "connection"
        ) {
            return None;
        }
        // The socket is the parameter of a `connection` listener on a socket.io server.
        let Expr::Ident(socket) = unwrap_expr(&m.obj) else {
            return None;
        };
        let BindingKind::Param {
            func: outer,
            index: 0,
            ..
        } = self.binding(socket)?.kind
        else {
            return None;
        };
        let (conn, 1) = self.function(outer).passed_to? else {
            return None;
        };
        let conn = self.calls[conn as usize].node;
        let Some((cm, "on" | "once")) = method_call(conn) else {
            return None;
        };
        let is_connection =
            conn.args.first().and_then(|a| static_string(&a.expr)) == Some("connection");
        (is_connection
            && self
                .qual(&cm.obj)
                .is_some_and(|q| q.starts_with("socket.io")))
        .then(origin)
    }

    /// The element parameter of `xs.forEach((x) => …)` (or `map`, …, or lodash's form): input
    /// when `xs` is input.
    fn element_of_iteration(&self, func: FnId, index: usize, w: &mut Walk) -> Option<Val> {
        let (call, at) = self.function(func).passed_to?;
        let site = &self.calls[call as usize];
        let (m, method) = method_call(site.node)?;
        if !matches!(
            method,
            "forEach" | "map" | "flatMap" | "filter" | "some" | "every" | "each"
        ) || index != 0
        {
            return None;
        }
        let collection = if self.is_lodash(&m.obj) {
            (at == 1)
                .then(|| site.node.args.first().map(|a| &*a.expr))
                .flatten()?
        } else if at == 0 {
            &*m.obj
        } else {
            return None;
        };
        match self.val(collection, site.func, w)? {
            v @ Val::Taint(_) => Some(v),
            _ => None,
        }
    }

    fn call_val(&self, c: &CallExpr, scope: Option<FnId>, w: &mut Walk) -> Option<Val> {
        let Callee::Expr(callee) = &c.callee else {
            return None;
        };
        let arg0 = c.args.first().map(|a| &*a.expr);
        if let Some(q) = self.qual(callee) {
            if let Some(v) = self.known_call(&q, c, arg0, scope, w) {
                return v;
            }
        }
        if let Some(f) = self.fn_of_expr(callee, scope) {
            return self.returned_val(f, w);
        }
        let Expr::Member(m) = unwrap_expr(callee) else {
            return None;
        };
        let method = member_name(&m.prop)?;
        // `await request.json()`: the body of a web request.
        if matches!(method, "json" | "formData") && c.args.is_empty() {
            if let Some(Val::WebReq) = self.val(&m.obj, scope, w) {
                let what = format!("{}.{method}()", expr_label(&m.obj));
                return Some(Val::Taint(Origin::new(OriginKind::Request, what, c.span)));
            }
        }
        // `schema.parse(req.body)`: a zod schema hands back what it checked, still as long as
        // the client made it unless the schema caps a length (`.max(100)` anywhere in it).
        if matches!(method, "parse" | "parseAsync") && self.is_zod_schema(&m.obj, 0) {
            if self.schema_caps_length(&m.obj, 0) {
                return None;
            }
            return arg0.and_then(|a| self.whole(a, scope, w));
        }
        // `addMembersSchema.parse(req.body)` with the schema imported: input unless the
        // schema's module says it is a zod schema with a cap.
        if matches!(method, "parse" | "parseAsync") {
            if let Some((spec, path, None)) = self.ext_path(&m.obj, 0) {
                return match arg0.and_then(|a| self.whole(a, scope, w))? {
                    Val::Taint(mut o) if o.unless_capped.is_none() => {
                        o.unless_capped = Some((spec, path));
                        Some(Val::Taint(o))
                    }
                    _ => None,
                };
            }
        }
        if matches!(
            method,
            "find" | "findBy" | "findAll" | "findMany" | "findAndCountAll"
        ) {
            if let Some(ids) = primary_key_values(&c.args) {
                // As many rows as ids: what decides the ids decides the rows.
                return ids.and_then(|ids| self.whole(ids, scope, w));
            }
        }
        if let Some(v) = query_call(self, c, m, method, w.depth) {
            return Some(v);
        }
        match method {
            "slice" => {
                if is_bounding_call(self, c) {
                    return None;
                }
                self.whole(&m.obj, scope, w)
            }
            // A Mongoose query narrowed or shaped without a limit is still every document.
            "select" | "where" | "populate" | "skip" | "collation" | "hint" | "read"
            | "projection"
                if !is_knex_chain(self, c) =>
            {
                self.whole(&m.obj, scope, w)
            }
            "filter" | "map" | "flatMap" | "flat" | "sort" | "reverse" | "toSorted"
            | "toReversed" | "values" | "keys" | "entries" | "toArray" | "exec" | "lean"
            | "populate" | "sort_by" => self.whole(&m.obj, scope, w),
            "concat" => self
                .whole(&m.obj, scope, w)
                .or_else(|| c.args.iter().find_map(|a| self.whole(&a.expr, scope, w))),
            "all" | "iterate" => match self.val(&m.obj, scope, w)? {
                Val::Prepared(o) => Some(Val::Coll(o)),
                _ => None,
            },
            "split" => {
                if let Some(v @ Val::Taint(_)) = self.val(&m.obj, scope, w) {
                    return Some(v.closed());
                }
                let sep = arg0?;
                if !is_newline(self, sep) || static_string(&m.obj).is_some() {
                    return None;
                }
                Some(Val::Coll(Origin::new(
                    OriginKind::Lines,
                    expr_label(&m.obj),
                    c.span,
                )))
            }
            "trim" | "toString" | "toLowerCase" | "toUpperCase" | "trimEnd" | "trimStart" => {
                match self.val(&m.obj, scope, w)? {
                    v @ Val::Taint(_) => Some(v.closed()),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Calls known by qualified name. `Some(None)` means "known, and no evidence".
    fn known_call(
        &self,
        q: &str,
        c: &CallExpr,
        arg0: Option<&Expr>,
        scope: Option<FnId>,
        w: &mut Walk,
    ) -> Option<Option<Val>> {
        let listing =
            |kind: OriginKind| Some(Some(Val::Coll(Origin::new(kind, call_label(c), c.span))));
        // Listing the app's own folders (`path.join(__dirname, 'migrations')`, `'locales/*.json'`,
        // the installed themes): the people who ship or install the code decide how many entries
        // there are.
        let listing_unless_shipped = |kind: OriginKind| {
            let shipped =
                arg0.is_some_and(|a| self.is_shipped_path(a, 0) || self.names_code_folder(a, 0));
            if shipped {
                Some(None)
            } else {
                listing(kind)
            }
        };
        match q {
            "fs.readdir" | "fs.readdirSync" | "fs.promises.readdir" => {
                return listing_unless_shipped(OriginKind::Directory)
            }
            "glob"
            | "glob.glob"
            | "glob.sync"
            | "glob.globSync"
            | "fast-glob"
            | "fast-glob.glob"
            | "fast-glob.sync"
            | "fast-glob.async"
            | "fast-glob.globSync"
            | "fast-glob.globAsync"
            | "globby"
            | "globby.globby"
            | "globby.globbySync"
            | "tiny-glob"
            | "fs.promises.glob" => {
                // A relative pattern is matched under the `cwd` option when there is one
                // (`fg('**/*.jpg', { cwd: uploadDir })`): that folder decides.
                let cwd = c.args.get(1).and_then(|a| match unwrap_expr(&a.expr) {
                    Expr::Object(o) if a.spread.is_none() => crate::handlers::object_prop(o, "cwd"),
                    _ => None,
                });
                return match cwd {
                    Some(cwd) if arg0.is_some_and(|a| self.is_shipped_path(a, 0)) => {
                        if self.is_shipped_path(cwd, 0) || self.names_code_folder(cwd, 0) {
                            Some(None)
                        } else {
                            listing(OriginKind::Glob)
                        }
                    }
                    _ => listing_unless_shipped(OriginKind::Glob),
                };
            }
            "csv-parse/sync.parse"
            | "papaparse.parse"
            | "neat-csv"
            | "xlsx.utils.sheet_to_json" => return listing(OriginKind::Records),
            "readline.createInterface" | "readline.promises.createInterface" => {
                return listing(OriginKind::Lines)
            }
            "JSON.parse" | "String" | "Array.from" | "Object.keys" | "Object.values"
            | "Object.entries" | "Promise.all" | "Promise.allSettled" => {
                return Some(arg0.and_then(|a| self.whole(a, scope, w)))
            }
            _ => {}
        }
        if let Some(rest) = q.strip_prefix("csvtojson()") {
            if matches!(rest, ".fromFile" | ".fromString") {
                return listing(OriginKind::Records);
            }
        }
        let lodash_fn = ["lodash.", "underscore.", "lodash-es."]
            .iter()
            .find_map(|p| q.strip_prefix(p));
        if let Some(name) = lodash_fn {
            return Some(match name {
                "uniq" | "uniqBy" | "compact" | "flatten" | "flattenDeep" | "sortBy"
                | "orderBy" | "filter" | "map" | "values" | "keys" | "shuffle" | "castArray"
                | "toArray" | "union" | "without" | "difference" | "reject" => {
                    arg0.and_then(|a| self.whole(a, scope, w))
                }
                _ => None,
            });
        }
        None
    }

    /// Whether an expression is a zod schema: a chain rooted at the `zod` module, directly or
    /// through constants.
    pub(crate) fn is_zod_schema(&self, e: &Expr, depth: u32) -> bool {
        if depth > 8 {
            return false;
        }
        match unwrap_expr(e) {
            Expr::Ident(id) => match self.const_init(id) {
                Some(init) => self.is_zod_schema(init, depth + 1),
                None => self
                    .qual_ident(id)
                    .is_some_and(|q| q == "zod" || q.starts_with("zod.")),
            },
            Expr::Member(m) => self.is_zod_schema(&m.obj, depth + 1),
            Expr::Call(c) => match &c.callee {
                Callee::Expr(callee) => self.is_zod_schema(callee, depth + 1),
                _ => false,
            },
            _ => false,
        }
    }

    /// Whether a schema caps some length: a `.max(…)`, `.length(…)` or `.size(…)` call in its
    /// definition, through the constants it is built from. A cap inside an array's element
    /// schema (`z.array(z.string().max(254))`) bounds each element, not the array, so it does
    /// not count; a tuple has a fixed length.
    pub(crate) fn schema_caps_length(&self, e: &Expr, depth: u32) -> bool {
        struct Caps<'m, 'a> {
            model: &'m Model<'a>,
            depth: u32,
            found: bool,
        }
        impl Visit for Caps<'_, '_> {
            fn visit_call_expr(&mut self, c: &CallExpr) {
                let name = match &c.callee {
                    Callee::Expr(callee) => callee_name(callee),
                    _ => None,
                };
                match name {
                    Some("max" | "length" | "size" | "tuple") => self.found = true,
                    // The element schema: only the callee chain can cap the array.
                    Some("array" | "set") => return c.callee.visit_with(self),
                    _ => {}
                }
                c.visit_children_with(self);
            }
            fn visit_ident(&mut self, id: &Ident) {
                if let Some(init) = self.model.const_init(id) {
                    self.found |= self.model.schema_caps_length(init, self.depth + 1);
                }
            }
        }
        if depth > 8 {
            return false;
        }
        let mut caps = Caps {
            model: self,
            depth,
            found: false,
        };
        e.visit_with(&mut caps);
        caps.found
    }

    /// What a same-file function returns, when some `return` brings evidence.
    fn returned_val(&self, f: FnId, w: &mut Walk) -> Option<Val> {
        if !w.returns.insert(f) {
            return None;
        }
        let node = self.function(f).node;
        let mut v = None;
        if let Some(e) = node.expr_body() {
            v = self.whole(e, Some(f), w);
        } else if let Some(stmts) = node.body_stmts() {
            let mut returns = ReturnArgs(Vec::new());
            stmts.iter().for_each(|s| s.visit_with(&mut returns));
            v = returns
                .0
                .into_iter()
                .find_map(|e| self.whole(e, Some(f), w));
        }
        w.returns.remove(&f);
        v
    }

    /// The initialiser of `const [id] = init` in the body of `f`.
    fn first_of_array_pattern(&self, id: &Ident, f: FnId) -> Option<&'a Expr> {
        let mut finder = ArrayPatternInit {
            target: id.to_id(),
            found: None,
        };
        let stmts = self.function(f).node.body_stmts()?;
        stmts.iter().for_each(|s| s.visit_with(&mut finder));
        finder.found
    }

    /// Whether a path is fixed by the code: string literals, `__dirname`, `import.meta.url`,
    /// `process.cwd()`, joined with `path` functions, through constants and the parameters of
    /// functions whose every same-file caller passes such a path.
    fn is_shipped_path(&self, e: &Expr, depth: u32) -> bool {
        if depth > 8 {
            return false;
        }
        // A later segment of a join or concatenation (`__dirname + '/views'`) is relative to
        // what comes before it, whatever its spelling.
        let segment = |a: &Expr| {
            matches!(unwrap_expr(a), Expr::Lit(Lit::Str(_))) || self.is_shipped_path(a, depth + 1)
        };
        match unwrap_expr(e) {
            // An absolute path names a folder of the machine (`/var/uploads`), filled at run time.
            Expr::Lit(Lit::Str(s)) => !is_absolute_path(&s.value.to_string_lossy()),
            Expr::Tpl(t) => {
                !t.quasis.first().is_some_and(|q| is_absolute_path(&q.raw))
                    && t.exprs.iter().all(|x| self.is_shipped_path(x, depth + 1))
            }
            Expr::Array(a) => a
                .elems
                .iter()
                .flatten()
                .all(|el| el.spread.is_none() && self.is_shipped_path(&el.expr, depth + 1)),
            Expr::Bin(b) if b.op == BinaryOp::Add => {
                self.is_shipped_path(&b.left, depth + 1) && segment(&b.right)
            }
            Expr::Member(m) => matches!(unwrap_expr(&m.obj), Expr::MetaProp(_)),
            Expr::New(n) => {
                matches!(unwrap_expr(&n.callee), Expr::Ident(i) if self.is_global(i, "URL"))
                    && n.args.as_ref().is_some_and(|args| {
                        args.iter()
                            .all(|a| self.is_shipped_path(&a.expr, depth + 1))
                    })
            }
            Expr::Call(c) => {
                let Some(q) = self.callee_qual(c) else {
                    return false;
                };
                let joins = q.starts_with("path.")
                    || matches!(q.as_str(), "url.fileURLToPath" | "process.cwd" | "String");
                joins
                    && c.args.iter().enumerate().all(|(i, a)| {
                        if i == 0 {
                            self.is_shipped_path(&a.expr, depth + 1)
                        } else {
                            segment(&a.expr)
                        }
                    })
            }
            Expr::Ident(id) => {
                if self.is_unresolved(id) {
                    return matches!(&*id.sym, "__dirname" | "__filename");
                }
                let Some(b) = self.binding(id) else {
                    return false;
                };
                match &b.kind {
                    BindingKind::Var {
                        init: Some(init),
                        path,
                        ..
                    } if path.is_empty() && !b.reassigned => self.is_shipped_path(init, depth + 1),
                    BindingKind::Param {
                        func,
                        index,
                        destructured: false,
                    } => {
                        let mut callers = 0;
                        for &ci in self.callers_of(*func) {
                            let site = &self.calls[ci as usize];
                            callers += 1;
                            let shipped = site.node.args.get(*index).is_some_and(|a| {
                                a.spread.is_none() && self.is_shipped_path(&a.expr, depth + 1)
                            });
                            if !shipped {
                                return false;
                            }
                        }
                        callers > 0
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// Whether a path's spelling says it holds code or assets that ship or are installed with
    /// the app (themes, plugins, migrations, locales, templates, …), through constants.
    fn names_code_folder(&self, e: &Expr, depth: u32) -> bool {
        const HINTS: &[&str] = &[
            "theme",
            "plugin",
            "node_modules",
            "nodemodules",
            "alteration",
            "migration",
            "table",
            "locale",
            "i18n",
            "translation",
            "template",
            "views",
            "schema",
            "static",
            "build",
            "dist",
            "connector",
            "fixture",
            "seed",
            "asset",
        ];
        struct Words(Vec<String>);
        impl Visit for Words {
            fn visit_ident(&mut self, i: &Ident) {
                self.0.push(i.sym.as_str().to_ascii_lowercase());
            }
            fn visit_ident_name(&mut self, i: &IdentName) {
                self.0.push(i.sym.as_str().to_ascii_lowercase());
            }
            fn visit_str(&mut self, s: &Str) {
                if let Some(v) = s.value.as_str() {
                    self.0.push(v.to_ascii_lowercase());
                }
            }
            fn visit_tpl_element(&mut self, t: &TplElement) {
                self.0.push(t.raw.as_str().to_ascii_lowercase());
            }
        }
        if depth > 3 {
            return false;
        }
        let mut words = Words(Vec::new());
        e.visit_with(&mut words);
        if words.0.iter().any(|w| HINTS.iter().any(|h| w.contains(h))) {
            return true;
        }
        // Through the constants the path is built from, and the names of the functions whose
        // parameter it is (`readLocaleFiles(directory)`).
        let mut idents = Vec::new();
        collect_idents(e, &mut idents);
        idents.iter().any(
            |id| match self.binding(id).map(|b| (&b.kind, b.reassigned)) {
                Some((
                    BindingKind::Var {
                        init: Some(init), ..
                    },
                    false,
                )) => self.names_code_folder(init, depth + 1),
                Some((BindingKind::Param { func, .. }, _)) => {
                    self.function(*func).name.as_ref().is_some_and(|n| {
                        let n = n.as_str().to_ascii_lowercase();
                        HINTS.iter().any(|h| n.contains(h))
                    })
                }
                _ => false,
            },
        )
    }

    /// The innermost function whose body holds `span`. Functions are in source order of their
    /// start and nest properly, so it is the last one starting before `span`, or an ancestor.
    pub(crate) fn fn_containing(&self, span: Span) -> Option<FnId> {
        let after = self.functions.partition_point(|f| f.span.lo <= span.lo);
        let mut f = after.checked_sub(1).map(|i| FnId(i as u32));
        while let Some(id) = f {
            let info = self.function(id);
            if info.span.lo <= span.lo && span.hi <= info.span.hi {
                return Some(id);
            }
            f = info.parent;
        }
        None
    }

    /// The calls (indexes into the calls) that invoke the same-file function `f`.
    fn callers_of(&self, f: FnId) -> &[u32] {
        let index = self.callers.get_or_init(|| {
            let mut index: rustc_hash::FxHashMap<FnId, Vec<u32>> = Default::default();
            for i in 0..self.calls.len() {
                if let Some(g) = self.callee_fn_at(i) {
                    index.entry(g).or_default().push(i as u32);
                }
            }
            index
        });
        index.get(&f).map_or(&[], Vec::as_slice)
    }

    /// Whether `e` is the lodash or underscore module (their functions take the collection first).
    pub fn is_lodash(&self, e: &Expr) -> bool {
        self.qual(e).is_some_and(|q| {
            matches!(
                q.as_str(),
                "lodash" | "underscore" | "lodash/fp" | "lodash-es"
            )
        })
    }
}

/// A function shaped like a request handler registered in another file: an Express-style
/// controller `(req, res[, next])`, a hapi handler `(request, h)` or a Koa middleware
/// `(ctx, next)`. `Some(true)` for Koa.
pub(crate) fn handler_shaped(node: FnNode<'_>) -> Option<bool> {
    let (first, second) = (node.param_name(0), node.param_name(1));
    match (first, second) {
        (Some("req" | "request"), Some("res" | "response" | "reply" | "h")) => Some(false),
        (Some("ctx"), Some("next")) => Some(true),
        _ => None,
    }
}

/// Whether an expression takes a bounded part of a collection: `xs.slice(i, i + n)`,
/// `xs.splice(0, n)`, `_.take(xs, n)`, `_.chunk(xs, n)`, a `.limit(n)` or `.first()` in a query chain.
fn is_bounding(model: &Model<'_>, e: &Expr) -> bool {
    let e = match unwrap_expr(e) {
        Expr::Await(a) => unwrap_expr(&a.arg),
        other => other,
    };
    let Expr::Call(c) = e else { return false };
    is_bounding_call(model, c)
}

fn is_bounding_call(model: &Model<'_>, c: &CallExpr) -> bool {
    let Callee::Expr(callee) = &c.callee else {
        return false;
    };
    if let Some(q) = model.qual(callee) {
        let name = q.rsplit('.').next().unwrap_or(&q);
        if (q.starts_with("lodash") || q.starts_with("underscore"))
            && matches!(
                name,
                "take" | "takeRight" | "chunk" | "slice" | "sampleSize" | "head" | "first"
            )
        {
            return true;
        }
    }
    let Expr::Member(m) = unwrap_expr(callee) else {
        return false;
    };
    match member_name(&m.prop) {
        Some("slice") => match (c.args.first(), c.args.get(1)) {
            (Some(_), Some(_)) => true,
            (Some(a), None) => {
                matches!(unwrap_expr(&a.expr), Expr::Unary(u) if u.op == UnaryOp::Minus)
            }
            _ => false,
        },
        Some("splice") => c.args.len() >= 2,
        Some("limit" | "take" | "first" | "paginate" | "forPage" | "findOne" | "at") => true,
        _ => false,
    }
}

/// The calls of a receiver chain, outermost first: `a.b(…).c(…)` → `….c(…)`, `a.b(…)`; at
/// most 32 links down, so generated chains stay cheap.
fn chain_calls(c: &CallExpr) -> impl Iterator<Item = &CallExpr> {
    std::iter::successors(Some(c), |cur| {
        let Callee::Expr(callee) = &cur.callee else {
            return None;
        };
        match unwrap_expr(callee) {
            Expr::Member(m) => match unwrap_expr(&m.obj) {
                Expr::Call(inner) => Some(inner),
                _ => None,
            },
            _ => None,
        }
    })
    .take(33)
}

/// Whether a receiver chain (`a.b(…).c(…)`) contains a call of one of these methods.
fn chain_has(c: &CallExpr, names: &[&str]) -> bool {
    chain_calls(c).any(|cur| method_call(cur).is_some_and(|(_, n)| names.contains(&n)))
}

/// The innermost call of a receiver chain.
fn chain_root(c: &CallExpr) -> &CallExpr {
    chain_calls(c).last().unwrap_or(c)
}

/// Option keys that bound a query (`{ limit: 20 }`, `{ take: 10 }`, `{ per_page: 100 }`).
fn has_bound_option(args: &[ExprOrSpread]) -> bool {
    args.iter().any(|a| match unwrap_expr(&a.expr) {
        Expr::Object(o) => o.props.iter().any(|p| match p {
            PropOrSpread::Prop(p) => match &**p {
                Prop::KeyValue(kv) => prop_key(&kv.key).is_some_and(is_bound_key),
                Prop::Shorthand(id) => is_bound_key(&id.sym),
                _ => false,
            },
            // `{ ...paging }` may carry a limit.
            PropOrSpread::Spread(_) => true,
        }),
        _ => false,
    })
}

/// The ids of a lookup by primary key: `{ where: { id: ids } }`, `{ _id: { $in: ids } }`,
/// `{ id: In(ids) }`, `{ where: { id: { in: ids } } }`. `Some(None)` when the filter is by
/// primary key but its value is not a list nodepit can follow.
fn primary_key_values(args: &[ExprOrSpread]) -> Option<Option<&Expr>> {
    fn pk_value(o: &ObjectLit, depth: u32) -> Option<Option<&Expr>> {
        o.props.iter().find_map(|p| {
            let PropOrSpread::Prop(p) = p else {
                return None;
            };
            match &**p {
                Prop::KeyValue(kv) => match prop_key(&kv.key) {
                    Some("id" | "_id") => Some(list_of(&kv.value)),
                    Some("where") if depth == 0 => match unwrap_expr(&kv.value) {
                        Expr::Object(inner) => pk_value(inner, 1),
                        _ => None,
                    },
                    _ => None,
                },
                Prop::Shorthand(id) if matches!(&*id.sym, "id" | "_id") => Some(None),
                _ => None,
            }
        })
    }
    /// `ids`, `In(ids)`, `{ in: ids }`, `{ $in: ids }`, `{ [Op.in]: ids }`.
    fn list_of(v: &Expr) -> Option<&Expr> {
        match unwrap_expr(v) {
            Expr::Call(c) if c.args.len() == 1 => match &c.callee {
                Callee::Expr(callee) if crate::names::callee_name(callee) == Some("In") => {
                    Some(&c.args[0].expr)
                }
                _ => None,
            },
            Expr::Object(o) => o.props.iter().find_map(|p| {
                let PropOrSpread::Prop(p) = p else {
                    return None;
                };
                let Prop::KeyValue(kv) = &**p else {
                    return None;
                };
                let is_in = match &kv.key {
                    PropName::Computed(c) => matches!(unwrap_expr(&c.expr),
                        Expr::Member(m) if member_name(&m.prop) == Some("in")),
                    key => matches!(prop_key(key), Some("in" | "$in")),
                };
                is_in.then_some(&*kv.value)
            }),
            // A bare value may be one id (`id: req.params.id`); only a visible list counts.
            e @ Expr::Call(c)
                if matches!(&c.callee, Callee::Expr(callee)
                if matches!(unwrap_expr(callee), Expr::Member(m)
                    if matches!(member_name(&m.prop), Some("map" | "filter" | "concat")))) =>
            {
                Some(e)
            }
            _ => None,
        }
    }
    match unwrap_expr(&args.first()?.expr) {
        Expr::Object(o) => pk_value(o, 0),
        _ => None,
    }
}

/// A column holding another row's id (`userId`, `teamID`, `parent_id`, `uid`) or one person's
/// address (`email`, `invited_emails`): the rows of one parent.
fn is_foreign_key(name: &str) -> bool {
    name.len() > 2
        && (name.ends_with("Id")
            || name.ends_with("ID")
            || name.ends_with("_id")
            || name.ends_with("Uid")
            // A path into embedded documents (`'slides.id'`, `'owner._id'`).
            || name.ends_with(".id"))
        || name == "uid"
        || {
            let lower = name.to_ascii_lowercase();
            lower.ends_with("email") || lower.ends_with("emails")
        }
}

/// `metric.id`, `user._id`: the id of one row.
fn names_row_id(e: &Expr) -> bool {
    matches!(unwrap_expr(e), Expr::Member(m)
        if matches!(crate::names::member_name(&m.prop), Some("id" | "_id")))
}

/// A value naming one parent row (not a list, not `null`, not an operator object).
fn is_single_value(e: &Expr) -> bool {
    !matches!(
        unwrap_expr(e),
        Expr::Object(_) | Expr::Array(_) | Expr::Lit(Lit::Null(_))
    ) && !matches!(unwrap_expr(e), Expr::Ident(i) if i.sym == "undefined")
}

/// `{ where: { teamId } }`, `{ userId: user.id }`, or a `where` handed in from elsewhere:
/// the rows of one parent, or a filter nodepit cannot read.
fn filters_by_parent(args: &[ExprOrSpread]) -> bool {
    fn check(o: &ObjectLit, depth: u32) -> bool {
        o.props.iter().any(|p| {
            let PropOrSpread::Prop(p) = p else {
                return false;
            };
            match &**p {
                Prop::KeyValue(kv) => match prop_key(&kv.key) {
                    Some("where") if depth == 0 => match unwrap_expr(&kv.value) {
                        Expr::Object(inner) => check(inner, 1),
                        // A filter built elsewhere.
                        _ => true,
                    },
                    Some(k) if is_foreign_key(k) => is_single_value(&kv.value),
                    // `{ metric: metric.id }`: a column named after the parent, given one row's id.
                    Some(_) if names_row_id(&kv.value) => true,
                    // Prisma's relation filters: `members: { some: { userId } }` is the rows
                    // one member belongs to (`none` and `every` are not).
                    Some(_) if (1..4).contains(&depth) => match unwrap_expr(&kv.value) {
                        Expr::Object(rel) => rel.props.iter().any(|p| {
                            matches!(p, PropOrSpread::Prop(p) if matches!(&**p,
                                Prop::KeyValue(f) if matches!(prop_key(&f.key), Some("some" | "is"))
                                    && matches!(unwrap_expr(&f.value), Expr::Object(inner)
                                        if check(inner, depth + 1))))
                        }),
                        _ => false,
                    },
                    _ => false,
                },
                Prop::Shorthand(id) => (depth == 0 && id.sym == "where") || is_foreign_key(&id.sym),
                _ => false,
            }
        })
    }
    args.first()
        .is_some_and(|a| matches!(unwrap_expr(&a.expr), Expr::Object(o) if check(o, 0)))
}

/// TypeORM `.where('sub.userId = :id', { id })` somewhere in a query builder chain.
fn query_builder_by_parent(c: &CallExpr) -> bool {
    chain_calls(c).any(|cur| {
        matches!(method_call(cur), Some((_, "where" | "andWhere")))
            && cur
                .args
                .first()
                .and_then(|a| static_string(&a.expr))
                .is_some_and(|t| pk_equals_value(&t.to_ascii_lowercase()))
    })
}

/// Knex `.where('user_id', id)` or `.where({ userId })` somewhere in the chain.
fn knex_filters_by_parent(c: &CallExpr) -> bool {
    chain_calls(c).any(|cur| {
        if !matches!(method_call(cur), Some((_, "where" | "andWhere"))) {
            return false;
        }
        match cur.args.as_slice() {
            [col, value] => {
                static_string(&col.expr).is_some_and(|k| is_foreign_key(k) || k == "id")
                    && is_single_value(&value.expr)
            }
            [_] => filters_by_parent(&cur.args) || primary_key_values(&cur.args).is_some(),
            _ => false,
        }
    })
}

fn prop_key(key: &PropName) -> Option<&str> {
    match key {
        PropName::Ident(id) => Some(&id.sym),
        PropName::Str(s) => s.value.as_str(),
        _ => None,
    }
}

fn is_bound_key(k: &str) -> bool {
    matches!(
        k,
        "limit"
            | "take"
            | "per_page"
            | "perPage"
            | "pageSize"
            | "page_size"
            | "first"
            | "last"
            | "top"
            | "max"
    )
}

/// Query calls recognised by method shape, since a query's receiver (a model, a repository, a
/// client) is usually defined in another file.
fn query_call(
    model: &Model<'_>,
    c: &CallExpr,
    m: &MemberExpr,
    method: &str,
    depth: u32,
) -> Option<Val> {
    let rows = |what: String, bound: &'static str| {
        Some(Val::Coll(Origin {
            missing_bound: Some(bound),
            ..Origin::new(OriginKind::QueryRows, what, c.span)
        }))
    };
    let label = || format!("{}.{method}(…)", expr_label(&m.obj));
    // SQL text in the call.
    if let Some(first) = c.args.first() {
        if !is_single_row_method(method) {
            if let Some(tpl_or_text) = sql_text_of(model, &first.expr, depth) {
                return match classify_sql(&tpl_or_text) {
                    Sql::Unbounded => {
                        let v = Val::Coll(Origin {
                            missing_bound: Some("LIMIT"),
                            ..Origin::new(
                                OriginKind::QueryRows,
                                sql_label(&tpl_or_text),
                                first.expr.span(),
                            )
                        });
                        if method == "prepare" {
                            match v {
                                Val::Coll(o) => Some(Val::Prepared(o)),
                                v => Some(v),
                            }
                        } else {
                            Some(v)
                        }
                    }
                    Sql::Bounded | Sql::NotRows => None,
                };
            }
        }
    }
    if model.is_lodash(&m.obj) {
        return None;
    }
    // An app-wide configuration table holds one row per setting the code defines.
    let receiver = match unwrap_expr(&m.obj) {
        Expr::Ident(id) => Some(&*id.sym),
        Expr::Member(inner) => member_name(&inner.prop),
        _ => None,
    };
    if receiver.is_some_and(is_config_store) {
        return None;
    }
    if matches!(
        method,
        "find" | "findBy" | "findAll" | "findMany" | "findAndCountAll" | "getMany"
    ) && filters_by_parent(&c.args)
    {
        return None;
    }
    let bounded_chain = |c: &CallExpr| {
        chain_has(
            c,
            &[
                "limit", "take", "first", "paginate", "forPage", "findOne", "top", "page",
                "perPage",
            ],
        ) || has_bound_option(&c.args)
    };
    match method {
        // Mongo / Mongoose / TypeORM / redbean `find`: a filter object, a table name or nothing;
        // a function argument is `Array.prototype.find`.
        "find" | "findBy" => {
            // A string first argument is a table name (`R.find('monitor', …)`), never a CSS
            // selector (`$el.find('.tags')`).
            let table_name = |e: &Expr| {
                static_string(e).is_some_and(|t| {
                    !t.is_empty() && t.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
                })
            };
            let filter_like = c
                .args
                .iter()
                .enumerate()
                .all(|(i, a)| match unwrap_expr(&a.expr) {
                    Expr::Object(_) | Expr::Lit(Lit::Null(_)) => true,
                    e @ (Expr::Lit(Lit::Str(_)) | Expr::Tpl(_)) => i > 0 || table_name(e),
                    _ => false,
                })
                && matches!(
                    unwrap_expr(&m.obj),
                    Expr::Ident(_) | Expr::Member(_) | Expr::This(_) | Expr::Call(_)
                );
            if !filter_like || bounded_chain(c) || sql_args_bounded(model, c, depth) {
                return None;
            }
            rows(label(), "limit")
        }
        "findAll" | "findAndCountAll" => (!bounded_chain(c))
            .then(|| rows(label(), "limit"))
            .flatten(),
        "findMany" => (!bounded_chain(c)).then(|| rows(label(), "take")).flatten(),
        "getMany" | "getRawMany" => {
            if bounded_chain(c) || query_builder_by_parent(c) {
                return None;
            }
            rows(label(), "take")
        }
        // Knex: a chain rooted at `knex('table')` (or `knex.select(…)`), with no limit.
        "select" | "where" | "andWhere" | "orWhere" | "whereNot" | "andWhereNot" | "orWhereNot"
        | "whereIn" | "whereNotIn" | "orWhereIn" | "orWhereNotIn" | "whereNull"
        | "whereNotNull" | "orWhereNull" | "orWhereNotNull" | "whereRaw" | "andWhereRaw"
        | "orWhereRaw" | "whereBetween" | "whereNotBetween" | "whereLike" | "whereILike"
        | "whereExists" | "whereNotExists" | "orderBy" | "orderByRaw" | "groupBy" | "having"
        | "pluck" | "distinct" | "from" | "column" | "columns" | "innerJoin" | "leftJoin"
        | "leftOuterJoin" | "rightJoin" | "rightOuterJoin" | "fullOuterJoin" | "crossJoin"
        | "join" | "joinRaw" | "timeout" => {
            if bounded_chain(c)
                || knex_filters_by_parent(c)
                || chain_has(
                    c,
                    &[
                        "count", "sum", "max", "min", "avg", "update", "del", "delete", "insert",
                    ],
                )
            {
                return None;
            }
            if !is_knex_chain(model, c) {
                return None;
            }
            let root = chain_root(c);
            let table = root.args.first().and_then(|a| static_string(&a.expr));
            if table.is_some_and(is_config_store) {
                return None;
            }
            let what = match (table, &root.callee) {
                (Some(t), Callee::Expr(callee)) if root.args.len() == 1 => {
                    format!("{}('{t}')…", expr_label(callee))
                }
                _ => format!("{}…", call_label(root)),
            };
            rows(what, "limit")
        }
        _ => store_call(model, c, method),
    }
}

/// Whether a model or table name is an app-wide configuration store (`Setting`, `InfraConfig`,
/// `site_settings`, `system_configuration`): one row per key the code defines, not per user.
fn is_config_store(name: &str) -> bool {
    let flat: String = name
        .chars()
        .filter(|ch| ch.is_ascii_alphanumeric())
        .map(|ch| ch.to_ascii_lowercase())
        .collect();
    let rest = [
        "infra", "site", "app", "system", "global", "instance", "server", "platform",
    ]
    .iter()
    .find_map(|p| flat.strip_prefix(p))
    .unwrap_or(&flat);
    matches!(
        rest,
        "config" | "configs" | "configuration" | "configurations" | "setting" | "settings"
    )
}

/// A Knex chain: rooted at `knex('table')` (a callee called with one table name) or at
/// `knex.select(…)` / `knex.from(…)`.
fn is_knex_chain(model: &Model<'_>, c: &CallExpr) -> bool {
    let root = chain_root(c);
    let Callee::Expr(root_callee) = &root.callee else {
        return false;
    };
    match unwrap_expr(root_callee) {
        Expr::Ident(_) => root.args.len() == 1 && static_string(&root.args[0].expr).is_some(),
        Expr::Member(rm) => {
            matches!(member_name(&rm.prop), Some("select" | "from"))
                && matches!(unwrap_expr(&rm.obj), Expr::Ident(_))
                && model.qual(&rm.obj).is_some_and(|q| q.starts_with("knex"))
        }
        _ => false,
    }
}

/// `R.find('monitor', ' user_id = ? LIMIT 10 ')`: SQL fragments among the arguments.
fn sql_args_bounded(model: &Model<'_>, c: &CallExpr, depth: u32) -> bool {
    c.args.iter().any(|a| {
        sql_fragment(model, &a.expr, depth).is_some_and(|t| {
            let t = t.to_ascii_lowercase();
            has_word(&t, "limit")
        })
    })
}

/// Redis reads of a whole set, list or hash under one fixed key: `smembers`, `hgetall`,
/// `keys(pattern)`, `lrange(k, 0, -1)`, `zrange(k, 0, -1)`. A key built per entity
/// (`` `user:${id}:roles` ``) holds that entity's own small list, like a per-parent query.
/// A key may sit in a constant (`const INDEX_KEY = 'sessions:index'`).
fn store_call(model: &Model<'_>, c: &CallExpr, method: &str) -> Option<Val> {
    fn fixed<'e>(model: &'e Model<'_>, e: &'e Expr) -> Option<&'e str> {
        match unwrap_expr(e) {
            Expr::Ident(id) => model.const_init(id).and_then(static_string),
            e => static_string(e),
        }
    }
    let fixed = |e| fixed(model, e);
    let lower = method.to_ascii_lowercase();
    let whole = match lower.as_str() {
        "smembers" | "hgetall" | "hkeys" | "hvals" => c.args.len() == 1,
        "keys" => c.args.len() == 1 && fixed(&c.args[0].expr).is_some_and(|p| p.contains('*')),
        "lrange" | "zrange" | "zrevrange" => {
            c.args.len() == 3 && is_num(&c.args[1].expr, 0.0) && is_num(&c.args[2].expr, -1.0)
        }
        "zrangebyscore" | "zrevrangebyscore" => {
            c.args.len() == 3
                && c.args
                    .iter()
                    .skip(1)
                    .all(|a| matches!(static_string(&a.expr), Some("-inf" | "+inf" | "inf")))
        }
        _ => false,
    };
    let fixed_key = c.args.first().is_some_and(|a| fixed(&a.expr).is_some());
    (whole && fixed_key)
        .then(|| Val::Coll(Origin::new(OriginKind::StoreMembers, call_label(c), c.span)))
}

/// `callee(…)`, for messages.
fn call_label(c: &CallExpr) -> String {
    match &c.callee {
        Callee::Expr(e) => format!(
            "{}({})",
            expr_label(e),
            if c.args.is_empty() { "" } else { "…" }
        ),
        _ => "the call".to_string(),
    }
}

fn is_num(e: &Expr, v: f64) -> bool {
    match unwrap_expr(e) {
        Expr::Lit(Lit::Num(n)) => n.value == v,
        Expr::Unary(u) if u.op == UnaryOp::Minus => {
            matches!(unwrap_expr(&u.arg), Expr::Lit(Lit::Num(n)) if -n.value == v)
        }
        _ => false,
    }
}

/// Methods that read one row, whatever SQL they are given.
fn is_single_row_method(method: &str) -> bool {
    matches!(
        method,
        "one"
            | "maybeOne"
            | "oneFirst"
            | "maybeOneFirst"
            | "get"
            | "first"
            | "queryOne"
            | "getOne"
            | "findOne"
            | "oneOrNone"
            | "row"
            | "exists"
            | "count"
            | "run"
            | "exec"
    )
}

/// `'\n'`, `'\r\n'`, `/\r?\n/`, `os.EOL`.
fn is_newline(model: &Model<'_>, e: &Expr) -> bool {
    match unwrap_expr(e) {
        Expr::Lit(Lit::Str(s)) => s.value.as_str().is_some_and(|v| v == "\n" || v == "\r\n"),
        Expr::Lit(Lit::Regex(r)) => {
            let src = r.exp.as_str();
            src.contains("\\n") && !src.contains(',')
        }
        other => model.qual(other).is_some_and(|q| q == "os.EOL"),
    }
}

/// SQL text: a string, a template (substitutions as `…`), a tagged template (`sql\`…\``,
/// slonik's `sql.type(x)\`…\``) or a constant holding one.
fn sql_text_of(model: &Model<'_>, e: &Expr, depth: u32) -> Option<String> {
    let text = sql_fragment(model, e, depth)?;
    is_select(&text).then_some(text)
}

/// A SELECT (or a WITH … SELECT) that reads from a table.
fn is_select(text: &str) -> bool {
    let t = text
        .trim_start()
        .trim_start_matches('(')
        .trim_start()
        .to_ascii_lowercase();
    (t.starts_with("select") || (t.starts_with("with") && has_word(&t, "select")))
        && has_word(&t, "from")
}

fn sql_fragment(model: &Model<'_>, e: &Expr, depth: u32) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    match unwrap_expr(e) {
        Expr::Lit(Lit::Str(s)) => s.value.as_str().map(str::to_string),
        Expr::Tpl(t) => Some(tpl_text(model, t, depth)),
        Expr::TaggedTpl(t) => Some(tpl_text(model, &t.tpl, depth)),
        Expr::Bin(b) if b.op == BinaryOp::Add => {
            let l = sql_fragment(model, &b.left, depth + 1).unwrap_or_else(|| "…".into());
            let r = sql_fragment(model, &b.right, depth + 1).unwrap_or_else(|| "…".into());
            Some(l + &r)
        }
        Expr::Ident(id) => sql_fragment(model, model.const_init(id)?, depth + 1),
        _ => None,
    }
}

/// A template's text with `…` for substitutions, keeping the text of nested templates and
/// strings (`${pageSize ? `LIMIT ${pageSize}` : ''}`) and the names of substituted values
/// that say they are limits.
fn tpl_text(model: &Model<'_>, t: &Tpl, depth: u32) -> String {
    let mut out = String::new();
    for (i, q) in t.quasis.iter().enumerate() {
        out.push_str(&q.raw);
        if let Some(e) = t.exprs.get(i) {
            out.push('…');
            let mut inner = Strings(Vec::new());
            e.visit_with(&mut inner);
            for s in inner.0 {
                out.push_str(&s);
            }
            if let Some(f) = sql_fragment(model, e, depth + 1) {
                out.push_str(&f);
            }
        }
    }
    out
}

/// String and template text inside a substitution, plus identifier names mentioning a limit.
struct Strings(Vec<String>);

impl Visit for Strings {
    fn visit_str(&mut self, s: &Str) {
        if let Some(v) = s.value.as_str() {
            self.0.push(format!(" {v} "));
        }
    }
    fn visit_tpl_element(&mut self, t: &TplElement) {
        self.0.push(format!(" {} ", t.raw));
    }
    fn visit_ident(&mut self, i: &Ident) {
        let lower = i.sym.to_ascii_lowercase();
        if lower.contains("limit") || lower.contains("pagesize") || lower.contains("page_size") {
            self.0.push(" limit ".into());
        }
    }
    fn visit_ident_name(&mut self, i: &IdentName) {
        let lower = i.sym.to_ascii_lowercase();
        if lower.contains("limit") || lower.contains("pagesize") || lower.contains("page_size") {
            self.0.push(" limit ".into());
        }
    }
}

enum Sql {
    Unbounded,
    Bounded,
    NotRows,
}

fn classify_sql(text: &str) -> Sql {
    let t = text.to_ascii_lowercase();
    if has_word(&t, "limit")
        || t.contains("select top")
        || t.contains("distinct top")
        || t.contains("fetch first")
        || t.contains("fetch next")
    {
        return Sql::Bounded;
    }
    // One row: an aggregate without GROUP BY, or a primary key compared with a value.
    let aggregate = ["count(", "sum(", "max(", "min(", "avg("]
        .iter()
        .any(|a| t.contains(a));
    if aggregate && !t.contains("group by") {
        return Sql::NotRows;
    }
    // The rows of a settings table are the operators' entries, a handful.
    if first_table(&t).is_some_and(is_config_store) {
        return Sql::Bounded;
    }
    if let Some(at) = t.rfind("where") {
        if pk_equals_value(&t[at..]) {
            return Sql::NotRows;
        }
    }
    Sql::Unbounded
}

/// The table named after the first `FROM` of lower-cased SQL, without quotes or schema.
fn first_table(t: &str) -> Option<&str> {
    let mut words = t.split_ascii_whitespace();
    words.by_ref().find(|w| *w == "from")?;
    let table = words
        .next()?
        .trim_matches(['"', '`', '[', ']', ';', ',', '(', ')']);
    let table = table.rsplit('.').next()?.trim_matches(['"', '`', '[', ']']);
    (!table.is_empty()).then_some(table)
}

/// `id = $1`, `u.id = ?`, `user_id = :id`, `"teamId" = …` (a substitution) in a WHERE
/// clause: one row, or the rows of one parent (a user's, a team's), which the parent's own
/// limits keep small.
fn pk_equals_value(where_clause: &str) -> bool {
    let mut from = 0;
    while let Some(pos) = where_clause[from..].find("id") {
        let at = from + pos;
        from = at + 2;
        let rest = where_clause[at + 2..].trim_start_matches(['"', '`', ']']);
        let rest = rest.trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        if rest.starts_with(['?', '$', ':', '@']) || rest.starts_with('…') {
            return true;
        }
    }
    false
}

fn has_word(text: &str, word: &str) -> bool {
    let b = text.as_bytes();
    text.match_indices(word).any(|(at, _)| {
        let end = at + word.len();
        (at == 0 || !(b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_'))
            && (end == b.len() || !(b[end].is_ascii_alphanumeric() || b[end] == b'_'))
    })
}

/// The SQL shortened for a message: whitespace collapsed, cut after about 48 characters.
fn sql_label(text: &str) -> String {
    let collapsed: Vec<&str> = text.split_whitespace().collect();
    let mut out = String::new();
    for word in collapsed {
        if out.chars().count() + word.chars().count() > 48 {
            out.push_str(" …");
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `sql\`SELECT …\`` awaited directly (postgres.js, Prisma's `$queryRaw`).
fn sql_origin(model: &Model<'_>, tpl: &Tpl, span: Span, depth: u32) -> Option<Val> {
    let text = tpl_text(model, tpl, depth);
    if !is_select(&text) {
        return None;
    }
    match classify_sql(&text) {
        Sql::Unbounded => Some(Val::Coll(Origin {
            missing_bound: Some("LIMIT"),
            ..Origin::new(OriginKind::QueryRows, sql_label(&text), span)
        })),
        _ => None,
    }
}

fn collect_idents(e: &Expr, out: &mut Vec<Ident>) {
    struct Idents<'o>(&'o mut Vec<Ident>);
    impl Visit for Idents<'_> {
        fn visit_ident(&mut self, i: &Ident) {
            self.0.push(i.clone());
        }
    }
    e.visit_with(&mut Idents(out));
}

/// `obj.method(…)` → `(obj, method)`.
fn method_of(c: &CallExpr) -> Option<(&Expr, &str)> {
    let Callee::Expr(callee) = &c.callee else {
        return None;
    };
    let Expr::Member(m) = unwrap_expr(callee) else {
        return None;
    };
    Some((&m.obj, member_name(&m.prop)?))
}

fn is_empty_array(e: &Expr) -> bool {
    matches!(unwrap_expr(e), Expr::Array(a) if a.elems.is_empty())
}

/// A loop test that holds until the source runs out: `true`, a cursor or token (`next`,
/// `!done`, `res.hasMore`, `token !== undefined`), never a count (`page < 10`).
fn until_exhausted(test: &Expr) -> bool {
    match unwrap_expr(test) {
        Expr::Lit(Lit::Bool(b)) => b.value,
        // `while (ids.length)` drains a list of the code's own: as long as that list.
        Expr::Member(m) => member_name(&m.prop) != Some("length"),
        Expr::Ident(_) => true,
        Expr::Unary(u) if u.op == UnaryOp::Bang => until_exhausted(&u.arg),
        Expr::Bin(b) => match b.op {
            BinaryOp::LogicalAnd | BinaryOp::LogicalOr => {
                until_exhausted(&b.left) && until_exhausted(&b.right)
            }
            BinaryOp::NotEqEq | BinaryOp::NotEq | BinaryOp::EqEqEq | BinaryOp::EqEq => {
                [&b.left, &b.right].iter().all(|side| {
                    matches!(
                        unwrap_expr(side),
                        Expr::Ident(_) | Expr::Member(_) | Expr::Lit(Lit::Null(_) | Lit::Bool(_))
                    )
                })
            }
            _ => false,
        },
        _ => false,
    }
}

/// Whether a loop body reads `acc.length` (a cap on how much it gathers).
fn reads_length(body: &Stmt, acc: &Id) -> bool {
    struct Length<'a> {
        acc: &'a Id,
        found: bool,
    }
    impl Visit for Length<'_> {
        fn visit_member_expr(&mut self, m: &MemberExpr) {
            if member_name(&m.prop) == Some("length")
                && matches!(unwrap_expr(&m.obj), Expr::Ident(i) if i.to_id() == *self.acc)
            {
                self.found = true;
            }
            m.visit_children_with(self);
        }
    }
    let mut v = Length { acc, found: false };
    body.visit_with(&mut v);
    v.found
}

/// `[]`, `null`, `undefined`, `{}`: a start value that decides nothing.
fn is_empty_value(e: &Expr) -> bool {
    match unwrap_expr(e) {
        Expr::Array(a) => a.elems.is_empty(),
        Expr::Object(o) => o.props.is_empty(),
        Expr::Lit(Lit::Null(_)) => true,
        Expr::Ident(i) => i.sym == "undefined",
        _ => false,
    }
}

/// Whether `e` reads the variable `target` (`ids.filter(…)`, `await dedupe(ids)`).
/// Right-hand sides of `x = …` for one variable, in one function body.
struct Assignments<'e> {
    target: Id,
    found: Vec<&'e Expr>,
}

impl Visit for Assignments<'_> {
    fn visit_assign_expr(&mut self, n: &AssignExpr) {
        if let AssignTarget::Simple(SimpleAssignTarget::Ident(b)) = &n.left {
            if b.id.to_id() == self.target {
                // The walk only reads nodes of the function body it was started on.
                self.found.push(crate::build::pin(&*n.right));
            }
        }
        n.visit_children_with(self);
    }
}

/// `return` arguments of one function body, skipping nested functions.
struct ReturnArgs<'e>(Vec<&'e Expr>);

impl Visit for ReturnArgs<'_> {
    fn visit_return_stmt(&mut self, n: &ReturnStmt) {
        if let Some(arg) = &n.arg {
            self.0.push(crate::build::pin(&**arg));
        }
    }
    fn visit_function(&mut self, _: &Function) {}
    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    fn visit_class(&mut self, _: &Class) {}
}

/// The initialiser of a declaration whose array pattern starts with one name.
struct ArrayPatternInit<'e> {
    target: Id,
    found: Option<&'e Expr>,
}

impl Visit for ArrayPatternInit<'_> {
    fn visit_var_declarator(&mut self, d: &VarDeclarator) {
        if let (Pat::Array(a), Some(init)) = (&d.name, &d.init) {
            if let Some(Some(Pat::Ident(first))) = a.elems.first() {
                if first.id.to_id() == self.target {
                    // The walk only reads nodes of the function body it was started on.
                    self.found = Some(crate::build::pin(&**init));
                }
            }
        }
        d.visit_children_with(self);
    }
}

/// `/var/data`, `~/inbox`, `C:\\data` or a UNC path.
fn is_absolute_path(p: &str) -> bool {
    let b = p.as_bytes();
    p.starts_with('/')
        || p.starts_with('~')
        || p.starts_with("\\\\")
        || (b.len() > 2
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'\\' | b'/'))
}

/// The class a parameter's type annotation names (`@Body() dto: BulkTagDto`).
pub(crate) fn dto_type(pat: &Pat) -> Option<&Ident> {
    let Pat::Ident(b) = pat else { return None };
    match &*b.type_ann.as_ref()?.type_ann {
        TsType::TsTypeRef(TsTypeRef {
            type_name: TsEntityName::Ident(id),
            type_params: None,
            ..
        }) => Some(id),
        _ => None,
    }
}

impl Model<'_> {
    /// Whether an `if` earlier in `func` leaves when the collection is too long: its test is
    /// `xs.length > n` or `xs.length >= n` (or `n < xs.length`), alone or among `||`
    /// alternatives, and its branch returns or throws (Koa's `ctx.throw(…)` too). Past such a
    /// guard the collection has at most `n` elements.
    pub fn length_guarded(&self, collection: &Expr, func: Option<FnId>, before: u32) -> bool {
        let Some(stmts) = func.and_then(|f| self.function(f).node.body_stmts()) else {
            return false;
        };
        let label = expr_label(collection);
        let mut finder = LengthGuard {
            label: &label,
            before,
            found: false,
        };
        stmts.iter().for_each(|s| s.visit_with(&mut finder));
        finder.found
    }
}

struct LengthGuard<'l> {
    label: &'l str,
    before: u32,
    found: bool,
}

impl LengthGuard<'_> {
    fn too_long(&self, test: &Expr) -> bool {
        let Expr::Bin(b) = unwrap_expr(test) else {
            return false;
        };
        let is_len = |e: &Expr| {
            matches!(unwrap_expr(e), Expr::Member(m)
                if member_name(&m.prop) == Some("length") && expr_label(&m.obj) == self.label)
        };
        match b.op {
            BinaryOp::LogicalOr => self.too_long(&b.left) || self.too_long(&b.right),
            BinaryOp::Gt | BinaryOp::GtEq => is_len(&b.left),
            BinaryOp::Lt | BinaryOp::LtEq => is_len(&b.right),
            _ => false,
        }
    }
}

fn exits(s: &Stmt) -> bool {
    match s {
        Stmt::Return(_) | Stmt::Throw(_) => true,
        Stmt::Block(b) => b.stmts.last().is_some_and(exits),
        // Koa's `ctx.throw(400, …)` (and hapi's `h.throw`-style helpers) always throw.
        Stmt::Expr(e) => matches!(unwrap_expr(&e.expr), Expr::Call(c)
            if matches!(&c.callee, Callee::Expr(callee)
                if matches!(unwrap_expr(callee), Expr::Member(m)
                    if member_name(&m.prop) == Some("throw")))),
        _ => false,
    }
}

impl Visit for LengthGuard<'_> {
    fn visit_if_stmt(&mut self, n: &swc_ecma_ast::IfStmt) {
        if n.span.lo.0 < self.before && exits(&n.cons) && self.too_long(&n.test) {
            self.found = true;
        }
        n.visit_children_with(self);
    }

    // Guards of nested functions do not run before this fan-out.
    fn visit_function(&mut self, _: &swc_ecma_ast::Function) {}
    fn visit_arrow_expr(&mut self, _: &swc_ecma_ast::ArrowExpr) {}
}

/// The name of a parameter's TypeScript type, when it is a plain type reference.
fn param_type_name(node: FnNode<'_>, index: usize) -> Option<&str> {
    let ann = match node.params().get(index)? {
        Pat::Ident(b) => b.type_ann.as_deref()?,
        _ => return None,
    };
    match &*ann.type_ann {
        TsType::TsTypeRef(r) => match &r.type_name {
            TsEntityName::Ident(t) => Some(&t.sym),
            TsEntityName::TsQualifiedName(_) => None,
        },
        _ => None,
    }
}
