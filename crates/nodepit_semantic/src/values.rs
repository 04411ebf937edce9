//! What expressions are: qualified names of module members and globals, local functions,
//! class instances, and promises.

use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use crate::model::*;
use crate::names::{
    is_relative, member_name, normalize_module, prop_name, static_string, unwrap_expr,
};

/// How deep alias chains (`const a = b; const b = c; …`) are followed before giving up.
const MAX_DEPTH: u32 = 16;

impl<'a> Model<'a> {
    /// The qualified name of what an expression refers to, through imports, requires, aliases
    /// and globals: `fs.readFileSync` for `readFileSync` destructured from `require('node:fs')`,
    /// `express()` for `const app = express()`, `process.nextTick` for the global.
    /// Calls and `new` append `()`. Locals that are not module values give `None`.
    pub fn qual(&self, e: &Expr) -> Option<String> {
        self.qual_at(e, 0)
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
        let is_require = self.is_global(id, "require")
            || self.binding(id).is_some_and(|b| match &b.kind {
                BindingKind::Var {
                    init: Some(init), ..
                } => self
                    .qual(init)
                    .is_some_and(|q| q == "module.createRequire()"),
                _ => false,
            });
        if !is_require || call.args.len() != 1 {
            return None;
        }
        static_string(&call.args[0].expr)
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
            other => self.class_method(self.instance_class(other)?, name),
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
        let node = self.function(f).node;
        if let Some(e) = node.expr_body() {
            return self.is_promise(e, Some(f));
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
        !returns.args.is_empty()
            && !returns.bare
            && returns.args.iter().all(|e| self.is_promise(e, Some(f)))
    }

    /// Whether an async function can never reject: its whole body is one `try` whose `catch`
    /// neither throws nor rethrows.
    pub fn fn_cannot_reject(&self, f: FnId) -> bool {
        let info = self.function(f);
        if !info.is_async {
            return false;
        }
        let Some([Stmt::Try(t)]) = info.node.body_stmts() else {
            return false;
        };
        let Some(handler) = &t.handler else {
            return false;
        };
        let mut throws = Throws(false);
        handler.body.visit_with(&mut throws);
        if let Some(fin) = &t.finalizer {
            fin.visit_with(&mut throws);
        }
        !throws.0
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

/// Finds a `throw` outside nested functions.
struct Throws(bool);

impl Visit for Throws {
    fn visit_throw_stmt(&mut self, _: &ThrowStmt) {
        self.0 = true;
    }
    fn visit_function(&mut self, _: &Function) {}
    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    fn visit_class(&mut self, _: &Class) {}
}
