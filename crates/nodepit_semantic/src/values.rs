//! What expressions are: qualified names of module members and globals, local functions,
//! class instances, and promises.

use std::cell::{OnceCell, RefCell};

use rustc_hash::FxHashMap;
use swc_common::{Span, Spanned};
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use crate::model::*;
use crate::names::{
    callee_name, is_nullish, is_relative, member_name, mentions, method_call, normalize_module,
    prop_name, static_string, unwrap_expr,
};
use crate::parse::Comment;

/// How deep alias chains (`const a = b; const b = c; …`) are followed before giving up.
const MAX_DEPTH: u32 = 16;

impl<'a> Model<'a> {
    /// The qualified name of what an expression refers to, through imports, requires, aliases
    /// and globals: `fs.readFileSync` for `readFileSync` destructured from `require('node:fs')`,
    /// `express()` for `const app = express()`, `process.nextTick` for the global.
    /// Calls and `new` append `()`. Locals that are not module values give `None`.
    pub fn qual(&self, e: &Expr) -> Option<String> {
        // Every expression with one span has one name: a stand-in `Expr::Ident` made from a
        // binding's identifier names what that identifier does. Made-up nodes have no span.
        let span = e.span();
        if span.is_dummy() {
            return self.qual_at(e, 0);
        }
        let key = (span.lo.0, span.hi.0);
        if let Some(known) = self.quals.borrow().get(&key) {
            return known.as_deref().map(String::from);
        }
        let q = self.qual_at(e, 0);
        self.quals
            .borrow_mut()
            .insert(key, q.as_deref().map(Box::from));
        q
    }

    fn qual_at(&self, e: &Expr, depth: u32) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        match unwrap_expr(e) {
            Expr::Ident(id) => self.qual_ident_at(id, depth),
            Expr::Member(m) => {
                let prop = member_name(&m.prop)?;
                let base = self.qual_at(&m.obj, depth + 1)?;
                if base == "globalThis" || base == "global" {
                    return Some(prop.to_string());
                }
                Some(format!("{base}.{prop}"))
            }
            Expr::Call(c) => {
                if let Some(src) = self.require_source(c) {
                    return Some(normalize_module(src));
                }
                let Callee::Expr(callee) = &c.callee else {
                    return None;
                };
                Some(format!("{}()", self.qual_at(callee, depth + 1)?))
            }
            Expr::New(n) => Some(format!("{}()", self.qual_at(&n.callee, depth + 1)?)),
            _ => None,
        }
    }

    /// The qualified name an identifier refers to (see [`Model::qual`]).
    pub fn qual_ident(&self, id: &Ident) -> Option<String> {
        self.qual_ident_at(id, 0)
    }

    fn qual_ident_at(&self, id: &Ident, depth: u32) -> Option<String> {
        if self.is_unresolved(id) {
            return Some(id.sym.to_string());
        }
        let b = self.binding(id)?;
        match &b.kind {
            BindingKind::Import { source, imported } => {
                let base = normalize_module(source);
                Some(match imported {
                    Imported::Default | Imported::Namespace => base,
                    Imported::Named(name) => format!("{base}.{name}"),
                })
            }
            BindingKind::Var {
                init: Some(init),
                path,
                ..
            } if !b.reassigned => {
                let mut q = self.qual_at(init, depth + 1)?;
                for seg in path {
                    q.push('.');
                    q.push_str(seg);
                }
                Some(q)
            }
            _ => None,
        }
    }

    /// The module a `require('m')` call loads, when `require` is Node's.
    pub fn require_source<'c>(&self, call: &'c CallExpr) -> Option<&'c str> {
        let Callee::Expr(callee) = &call.callee else {
            return None;
        };
        let Expr::Ident(id) = unwrap_expr(callee) else {
            return None;
        };
        // The argument first: most calls are not `x('literal')`, and that test is cheaper
        // than looking up what the callee is bound to.
        if call.args.len() != 1 {
            return None;
        }
        let spec = static_string(&call.args[0].expr)?;
        let is_require = self.is_global(id, "require")
            || self.binding(id).is_some_and(|b| match &b.kind {
                // `createRequire(…)` by shape first: qualifying every local callee's
                // initialiser was a tenth of the rules' work.
                BindingKind::Var {
                    init: Some(init), ..
                } => {
                    matches!(unwrap_expr(init), Expr::Call(c) if matches!(&c.callee, Callee::Expr(e) if self.may_be_create_require(e)))
                        && self
                            .qual(init)
                            .is_some_and(|q| q == "module.createRequire()")
                }
                _ => false,
            });
        is_require.then_some(spec)
    }

    /// A callee that can be `module.createRequire` (by its name, or an import renamed), before
    /// asking its qualified name.
    fn may_be_create_require(&self, callee: &Expr) -> bool {
        crate::names::callee_name(callee) == Some("createRequire")
            || matches!(unwrap_expr(callee), Expr::Ident(id) if matches!(self.binding(id).map(|b| &b.kind), Some(BindingKind::Import { .. })))
    }

    /// Whether a qualified name is rooted in a module of this project (`./db`), whose exports
    /// nodepit cannot see.
    pub fn is_local_module(q: &str) -> bool {
        is_relative(q)
    }

    /// The qualified name of a call's callee.
    pub fn callee_qual(&self, call: &CallExpr) -> Option<String> {
        match &call.callee {
            Callee::Expr(callee) => self.qual(callee),
            _ => None,
        }
    }

    /// The function of this file that a call invokes, seen from inside `scope`.
    pub fn callee_fn(&self, call: &CallExpr, scope: Option<FnId>) -> Option<FnId> {
        match &call.callee {
            Callee::Expr(callee) => self.fn_of_expr(callee, scope),
            _ => None,
        }
    }

    /// [`Model::callee_fn`] of the call at index `i` of [`Model::calls`].
    pub(crate) fn callee_fn_at(&self, i: usize) -> Option<FnId> {
        let all = self.callee_fns.get_or_init(|| {
            self.calls
                .iter()
                .map(|site| self.callee_fn(site.node, site.func))
                .collect()
        });
        all[i]
    }

    /// The function of this file an expression evaluates to: a function literal, a name bound
    /// to one, `this.method`, `obj.method` of an object literal or class instance, `f.bind(…)`.
    pub fn fn_of_expr(&self, e: &Expr, scope: Option<FnId>) -> Option<FnId> {
        self.fn_of_expr_at(e, scope, 0)
    }

    fn fn_of_expr_at(&self, e: &Expr, scope: Option<FnId>, depth: u32) -> Option<FnId> {
        if depth > MAX_DEPTH {
            return None;
        }
        match unwrap_expr(e) {
            Expr::Fn(f) => self.fn_at(f.function.span),
            Expr::Arrow(a) => self.fn_at(a.span),
            Expr::Ident(id) => {
                let b = self.binding(id)?;
                match &b.kind {
                    BindingKind::Function(f) => Some(*f),
                    BindingKind::Var {
                        init: Some(init),
                        path,
                        ..
                    } if path.is_empty() && !b.reassigned => {
                        self.fn_of_expr_at(init, scope, depth + 1)
                    }
                    _ => None,
                }
            }
            Expr::Member(m) => {
                let name = member_name(&m.prop)?;
                self.member_fn(&m.obj, name, scope, depth)
            }
            Expr::Call(c) => {
                // `f.bind(thisArg)` is still `f`.
                let Callee::Expr(callee) = &c.callee else {
                    return None;
                };
                let Expr::Member(m) = unwrap_expr(callee) else {
                    return None;
                };
                if member_name(&m.prop) != Some("bind") {
                    return None;
                }
                self.fn_of_expr_at(&m.obj, scope, depth + 1)
            }
            _ => None,
        }
    }

    fn member_fn(&self, obj: &Expr, name: &str, scope: Option<FnId>, depth: u32) -> Option<FnId> {
        match unwrap_expr(obj) {
            Expr::This(_) => match self.function(scope?).this_ref? {
                ThisRef::Class(c) => self.class_method(c, name),
                ThisRef::Object(o) => self.object_method(o, name, scope, depth),
            },
            Expr::Object(o) => self.object_method(o, name, scope, depth),
            Expr::Ident(id) => {
                let b = self.binding(id)?;
                match &b.kind {
                    BindingKind::Class(c) => self.class_method(*c, name),
                    BindingKind::Var {
                        init: Some(init),
                        path,
                        ..
                    } if path.is_empty() && !b.reassigned => match unwrap_expr(init) {
                        Expr::Object(o) => self.object_method(o, name, scope, depth),
                        _ => self.class_method(self.instance_class(init)?, name),
                    },
                    _ => None,
                }
            }
            // `this.audit.record()` with the field holding an instance of this file's class.
            Expr::Member(field) if matches!(unwrap_expr(&field.obj), Expr::This(_)) => {
                let ThisRef::Class(c) = self.function(scope?).this_ref? else {
                    return None;
                };
                let field = match &field.prop {
                    MemberProp::Ident(id) => &*id.sym,
                    _ => return None,
                };
                self.class_method(self.field_class(c, field)?, name)
            }
            other => self.class_method(self.instance_class(other)?, name),
        }
    }

    /// The class of this file whose instance a class keeps in the field `name`: declared with
    /// that type (a constructor parameter property, NestJS's injection, or a field without a
    /// value), or created with `new` in the field or in the constructor.
    fn field_class(&self, class: ClassId, name: &str) -> Option<ClassId> {
        use crate::summary::FieldSource;
        let typed = |ann: Option<&TsTypeAnn>| match ann.map(|a| &*a.type_ann) {
            Some(TsType::TsTypeRef(r)) if r.type_params.is_none() => match &r.type_name {
                TsEntityName::Ident(t) => self.class_of(&Expr::Ident(t.clone())),
                TsEntityName::TsQualifiedName(_) => None,
            },
            _ => None,
        };
        match self.field_source(class, name) {
            (Some(FieldSource::ParamProp(ty)), _) => typed(ty),
            (Some(FieldSource::Created(v)), _) => self.instance_class(v),
            (_, Some(FieldSource::Declared { value: Some(v), .. })) => self.instance_class(v),
            (_, Some(FieldSource::Declared { value: None, ty })) => typed(ty),
            _ => None,
        }
    }

    /// The class of this file whose instance `new C(…)` creates.
    pub fn instance_class(&self, e: &Expr) -> Option<ClassId> {
        let Expr::New(n) = unwrap_expr(e) else {
            return None;
        };
        self.class_of(&n.callee)
    }

    /// The class of this file an expression names.
    pub fn class_of(&self, e: &Expr) -> Option<ClassId> {
        match unwrap_expr(e) {
            Expr::Ident(id) => match &self.binding(id)?.kind {
                BindingKind::Class(c) => Some(*c),
                BindingKind::Var {
                    init: Some(init),
                    path,
                    ..
                } if path.is_empty() => match unwrap_expr(init) {
                    Expr::Class(c) => self
                        .classes
                        .iter()
                        .position(|k| std::ptr::eq(k.node, &*c.class))
                        .map(|i| ClassId(i as u32)),
                    _ => None,
                },
                _ => None,
            },
            Expr::Class(c) => self
                .classes
                .iter()
                .position(|k| std::ptr::eq(k.node, &*c.class))
                .map(|i| ClassId(i as u32)),
            _ => None,
        }
    }

    /// A method (or function-valued field) of a class of this file, looked up through `extends`.
    pub fn class_method(&self, class: ClassId, name: &str) -> Option<FnId> {
        let mut class = Some(class);
        for _ in 0..MAX_DEPTH {
            let info = self.class(class?);
            for member in &info.node.body {
                match member {
                    ClassMember::Method(m) if prop_name(&m.key) == Some(name) => {
                        return self.fn_at(m.function.span)
                    }
                    ClassMember::ClassProp(p) if prop_name(&p.key) == Some(name) => {
                        return self.fn_of_expr(p.value.as_deref()?, None)
                    }
                    _ => {}
                }
            }
            class = info
                .node
                .super_class
                .as_deref()
                .and_then(|s| self.class_of(s));
        }
        None
    }

    fn object_method(
        &self,
        o: &ObjectLit,
        name: &str,
        scope: Option<FnId>,
        depth: u32,
    ) -> Option<FnId> {
        for p in &o.props {
            let PropOrSpread::Prop(p) = p else { continue };
            match &**p {
                Prop::Method(m) if prop_name(&m.key) == Some(name) => {
                    return self.fn_at(m.function.span)
                }
                Prop::KeyValue(kv) if prop_name(&kv.key) == Some(name) => {
                    return self.fn_of_expr_at(&kv.value, scope, depth + 1)
                }
                Prop::Shorthand(id) if id.sym == name => {
                    return self.fn_of_expr_at(&Expr::Ident(id.clone()), scope, depth + 1)
                }
                _ => {}
            }
        }
        None
    }

    /// Whether calling the function yields a promise: declared `async` (not a generator),
    /// typed or documented as returning a `Promise`, or returning a promise on every path.
    pub fn fn_returns_promise(&self, f: FnId) -> bool {
        if let Some(known) = self.promise_memo.borrow()[f.0 as usize] {
            return known;
        }
        // Provisional answer while computing, so recursion terminates.
        self.promise_memo.borrow_mut()[f.0 as usize] = Some(false);
        let info = self.function(f);
        let yes = (info.is_async && !info.is_generator)
            || info.declared_promise
            || (!info.is_generator && self.returns_promise_on_every_path(f));
        self.promise_memo.borrow_mut()[f.0 as usize] = Some(yes);
        yes
    }

    fn returns_promise_on_every_path(&self, f: FnId) -> bool {
        self.returns_on_every_path(f, &|e| self.is_promise(e, Some(f)))
    }

    /// Whether the function returns a promise or a `.then`/`.catch`/`.finally` chain on every
    /// path: what other files can call and drop (`return db.query(…).then(…)` on a pool this
    /// file cannot see is a promise all the same).
    pub fn returns_thenable(&self, f: FnId) -> bool {
        let info = self.function(f);
        !info.is_generator
            && self.returns_on_every_path(f, &|e| {
                self.is_promise(e, Some(f))
                    || matches!(unwrap_expr(e), Expr::Call(c)
                        if method_call(c).is_some_and(|(_, m)| matches!(m, "then" | "catch" | "finally")))
            })
    }

    fn returns_on_every_path(&self, f: FnId, promise: &dyn Fn(&Expr) -> bool) -> bool {
        let node = self.function(f).node;
        if let Some(e) = node.expr_body() {
            return promise(e);
        }
        let Some(stmts) = node.body_stmts() else {
            return false;
        };
        if !ends_in_exit(stmts) {
            return false;
        }
        let mut returns = Returns::default();
        for s in stmts {
            s.visit_with(&mut returns);
        }
        !returns.args.is_empty() && !returns.bare && returns.args.iter().all(|e| promise(e))
    }

    /// Whether calling the function can never produce a rejected promise: every `await`,
    /// `throw` and returned promise sits where a `try` whose `catch` neither throws nor rethrows
    /// absorbs it (or cannot reject in the first place), and every value it returns is a plain
    /// value or a promise that cannot reject. Synchronous code that might throw by accident
    /// (logging, assignments) is not counted: only what the code shows can fail.
    pub fn fn_cannot_reject(&self, f: FnId) -> bool {
        !self.function(f).is_generator && self.body_cannot_reject(f, ReturnRule::Strict)
    }

    /// Whether a function given to `.then`/`.catch`/`.finally` cannot make the chain reject:
    /// a synchronous callback without a `throw` that returns no promise known to reject, or an
    /// async one that cannot reject.
    pub fn callback_is_quiet(&self, cb: &Expr, scope: Option<FnId>) -> bool {
        let Some(f) = self.fn_of_expr(cb, scope) else {
            return match unwrap_expr(cb) {
                // A logging method handed as it is (`.catch(console.error)`,
                // `.catch(logger.warn)`): loggers report, they do not throw.
                Expr::Member(m) => {
                    matches!(
                        member_name(&m.prop),
                        Some("error" | "warn" | "log" | "info" | "debug")
                    ) && matches!(unwrap_expr(&m.obj), Expr::Ident(_) | Expr::Member(_))
                }
                // A middleware's `next` (`.catch(next)`): it hands the error to the error
                // handlers and returns.
                Expr::Ident(id) => {
                    &*id.sym == "next"
                        && matches!(
                            self.binding(id).map(|b| &b.kind),
                            Some(BindingKind::Param { index: 2, .. })
                        )
                }
                _ => false,
            };
        };
        let info = self.function(f);
        if info.is_generator {
            return false;
        }
        if info.is_async {
            return self.fn_cannot_reject(f);
        }
        self.body_cannot_reject(f, ReturnRule::Lenient)
    }

    /// Scans a function body once per return rule: a callback handed to many `.then` calls, or
    /// one that chains itself (`const k = (v) => p.then(k)`), is not walked again.
    fn body_cannot_reject(&self, f: FnId, returns: ReturnRule) -> bool {
        let key = (f.0, returns);
        if let Some(known) = self.promise_facts.reject_memo.borrow().get(&key) {
            return *known;
        }
        // Provisional answer while computing, so recursion terminates on the cautious side.
        self.promise_facts
            .reject_memo
            .borrow_mut()
            .insert(key, false);
        let yes = self.scan_cannot_reject(f, returns);
        self.promise_facts.reject_memo.borrow_mut().insert(key, yes);
        yes
    }

    fn scan_cannot_reject(&self, f: FnId, returns: ReturnRule) -> bool {
        let scan = self.reject_scan(f, returns);
        !scan.throws && !scan.escapes
    }

    fn reject_scan(&self, f: FnId, returns: ReturnRule) -> RejectScan<'_, 'a> {
        let node = self.function(f).node;
        let mut scan = RejectScan {
            model: self,
            scope: f,
            returns,
            throws: false,
            escapes: false,
            thrown_at: None,
            escaped_at: None,
            points: Vec::new(),
            escaped_points: Vec::new(),
        };
        if let Some(e) = node.expr_body() {
            e.visit_with(&mut scan);
            scan.check_return(e);
        } else if let Some(stmts) = node.body_stmts() {
            for s in stmts {
                s.visit_with(&mut scan);
            }
        }
        scan
    }

    /// The first place, in source order, where the body of `f` can make its promise reject: an
    /// `await` of something that can reject, a `for await`, a `throw`, a throwing sync call, or
    /// a returned value known to be a promise that can reject, outside every `try` whose
    /// `catch` absorbs it (a rethrowing `catch` is reported at its own throw). `None` for
    /// generators, which return no single promise. Returned values of unknown calls do not
    /// count (`return next(err)`), so this finds less than [`Model::fn_cannot_reject`] fears.
    pub fn first_rejection(&self, f: FnId) -> Option<Rejection> {
        if self.function(f).is_generator {
            return None;
        }
        let scan = self.reject_scan(f, ReturnRule::Lenient);
        let thrown = scan.thrown_at.filter(|_| scan.throws);
        let escaped = scan.escaped_at.filter(|_| scan.escapes);
        match (thrown, escaped) {
            (Some(a), Some(b)) => Some(if b.span.lo < a.span.lo { b } else { a }),
            (a, b) => a.or(b),
        }
    }

    /// Every place [`Model::first_rejection`] could name, in source order: each `await`, `for
    /// await`, `throw`, throwing sync call or rejecting returned promise that escapes every
    /// `catch`. Rules that can learn more about an awaited call (from another module) than this
    /// file shows use it to see whether anything else can reject.
    pub fn rejections(&self, f: FnId) -> Vec<Rejection> {
        if self.function(f).is_generator {
            return Vec::new();
        }
        let scan = self.reject_scan(f, ReturnRule::Lenient);
        let mut all = scan.points;
        all.extend(scan.escaped_points);
        all.sort_by_key(|r| r.span.lo);
        all
    }

    /// [`Model::rejections`] as [`Model::fn_cannot_reject`] sees the body: a returned value
    /// counts unless it plainly cannot reject (`return svc.send(…)` is a place). For a helper
    /// whose own promise is awaited, so nothing it may return is taken on trust.
    pub fn rejections_strict(&self, f: FnId) -> Vec<Rejection> {
        if self.function(f).is_generator {
            return Vec::new();
        }
        let scan = self.reject_scan(f, ReturnRule::Strict);
        let mut all = scan.points;
        all.extend(scan.escaped_points);
        all.sort_by_key(|r| r.span.lo);
        all
    }

    /// When every place where `f` can reject (as [`Model::rejections_strict`] lists them) sits
    /// in the branch of an `if` that tests a property of one of its own parameters
    /// (`if (payload.notifyAdmin) { … await users.find() … }`, alone or among `&&` tests), the
    /// (parameter position, property) of each such test: a caller that passes an object
    /// literal where those properties are missing or falsy cannot see it reject. `None` when
    /// some place is not guarded so.
    pub fn rejection_guards(&self, f: FnId) -> Option<Vec<(u32, swc_atoms::Atom)>> {
        let points = self.rejections_strict(f);
        if points.is_empty() {
            return None;
        }
        let mut find = GuardIfs {
            model: self,
            func: f,
            found: Vec::new(),
        };
        let node = self.function(f).node;
        if let Some(stmts) = node.body_stmts() {
            stmts.iter().for_each(|s| s.visit_with(&mut find));
        } else {
            return None;
        }
        let mut guards: Vec<(u32, swc_atoms::Atom)> = Vec::new();
        for p in points {
            let (_, index, prop) = find
                .found
                .iter()
                .find(|(cons, _, _)| cons.lo <= p.span.lo && p.span.hi <= cons.hi)?;
            if !guards.iter().any(|(i, q)| i == index && q == prop) {
                guards.push((*index, prop.clone()));
            }
        }
        Some(guards)
    }

    /// Whether an expression is a promise that cannot reject: `Promise.resolve` of a value that
    /// is not a rejecting promise, `Promise.allSettled(…)`, `new Promise` whose executor takes no
    /// `reject` and does not throw, `Promise.all` (`race`, `any`) of such promises, a call of a
    /// function of this file that cannot reject, and `.then`/`.catch`/`.finally` chains on them
    /// whose callbacks cannot reject either.
    pub fn promise_cannot_reject(&self, e: &Expr, scope: Option<FnId>) -> bool {
        self.promise_cannot_reject_at(e, scope, 0)
    }

    fn promise_cannot_reject_at(&self, e: &Expr, scope: Option<FnId>, depth: u32) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match unwrap_expr(e) {
            Expr::New(n) => {
                let is_promise = matches!(unwrap_expr(&n.callee), Expr::Ident(id) if self.is_global(id, "Promise"));
                let executor = n.args.as_ref().and_then(|a| a.first());
                is_promise
                    && executor.is_some_and(|x| {
                        x.spread.is_none() && self.executor_is_quiet(&x.expr, scope)
                    })
            }
            Expr::Call(c) => self.call_cannot_reject_at(c, scope, depth),
            Expr::Cond(c) => {
                self.value_cannot_reject(&c.cons, scope, Names::Lenient, depth + 1)
                    && self.value_cannot_reject(&c.alt, scope, Names::Lenient, depth + 1)
                    && (self.is_promise(&c.cons, scope) || self.is_promise(&c.alt, scope))
            }
            Expr::Seq(s) => s
                .exprs
                .last()
                .is_some_and(|e| self.promise_cannot_reject_at(e, scope, depth + 1)),
            Expr::Ident(id) => match self.const_init(id) {
                Some(init) => self.promise_cannot_reject_at(init, scope, depth + 1),
                None => false,
            },
            _ => false,
        }
    }

    /// [`Model::promise_cannot_reject`] for a call.
    pub fn call_cannot_reject(&self, c: &CallExpr, scope: Option<FnId>) -> bool {
        self.call_cannot_reject_at(c, scope, 0)
    }

    fn call_cannot_reject_at(&self, c: &CallExpr, scope: Option<FnId>, depth: u32) -> bool {
        let Callee::Expr(callee) = &c.callee else {
            return false;
        };
        let callee = unwrap_expr(callee);
        let arg = |i: usize| {
            c.args
                .get(i)
                .filter(|a| a.spread.is_none())
                .map(|a| &*a.expr)
        };
        let given = |i: usize| arg(i).filter(|e| !is_nullish(e));
        if let Some((m, method)) = method_call(c) {
            let receiver_quiet = || self.promise_cannot_reject_at(&m.obj, scope, depth + 1);
            let quiet = |cb: &Expr| self.callback_is_quiet(cb, scope);
            match method {
                "then" => {
                    let fulfilled = given(0).is_none_or(quiet);
                    let rejected = match given(1) {
                        Some(on_rejected) => quiet(on_rejected),
                        None => receiver_quiet(),
                    };
                    return fulfilled && rejected;
                }
                "catch" => {
                    return match given(0) {
                        Some(on_rejected) => quiet(on_rejected),
                        None => receiver_quiet(),
                    }
                }
                "finally" => return receiver_quiet() && given(0).is_none_or(quiet),
                // Handing a pooled connection back (`queryRunner.release()`, `client.release()`)
                // returns it to the pool's list; drivers do not fail it.
                "release" if c.args.is_empty() => return true,
                _ => {}
            }
        }
        if let Some(f) = self.fn_of_expr(callee, scope) {
            return self.fn_returns_promise(f) && self.fn_cannot_reject(f);
        }
        let Some(q) = self.qual(callee) else {
            return false;
        };
        match q.as_str() {
            "Promise.allSettled" => true,
            // SweetAlert2 settles a dialog's promise with how it was closed, even when it was
            // dismissed; it never rejects.
            "Swal.fire" => true,
            q if q.starts_with("sweetalert2") && q.ends_with(".fire") => true,
            "Promise.resolve" => {
                c.args.is_empty()
                    || (c.args.len() == 1
                        && arg(0).is_some_and(|v| {
                            self.value_cannot_reject(v, scope, Names::Lenient, depth + 1)
                        }))
            }
            "Promise.all" | "Promise.race" | "Promise.any" => {
                arg(0).is_some_and(|xs| self.elements_cannot_reject(xs, scope, depth + 1))
            }
            _ => false,
        }
    }

    /// Whether every element of the iterable handed to `Promise.all` cannot reject: an array
    /// literal of such values, or `xs.map(f)` with `f` a function of this file that cannot reject.
    fn elements_cannot_reject(&self, xs: &Expr, scope: Option<FnId>, depth: u32) -> bool {
        match unwrap_expr(xs) {
            Expr::Array(a) => a.elems.iter().flatten().all(|el| {
                el.spread.is_none()
                    && self.value_cannot_reject(&el.expr, scope, Names::Strict, depth)
            }),
            Expr::Call(c) => {
                method_call(c).is_some_and(|(_, name)| name == "map")
                    && c.args.first().is_some_and(|a| {
                        a.spread.is_none()
                            && self
                                .fn_of_expr(&a.expr, scope)
                                .is_some_and(|f| self.fn_cannot_reject(f))
                    })
            }
            // `const drops = names.map(drop); await Promise.all(drops)`: only a mapped list,
            // which code rarely pushes more onto.
            Expr::Ident(id) if depth < MAX_DEPTH => self.const_init(id).is_some_and(|init| {
                matches!(unwrap_expr(init), Expr::Call(c)
                    if method_call(c).is_some_and(|(_, name)| name == "map"))
                    && self.elements_cannot_reject(init, scope, depth + 1)
            }),
            _ => false,
        }
    }

    /// Whether a `new Promise` executor can only resolve: it takes no `reject` parameter and
    /// does not throw.
    fn executor_is_quiet(&self, executor: &Expr, scope: Option<FnId>) -> bool {
        let Some(f) = self.fn_of_expr(executor, scope) else {
            return false;
        };
        let info = self.function(f);
        let params = info.node.params();
        // A `reject` that is declared but never mentioned is as good as absent.
        let rejects = match params.get(1) {
            None => false,
            Some(Pat::Ident(reject)) => {
                let id = reject.id.to_id();
                info.node.expr_body().is_some_and(|e| mentions(e, &id))
                    || info
                        .node
                        .body_stmts()
                        .unwrap_or_default()
                        .iter()
                        .any(|s| mentions(s, &id))
            }
            Some(_) => true,
        };
        !info.is_async
            && !info.is_generator
            && params.len() < 3
            && !rejects
            && self.body_cannot_reject(f, ReturnRule::Ignored)
    }

    /// Whether a value handed on (returned, awaited, resolved with) cannot bring a rejection
    /// with it: a promise that cannot reject, or a value that is plainly not a promise. Calls
    /// of unknown functions might return a rejecting promise, so they count against it; with
    /// `Names::Lenient`, names and properties of unknown origin are taken as plain values.
    fn value_cannot_reject(&self, e: &Expr, scope: Option<FnId>, names: Names, depth: u32) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let e = unwrap_expr(e);
        if self.promise_cannot_reject_at(e, scope, depth + 1) {
            return true;
        }
        match e {
            Expr::Call(c) => {
                if self.is_promise(e, scope) {
                    return false;
                }
                // `await import('mime')`: loading a named module fails only when the app is
                // installed wrong, which no request or job can cause or handle.
                if matches!(c.callee, Callee::Import(_))
                    && c.args.len() == 1
                    && matches!(unwrap_expr(&c.args[0].expr), Expr::Lit(Lit::Str(_)))
                {
                    return true;
                }
                let Callee::Expr(callee) = &c.callee else {
                    return false;
                };
                if let Some(f) = self.fn_of_expr(callee, scope) {
                    // A synchronous function of this file hands back what its returns hand back.
                    return !self.function(f).is_async && self.fn_cannot_reject(f);
                }
                // `return cb(result)`: a callback handed in is taken for what callbacks
                // usually are, synchronous; nothing in the file says it returns a promise.
                // What `Promise.all` is given is meant to be promises, so not there.
                let is_param = names == Names::Lenient
                    && matches!(unwrap_expr(callee), Expr::Ident(id)
                    if matches!(self.binding(id).map(|b| &b.kind), Some(BindingKind::Param { .. })));
                is_param || self.returns_plain_data(callee)
            }
            Expr::New(n) => {
                !matches!(unwrap_expr(&n.callee), Expr::Ident(id) if self.is_global(id, "Promise"))
            }
            Expr::TaggedTpl(_) | Expr::Yield(_) => false,
            Expr::Cond(c) => {
                self.value_cannot_reject(&c.cons, scope, names, depth + 1)
                    && self.value_cannot_reject(&c.alt, scope, names, depth + 1)
            }
            Expr::Seq(s) => s
                .exprs
                .last()
                .is_some_and(|e| self.value_cannot_reject(e, scope, names, depth + 1)),
            Expr::Bin(b)
                if matches!(
                    b.op,
                    BinaryOp::LogicalAnd | BinaryOp::LogicalOr | BinaryOp::NullishCoalescing
                ) =>
            {
                self.value_cannot_reject(&b.left, scope, names, depth + 1)
                    && self.value_cannot_reject(&b.right, scope, names, depth + 1)
            }
            Expr::Assign(a) => self.value_cannot_reject(&a.right, scope, names, depth + 1),
            Expr::Ident(id) => {
                if self.is_global(id, "undefined") {
                    return true;
                }
                match self.const_init(id) {
                    Some(init) => self.value_cannot_reject(init, scope, names, depth + 1),
                    None => names == Names::Lenient,
                }
            }
            Expr::Member(_) | Expr::SuperProp(_) | Expr::OptChain(_) => names == Names::Lenient,
            // Literals, templates, objects, arrays, functions, classes, arithmetic, `await`
            // (its value is already settled), `this`, `typeof`, `new X()`.
            _ => true,
        }
    }

    /// Whether a call of something this file cannot see still plainly yields data, not a
    /// promise: built-ins that compute values (`JSON.parse`, `Object.keys`, `Math.max`) and
    /// methods called on an awaited result (`rows.map(…)` after `const rows = await query()`).
    fn returns_plain_data(&self, callee: &Expr) -> bool {
        if let Some(q) = self.qual(callee) {
            let root = q.split('.').next().unwrap_or_default();
            if matches!(
                root,
                "JSON"
                    | "Math"
                    | "Object"
                    | "Array"
                    | "Number"
                    | "String"
                    | "Boolean"
                    | "Date"
                    | "parseInt"
                    | "parseFloat"
                    | "encodeURIComponent"
                    | "decodeURIComponent"
                    | "path"
            ) && !q.contains("()")
            {
                return true;
            }
            // fp-ts builds plain values (`E.left(err)`, `O.some(x)`); even its `Task`s are
            // functions, never promises until someone calls them.
            if (root == "fp-ts" || root.starts_with("fp-ts/")) && !q.contains("()") {
                return true;
            }
        }
        let mut e = unwrap_expr(callee);
        for _ in 0..MAX_DEPTH {
            e = match e {
                Expr::Member(m) => unwrap_expr(&m.obj),
                Expr::Call(c) => match &c.callee {
                    Callee::Expr(callee) => unwrap_expr(callee),
                    _ => return false,
                },
                Expr::Ident(id) => {
                    return self
                        .const_init(id)
                        .is_some_and(|init| awaited_data(unwrap_expr(init)))
                }
                Expr::Await(_) => return awaited_data(e),
                Expr::Lit(_) | Expr::Tpl(_) | Expr::Array(_) => return true,
                _ => return false,
            };
        }
        false
    }

    /// The names destructured from the same initializer as `id` (`const { runAsync, error } =
    /// useAsync()` gives `runAsync` and `error`), `id`'s own among them.
    pub fn destructured_with(&self, id: &Ident) -> Vec<&str> {
        let Some(BindingKind::Var {
            init: Some(init), ..
        }) = self.binding(id).map(|b| &b.kind)
        else {
            return Vec::new();
        };
        self.bindings
            .iter()
            .filter(|(_, b)| {
                matches!(&b.kind, BindingKind::Var { init: Some(other), .. }
                    if std::ptr::eq(*other, *init))
            })
            .map(|(k, _)| k.0.as_str())
            .collect()
    }

    /// The initialiser of a name bound once (`const x = …`, or a `let` never reassigned), not
    /// destructured.
    pub fn const_init(&self, id: &Ident) -> Option<&'a Expr> {
        let b = self.binding(id)?;
        match &b.kind {
            BindingKind::Var {
                init: Some(init),
                path,
                ..
            } if path.is_empty() && !b.reassigned => Some(init),
            _ => None,
        }
    }

    /// Whether an expression evaluates to a promise, as far as this file and Node's own APIs tell.
    pub fn is_promise(&self, e: &Expr, scope: Option<FnId>) -> bool {
        match unwrap_expr(e) {
            Expr::New(n) => {
                matches!(unwrap_expr(&n.callee), Expr::Ident(id) if self.is_global(id, "Promise"))
            }
            Expr::Call(c) => self.call_returns_promise(c, scope),
            Expr::Cond(c) => self.is_promise(&c.cons, scope) || self.is_promise(&c.alt, scope),
            Expr::Seq(s) => s.exprs.last().is_some_and(|e| self.is_promise(e, scope)),
            _ => false,
        }
    }

    /// Whether a call returns a promise (see [`Model::is_promise`]).
    pub fn call_returns_promise(&self, c: &CallExpr, scope: Option<FnId>) -> bool {
        let Callee::Expr(callee) = &c.callee else {
            return false;
        };
        let callee = unwrap_expr(callee);
        if let Expr::Member(m) = callee {
            if matches!(member_name(&m.prop), Some("then" | "catch" | "finally"))
                && self.is_promise(&m.obj, scope)
            {
                return true;
            }
        }
        if let Some(f) = self.fn_of_expr(callee, scope) {
            return self.fn_returns_promise(f);
        }
        self.qual(callee).is_some_and(|q| is_promise_api(&q))
    }
}

impl<'a> Model<'a> {
    /// Whether a `.then` receiver is another library's thenable rather than a native promise:
    /// a Cypress chain (rooted at `cy` or `Cypress`), a jQuery Deferred (rooted at `$` or
    /// `jQuery`), or any receiver in a file that drives a browser-test library (Cypress,
    /// Protractor, selenium-webdriver, WebdriverIO, Nightwatch, TestCafe), whose commands queue
    /// on the library's own control flow and report failures through its runner.
    pub fn is_foreign_thenable(&self, receiver: &Expr) -> bool {
        self.chain_is_foreign(receiver, 0) || self.drives_browser_tests()
    }

    fn chain_is_foreign(&self, e: &Expr, depth: u32) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match unwrap_expr(e) {
            Expr::Member(m) => self.chain_is_foreign(&m.obj, depth + 1),
            Expr::Call(c) => match &c.callee {
                Callee::Expr(callee) => self.chain_is_foreign(callee, depth + 1),
                _ => false,
            },
            // `(done ? result : cy.wrap(result)).then(…)`
            Expr::Cond(c) => {
                self.chain_is_foreign(&c.cons, depth + 1)
                    || self.chain_is_foreign(&c.alt, depth + 1)
            }
            Expr::Ident(id) if self.is_unresolved(id) => {
                matches!(&*id.sym, "cy" | "Cypress" | "$" | "jQuery")
            }
            Expr::Ident(id) => match self.const_init(id) {
                // `const header = cy.contains(…); header.next(…).then(…)`
                Some(init) => self.chain_is_foreign(init, depth + 1),
                None => self
                    .qual_ident(id)
                    .is_some_and(|q| q == "jquery" || q.starts_with("jquery.")),
            },
            _ => false,
        }
    }

    /// Whether the file drives a browser-test library: it loads one by import, `require` or a
    /// triple-slash `reference types` directive, or calls the globals Cypress and Protractor
    /// install (`cy.get(…)`, `element(by.css(…))`).
    fn drives_browser_tests(&self) -> bool {
        *self.promise_facts.drives_browser_tests.get_or_init(|| {
            self.promise_facts.references_browser_tests
                || self.loads_module(is_browser_test_module)
                || self.calls.iter().any(|site| {
                    let Callee::Expr(callee) = &site.node.callee else {
                        return false;
                    };
                    self.global_root(callee).is_some_and(|root| {
                        matches!(root, "cy" | "Cypress" | "element" | "by" | "protractor")
                    })
                })
        })
    }

    /// The global a member chain starts from (`cy` in `cy.get('a').find('b')`).
    fn global_root<'e>(&self, e: &'e Expr) -> Option<&'e str> {
        let mut e = unwrap_expr(e);
        for _ in 0..MAX_DEPTH {
            e = match e {
                Expr::Member(m) => unwrap_expr(&m.obj),
                Expr::Call(c) => match &c.callee {
                    Callee::Expr(callee) => unwrap_expr(callee),
                    _ => return None,
                },
                Expr::Ident(id) if self.is_unresolved(id) => return Some(&id.sym),
                _ => return None,
            };
        }
        None
    }

    /// Whether an import or `require` of the file loads a module the predicate accepts.
    fn loads_module(&self, accept: fn(&str) -> bool) -> bool {
        let imported = match self.program {
            Program::Module(m) => m.body.iter().any(|item| {
                matches!(item, ModuleItem::ModuleDecl(ModuleDecl::Import(i))
                    if i.src.value.as_atom().is_some_and(|a| accept(a)))
            }),
            Program::Script(_) => false,
        };
        imported
            || self.bindings.values().any(|b| match &b.kind {
                BindingKind::Import { source, .. } => accept(source),
                BindingKind::Var {
                    init: Some(init), ..
                } => self.required_module(init).is_some_and(accept),
                _ => false,
            })
    }

    /// The module behind `require('m')`, `require('m').x` or `require('m')(…)`.
    fn required_module<'e>(&self, init: &'e Expr) -> Option<&'e str> {
        let mut e = unwrap_expr(init);
        for _ in 0..MAX_DEPTH {
            e = match e {
                Expr::Member(m) => unwrap_expr(&m.obj),
                Expr::Call(c) => {
                    if let Some(src) = self.require_source(c) {
                        return Some(src);
                    }
                    match &c.callee {
                        Callee::Expr(callee) => unwrap_expr(callee),
                        _ => return None,
                    }
                }
                _ => return None,
            };
        }
        None
    }
}

/// Per-file inputs and memos of the promise facts.
#[derive(Debug, Default)]
pub(crate) struct PromiseFacts {
    /// A triple-slash directive references a browser-test library's types.
    references_browser_tests: bool,
    /// Whether the file drives a browser-test library, computed on first use.
    drives_browser_tests: OnceCell<bool>,
    /// Whether a function body cannot reject, by function index and return rule.
    reject_memo: RefCell<FxHashMap<(u32, ReturnRule), bool>>,
}

impl PromiseFacts {
    /// The facts that come from the file's comments.
    pub(crate) fn new(comments: &[Comment]) -> Self {
        let references_browser_tests = comments
            .iter()
            .any(|c| !c.block && reference_types(&c.text).is_some_and(is_browser_test_module));
        Self {
            references_browser_tests,
            ..Self::default()
        }
    }
}

/// The package of a `/// <reference types="…" />` directive, given the comment's text after `//`.
fn reference_types(text: &str) -> Option<&str> {
    let rest = text
        .strip_prefix('/')?
        .trim_start()
        .strip_prefix("<reference")?;
    let after = &rest[rest.find("types=")? + "types=".len()..];
    let quote = after.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    let value = &after[1..];
    Some(&value[..value.find(quote)?])
}

/// Browser-test libraries whose commands return their own thenables.
fn is_browser_test_module(m: &str) -> bool {
    const DRIVERS: [&str; 6] = [
        "cypress",
        "protractor",
        "selenium-webdriver",
        "webdriverio",
        "nightwatch",
        "testcafe",
    ];
    DRIVERS.iter().any(|d| {
        m.strip_prefix(d)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }) || m.starts_with("@wdio/")
        || m.starts_with("@cypress/")
}

/// Which returned values [`RejectScan`] holds against a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ReturnRule {
    /// Only plain values and promises that cannot reject (a function whose promise is used).
    Strict,
    /// Anything but a promise known to reject (a callback, following what the file shows).
    Lenient,
    /// Return values do not matter (a `new Promise` executor).
    Ignored,
}

/// How names and properties of unknown origin are taken by `value_cannot_reject`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Names {
    /// As possibly holding a rejecting promise (what an `await` or `Promise.all` is given).
    Strict,
    /// As plain values (what is returned or resolved with).
    Lenient,
}

/// Scans one function body for what could reject its promise: `throw`, `await` of something
/// that can reject, `for await`, and returned promises that can reject; a `try` whose `catch`
/// cannot itself throw absorbs what its block throws, but not a promise returned from it
/// without `await`, which settles after the `try` is left.
struct RejectScan<'m, 'a> {
    model: &'m Model<'a>,
    scope: FnId,
    returns: ReturnRule,
    throws: bool,
    escapes: bool,
    /// Where `throws` first became true in the code that decides it now.
    thrown_at: Option<Rejection>,
    /// The first returned promise that can reject.
    escaped_at: Option<Rejection>,
    /// Every place that makes `throws` true in the code that decides it now, in source order.
    points: Vec<Rejection>,
    /// Every returned promise that can reject.
    escaped_points: Vec<Rejection>,
}

/// Where an async function's promise can reject (see [`Model::first_rejection`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejection {
    /// The `await`, `for await` statement, `throw` statement, call, or returned expression.
    pub span: Span,
    /// What rejects there.
    pub kind: RejectionKind,
}

/// What makes an async function's promise reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionKind {
    /// An `await` of a promise that can reject.
    Await,
    /// A `for await` loop over an iterator that can fail.
    ForAwait,
    /// A `throw` statement.
    Throw,
    /// A synchronous call that reports failure by throwing (`fs.readFileSync`, `JSON.parse`).
    SyncThrow,
    /// A returned promise that can reject.
    Return,
}

impl RejectScan<'_, '_> {
    fn throw_at(&mut self, span: Span, kind: RejectionKind) {
        self.throws = true;
        self.points.push(Rejection { span, kind });
        if self.thrown_at.is_none() {
            self.thrown_at = Some(Rejection { span, kind });
        }
    }

    fn check_return(&mut self, arg: &Expr) {
        let scope = Some(self.scope);
        let ok = match self.returns {
            ReturnRule::Ignored => true,
            ReturnRule::Strict => self
                .model
                .value_cannot_reject(arg, scope, Names::Lenient, 0),
            ReturnRule::Lenient => {
                !self.model.is_promise(arg, scope) || self.model.promise_cannot_reject(arg, scope)
            }
        };
        if !ok {
            self.escapes = true;
            self.escaped_points.push(Rejection {
                span: arg.span(),
                kind: RejectionKind::Return,
            });
            if self.escaped_at.is_none() {
                self.escaped_at = Some(Rejection {
                    span: arg.span(),
                    kind: RejectionKind::Return,
                });
            }
        }
    }
}

impl Visit for RejectScan<'_, '_> {
    fn visit_throw_stmt(&mut self, n: &ThrowStmt) {
        self.throw_at(n.span, RejectionKind::Throw);
        n.visit_children_with(self);
    }
    fn visit_await_expr(&mut self, n: &AwaitExpr) {
        let quiet = self
            .model
            .value_cannot_reject(&n.arg, Some(self.scope), Names::Strict, 0);
        if !quiet {
            self.throw_at(n.span, RejectionKind::Await);
        }
        n.visit_children_with(self);
    }
    fn visit_call_expr(&mut self, n: &CallExpr) {
        // Synchronous code is taken not to fail, except where failing is the API's way of
        // reporting: Node's `*Sync` calls and `JSON.parse`.
        if let Callee::Expr(callee) = &n.callee {
            let spelled = matches!(callee_name(callee), Some(name) if name == "parse" || name.ends_with("Sync"));
            if spelled
                && self
                    .model
                    .qual(callee)
                    .is_some_and(|q| throws_on_failure(&q))
            {
                self.throw_at(n.span, RejectionKind::SyncThrow);
            }
        }
        n.visit_children_with(self);
    }
    fn visit_for_of_stmt(&mut self, n: &ForOfStmt) {
        if n.is_await {
            self.throw_at(n.span, RejectionKind::ForAwait);
        }
        n.visit_children_with(self);
    }
    fn visit_return_stmt(&mut self, n: &ReturnStmt) {
        if let Some(arg) = &n.arg {
            self.check_return(arg);
            arg.visit_with(self);
        }
    }
    fn visit_try_stmt(&mut self, n: &TryStmt) {
        let before = std::mem::take(&mut self.throws);
        let before_at = self.thrown_at.take();
        let mut points = std::mem::take(&mut self.points);
        n.block.visit_with(self);
        let block = std::mem::take(&mut self.throws);
        let block_at = self.thrown_at.take();
        let block_points = std::mem::take(&mut self.points);
        // A rejection in the block escapes through a `catch` that throws (reported there), or
        // through a `try` without `catch`.
        let (handler, escaped_at, escaped_points) = match &n.handler {
            Some(h) => {
                h.visit_with(self);
                (
                    std::mem::take(&mut self.throws),
                    self.thrown_at.take(),
                    std::mem::take(&mut self.points),
                )
            }
            None => (true, block_at, block_points),
        };
        if let Some(f) = &n.finalizer {
            f.visit_with(self);
        }
        let finally_at = self.thrown_at.take();
        if block && handler {
            points.extend(escaped_points);
        }
        points.append(&mut self.points);
        self.points = points;
        self.throws = before || (block && handler) || self.throws;
        self.thrown_at = before_at
            .filter(|_| before)
            .or(escaped_at.filter(|_| block && handler))
            .or(finally_at);
    }
    fn visit_function(&mut self, _: &Function) {}
    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    fn visit_class(&mut self, _: &Class) {}
}

/// Synchronous Node and JavaScript APIs that report failure by throwing.
fn throws_on_failure(q: &str) -> bool {
    if q == "JSON.parse" {
        return true;
    }
    let Some((module, name)) = q.split_once('.') else {
        return false;
    };
    // `fs.existsSync` reports a missing or unreadable path as `false`; it never throws.
    matches!(module, "fs" | "child_process" | "zlib" | "crypto")
        && name.ends_with("Sync")
        && !name.contains('.')
        && q != "fs.existsSync"
}

/// Finds a mention of one binding, nested functions included.
/// Node and web APIs that return a promise, by qualified name.
fn is_promise_api(q: &str) -> bool {
    if let Some(method) = q.strip_prefix("Promise.") {
        return matches!(
            method,
            "resolve" | "reject" | "all" | "allSettled" | "any" | "race" | "try"
        );
    }
    if let Some(name) = q.strip_prefix("timers.promises.") {
        return matches!(
            name,
            "setTimeout" | "setImmediate" | "scheduler.wait" | "scheduler.yield"
        );
    }
    [
        "fs.promises.",
        "dns.promises.",
        "stream.promises.",
        "readline.promises.",
    ]
    .iter()
    .any(|p| {
        q.strip_prefix(p)
            .is_some_and(|rest| !rest.contains('.') && !rest.starts_with(char::is_uppercase))
    }) || matches!(
        q,
        "fetch"
            | "node-fetch"
            | "undici.fetch"
            | "undici.request"
            | "events.once"
            | "util.promisify()"
    )
}

/// Whether a statement list cannot complete normally (it ends in `return`/`throw` on every branch).
fn ends_in_exit(stmts: &[Stmt]) -> bool {
    stmts.last().is_some_and(stmt_exits)
}

fn stmt_exits(s: &Stmt) -> bool {
    match s {
        Stmt::Return(_) | Stmt::Throw(_) => true,
        Stmt::Block(b) => ends_in_exit(&b.stmts),
        Stmt::If(i) => i
            .alt
            .as_deref()
            .is_some_and(|alt| stmt_exits(&i.cons) && stmt_exits(alt)),
        Stmt::Try(t) => {
            ends_in_exit(&t.block.stmts)
                && t.handler
                    .as_ref()
                    .is_none_or(|h| ends_in_exit(&h.body.stmts))
        }
        _ => false,
    }
}

/// Collects `return` arguments of one function body, skipping nested functions.
#[derive(Default)]
struct Returns<'e> {
    args: Vec<&'e Expr>,
    bare: bool,
}

impl Visit for Returns<'_> {
    fn visit_return_stmt(&mut self, n: &ReturnStmt) {
        match &n.arg {
            // The walk only reads nodes of the function body it was started on.
            Some(arg) => self.args.push(crate::build::pin(&**arg)),
            None => self.bare = true,
        }
    }
    fn visit_function(&mut self, _: &Function) {}
    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    fn visit_class(&mut self, _: &Class) {}
}

/// The `if` statements of one function body whose test requires a property of one of its
/// parameters to be truthy: the consequent's span, the parameter's position and the property.
struct GuardIfs<'m, 'a> {
    model: &'m Model<'a>,
    func: FnId,
    found: Vec<(Span, u32, swc_atoms::Atom)>,
}

impl GuardIfs<'_, '_> {
    /// `param.prop`, or such a test among the operands of `&&`.
    fn guard(&self, test: &Expr) -> Option<(u32, swc_atoms::Atom)> {
        match unwrap_expr(test) {
            Expr::Bin(b) if b.op == BinaryOp::LogicalAnd => {
                self.guard(&b.left).or_else(|| self.guard(&b.right))
            }
            Expr::Member(m) => {
                let MemberProp::Ident(prop) = &m.prop else {
                    return None;
                };
                let Expr::Ident(id) = unwrap_expr(&m.obj) else {
                    return None;
                };
                let b = self.model.binding(id)?;
                match b.kind {
                    BindingKind::Param {
                        func,
                        index,
                        destructured: false,
                    } if func == self.func && !b.reassigned => {
                        Some((index as u32, prop.sym.clone()))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

impl Visit for GuardIfs<'_, '_> {
    fn visit_if_stmt(&mut self, n: &IfStmt) {
        if let Some((index, prop)) = self.guard(&n.test) {
            self.found.push((n.cons.span(), index, prop));
        }
        n.visit_children_with(self);
    }
    // Places of nested functions are not places of this one.
    fn visit_function(&mut self, _: &Function) {}
    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    fn visit_class(&mut self, _: &Class) {}
}

/// Whether an `await` yields data (`await db.query(…)`'s rows), not a client whose methods
/// return promises again: `await createClient().connect()`, `await mysql.createConnection(…)`,
/// `await pool.connect()`, `await puppeteer.launch()`.
fn awaited_data(e: &Expr) -> bool {
    let Expr::Await(a) = e else { return false };
    let Expr::Call(c) = unwrap_expr(&a.arg) else {
        return true;
    };
    let name = match &c.callee {
        Callee::Expr(callee) => crate::names::callee_name(callee),
        _ => None,
    };
    !matches!(
        name,
        Some(
            "connect"
                | "createConnection"
                | "createPool"
                | "getConnection"
                | "createClient"
                | "open"
                | "launch"
                | "newPage"
                | "newContext"
        )
    )
}
