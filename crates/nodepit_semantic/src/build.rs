//! The one walk over a file that builds its model.

use std::cell::{OnceCell, RefCell};

use rustc_hash::FxHashMap;
use swc_atoms::{atom, Atom};
use swc_common::{Span, SyntaxContext};
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use crate::model::*;
use crate::names::{prop_atom, unwrap_expr};
use crate::parse::{Comment, BASE};

impl<'a> Model<'a> {
    /// Builds the model of a resolved program in one walk.
    pub(crate) fn build(
        program: &'a Program,
        unresolved: SyntaxContext,
        comments: &[Comment],
        text: &'a str,
    ) -> Self {
        let mut b = Builder {
            model: Model {
                program,
                unresolved,
                bindings: FxHashMap::default(),
                unresolved_bound: true,
                functions: Vec::new(),
                classes: Vec::new(),
                fn_by_span: FxHashMap::default(),
                calls: Vec::new(),
                stmts: Vec::new(),
                news: Vec::new(),
                tries: Vec::new(),
                comment_starts: comments.iter().map(|c| c.range.start as u32).collect(),
                comment_line_starts: comments
                    .iter()
                    .map(|c| {
                        let before = text.as_bytes().get(..c.range.start).unwrap_or_default();
                        memchr::memrchr(b'\n', before).map_or(0, |nl| nl as u32 + 1)
                    })
                    .collect(),
                comment_ends: comments.iter().map(|c| c.range.end as u32).collect(),
                text,
                minified: has_long_line(text),
                promise_memo: RefCell::new(Vec::new()),
                promise_facts: crate::values::PromiseFacts::new(comments),
                handlers: OnceCell::new(),
                found_handlers: RefCell::new(None),
                callers: OnceCell::new(),
                callee_fns: OnceCell::new(),
                calls_by_name: OnceCell::new(),
                export_writes: Vec::new(),
                memos: RefCell::new(FxHashMap::default()),
                quals: RefCell::new(FxHashMap::default()),
                test_suite: OnceCell::new(),
                registrars: OnceCell::new(),
                injected: RefCell::new(FxHashMap::default()),
            },
            promise_docs: promise_doc_ends(comments),
            text,
            fn_stack: Vec::new(),
            class_stack: Vec::new(),
            this_stack: Vec::new(),
            object_stack: Vec::new(),
            object_nested: Vec::new(),
            next_object_nested: false,
            loops: Vec::new(),
            loop_base: 0,
            catch_depth: 0,
            pending: Pending::default(),
            decl_lo: None,
            next_outer: None,
        };
        program.visit_with(&mut b);
        let n = b.model.functions.len();
        b.model.promise_memo = RefCell::new(vec![None; n]);
        b.model.unresolved_bound = b.model.bindings.keys().any(|(_, c)| *c == unresolved);
        b.model
    }
}

/// Whether a line is longer than any a person writes: bundles and minified libraries.
fn has_long_line(text: &str) -> bool {
    const LONG: usize = 1000;
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', text.as_bytes()) {
        if nl - start > LONG {
            return true;
        }
        start = nl + 1;
    }
    text.len() - start > LONG
}

/// Ends of block comments that document a promise return (`@returns {Promise<…>}`).
fn promise_doc_ends(comments: &[Comment]) -> Vec<usize> {
    let finder = memchr::memmem::Finder::new("@return");
    comments
        .iter()
        .filter(|c| c.block && c.text.starts_with('*'))
        .filter(|c| {
            finder.find_iter(c.text.as_bytes()).any(|at| {
                let rest = &c.text[at + "@return".len()..];
                let rest = rest.strip_prefix('s').unwrap_or(rest).trim_start();
                rest.strip_prefix('{').is_some_and(|t| {
                    let t = t.trim_start();
                    t.starts_with("Promise") || t.starts_with("PromiseLike")
                })
            })
        })
        .map(|c| c.range.end)
        .collect()
}

/// Context a parent hands to the function it is about to visit.
#[derive(Default)]
struct Pending<'a> {
    name: Option<Atom>,
    doc_lo: Option<u32>,
    this_ref: Option<Option<ThisRef<'a>>>,
    passed_to: Option<(u32, usize)>,
    own_binding: Option<Id>,
    in_map: bool,
}

struct Builder<'a, 't> {
    model: Model<'a>,
    promise_docs: Vec<usize>,
    text: &'t str,
    fn_stack: Vec<FnId>,
    class_stack: Vec<ClassId>,
    /// `this` of each open function (arrows inherit their parent's).
    this_stack: Vec<Option<ThisRef<'a>>>,
    object_stack: Vec<&'a ObjectLit>,
    /// For each open object literal, whether it is the value of another object's property.
    object_nested: Vec<bool>,
    /// The next object literal visited is the value of the property being visited.
    next_object_nested: bool,
    loops: Vec<LoopRef<'a>>,
    /// Index into `loops` where the current function's loops begin.
    loop_base: usize,
    catch_depth: usize,
    pending: Pending<'a>,
    /// Start of the declaration (or its `export`) that owns the next function, for JSDoc.
    decl_lo: Option<u32>,
    /// The span of a call that is the object of the callee of the call at this index.
    next_outer: Option<(Span, u32)>,
}

/// Extends a node reference to the lifetime of the program it was reached from.
///
/// swc's `Visit` hands out references with an anonymous lifetime, but every one of them points
/// into the `&'a Program` the walk started from (visitors receive fields of their parent, never
/// temporaries), and that program stays borrowed, unmoved and unmutated for all of `'a`.
#[allow(unsafe_code)]
pub(crate) fn pin<'a, T>(node: &T) -> &'a T {
    // SAFETY: see above; only called from `Builder`, whose walk starts at a `&'a Program`.
    unsafe { &*(node as *const T) }
}

impl<'a> Builder<'a, '_> {
    fn current_fn(&self) -> Option<FnId> {
        self.fn_stack.last().copied()
    }

    fn bind(&mut self, ident: &Ident, kind: BindingKind<'a>) {
        self.model.bindings.insert(
            ident.to_id(),
            Binding {
                kind,
                reassigned: false,
            },
        );
    }

    fn bind_pat(&mut self, pat: &'a Pat, make: &dyn Fn(bool) -> BindingKind<'a>, nested: bool) {
        match pat {
            Pat::Ident(b) => self.bind(&b.id, make(nested)),
            Pat::Assign(a) => self.bind_pat(&a.left, make, nested),
            Pat::Rest(r) => self.bind_pat(&r.arg, make, true),
            Pat::Array(a) => {
                for el in a.elems.iter().flatten() {
                    self.bind_pat(el, make, true);
                }
            }
            Pat::Object(o) => {
                for p in &o.props {
                    match p {
                        ObjectPatProp::KeyValue(kv) => self.bind_pat(&kv.value, make, true),
                        ObjectPatProp::Assign(a) => self.bind(&a.key.id, make(true)),
                        ObjectPatProp::Rest(r) => self.bind_pat(&r.arg, make, true),
                    }
                }
            }
            Pat::Expr(_) | Pat::Invalid(_) => {}
        }
    }

    /// Binds the names of `const { a: { b } } = init` with their path into `init`.
    fn bind_var(
        &mut self,
        pat: &'a Pat,
        init: Option<&'a Expr>,
        is_const: bool,
        path: &mut Vec<Atom>,
    ) {
        match pat {
            Pat::Ident(b) => {
                self.bind(
                    &b.id,
                    BindingKind::Var {
                        init,
                        path: path.clone(),
                        is_const,
                    },
                );
            }
            Pat::Assign(a) => self.bind_var(&a.left, init, is_const, path),
            Pat::Object(o) => {
                for p in &o.props {
                    match p {
                        ObjectPatProp::KeyValue(kv) => match prop_atom(&kv.key) {
                            Some(key) => {
                                path.push(key);
                                self.bind_var(&kv.value, init, is_const, path);
                                path.pop();
                            }
                            None => self.bind_var(&kv.value, None, is_const, path),
                        },
                        ObjectPatProp::Assign(a) => {
                            path.push(a.key.id.sym.clone());
                            self.bind(
                                &a.key.id,
                                BindingKind::Var {
                                    init,
                                    path: path.clone(),
                                    is_const,
                                },
                            );
                            path.pop();
                        }
                        ObjectPatProp::Rest(r) => self.bind_var(&r.arg, None, is_const, path),
                    }
                }
            }
            Pat::Array(_) | Pat::Rest(_) => self.bind_pat(
                pat,
                &|_| BindingKind::Var {
                    init: None,
                    path: Vec::new(),
                    is_const,
                },
                true,
            ),
            Pat::Expr(_) | Pat::Invalid(_) => {}
        }
    }

    /// Records a write to `module.exports` (as "") or to a property of `exports` or
    /// `module.exports`, wherever it is: a second write makes the export's value unknown.
    fn note_export_write(&mut self, m: &MemberExpr) {
        let unresolved = self.model.unresolved;
        let is_global = |e: &Expr, name: &str| matches!(unwrap_expr(e), Expr::Ident(id) if id.ctxt == unresolved && id.sym == name);
        let Some(prop) = crate::names::member_name(&m.prop) else {
            return;
        };
        if is_global(&m.obj, "module") && prop == "exports" {
            self.model.export_writes.push(Atom::default());
            return;
        }
        let on_exports = is_global(&m.obj, "exports")
            || matches!(unwrap_expr(&m.obj), Expr::Member(inner)
                if is_global(&inner.obj, "module") && crate::names::member_name(&inner.prop) == Some("exports"));
        if on_exports {
            self.model.export_writes.push(Atom::from(prop));
        }
    }

    fn mark_reassigned(&mut self, ident: &Ident) {
        if let Some(b) = self.model.bindings.get_mut(&ident.to_id()) {
            b.reassigned = true;
        }
    }

    fn has_promise_doc(&self, lo: Option<u32>) -> bool {
        let Some(lo) = lo else { return false };
        let pos = lo.saturating_sub(BASE) as usize;
        let i = self.promise_docs.partition_point(|&end| end <= pos);
        i > 0 && {
            let end = self.promise_docs[i - 1];
            self.text
                .get(end..pos)
                .is_some_and(|between| between.trim().is_empty())
        }
    }

    /// Opens a function: records it, binds its parameters, and walks its children.
    fn enter_fn(
        &mut self,
        node: FnNode<'a>,
        span: Span,
        is_arrow: bool,
        visit: impl FnOnce(&mut Self),
    ) {
        let pending = std::mem::take(&mut self.pending);
        let id = FnId(self.model.functions.len() as u32);
        let parent = self.current_fn();
        let this_ref = if is_arrow {
            self.this_stack.last().copied().flatten()
        } else {
            pending.this_ref.flatten()
        };
        let (is_async, is_generator, ret) = match node {
            FnNode::Function(f) => (f.is_async, f.is_generator, f.return_type.as_deref()),
            FnNode::Arrow(a) => (a.is_async, a.is_generator, a.return_type.as_deref()),
            FnNode::Constructor(_) => (false, false, None),
        };
        let declared_promise = ret.is_some_and(|t| is_promise_type(&t.type_ann))
            || self.has_promise_doc(pending.doc_lo);
        self.model.functions.push(FnInfo {
            node,
            span,
            name: pending.name,
            parent,
            this_ref,
            is_async,
            is_generator,
            declared_promise,
            passed_to: pending.passed_to,
            in_map: pending.in_map,
            calls: Vec::new(),
            children: Vec::new(),
        });
        self.model.fn_by_span.insert((span.lo.0, span.hi.0), id);
        if let Some(p) = parent {
            self.model.functions[p.0 as usize].children.push(id);
        }
        if let Some(own) = pending.own_binding {
            self.model.bindings.insert(
                own,
                Binding {
                    kind: BindingKind::Function(id),
                    reassigned: false,
                },
            );
        }
        for (index, pat) in node.params().into_iter().enumerate() {
            self.bind_pat(
                pat,
                &|destructured| BindingKind::Param {
                    func: id,
                    index,
                    destructured,
                },
                false,
            );
        }
        if let FnNode::Constructor(c) = node {
            for (index, p) in c.params.iter().enumerate() {
                if let ParamOrTsParamProp::TsParamProp(tp) = p {
                    if let TsParamPropParam::Ident(b) = &tp.param {
                        self.bind(
                            &b.id,
                            BindingKind::Param {
                                func: id,
                                index,
                                destructured: false,
                            },
                        );
                    }
                }
            }
        }
        self.fn_stack.push(id);
        self.this_stack.push(this_ref);
        let saved_loop_base = std::mem::replace(&mut self.loop_base, self.loops.len());
        let saved_catch = std::mem::replace(&mut self.catch_depth, 0);
        let saved_decl = self.decl_lo.take();
        visit(self);
        self.decl_lo = saved_decl;
        self.catch_depth = saved_catch;
        self.loop_base = saved_loop_base;
        self.this_stack.pop();
        self.fn_stack.pop();
    }

    fn with_loop(&mut self, l: LoopRef<'a>, visit: impl FnOnce(&mut Self)) {
        self.loops.push(l);
        visit(self);
        self.loops.pop();
    }

    /// Names the function that `value` is, if it is one, before it is visited. The name is only
    /// computed then: most values are not functions.
    fn name_next_fn(
        &mut self,
        value: &Expr,
        name: impl FnOnce() -> Option<Atom>,
        this_ref: Option<Option<ThisRef<'a>>>,
    ) {
        if matches!(unwrap_expr(value), Expr::Fn(_) | Expr::Arrow(_)) {
            self.pending.name = name();
            self.pending.this_ref = this_ref;
        }
    }
}

fn is_promise_type(t: &TsType) -> bool {
    match t {
        TsType::TsTypeRef(r) => match &r.type_name {
            TsEntityName::Ident(i) => i.sym == "Promise" || i.sym == "PromiseLike",
            TsEntityName::TsQualifiedName(_) => false,
        },
        TsType::TsParenthesizedType(p) => is_promise_type(&p.type_ann),
        _ => false,
    }
}

impl<'a> Visit for Builder<'a, '_> {
    fn visit_import_decl(&mut self, n: &ImportDecl) {
        let Some(source) = n.src.value.as_atom().cloned() else {
            return;
        };
        for s in &n.specifiers {
            let type_only =
                n.type_only || matches!(s, ImportSpecifier::Named(named) if named.is_type_only);
            let (local, imported) = match s {
                ImportSpecifier::Named(named) => {
                    let imported = match &named.imported {
                        Some(ModuleExportName::Ident(i)) => i.sym.clone(),
                        Some(ModuleExportName::Str(s)) => match s.value.as_atom() {
                            Some(a) => a.clone(),
                            None => continue,
                        },
                        None => named.local.sym.clone(),
                    };
                    let imported = if imported == "default" {
                        Imported::Default
                    } else {
                        Imported::Named(imported)
                    };
                    (&named.local, imported)
                }
                ImportSpecifier::Default(d) => (&d.local, Imported::Default),
                ImportSpecifier::Namespace(ns) => (&ns.local, Imported::Namespace),
            };
            let source = source.clone();
            let kind = if type_only {
                BindingKind::TypeImport { source, imported }
            } else {
                BindingKind::Import { source, imported }
            };
            self.bind(local, kind);
        }
    }

    fn visit_ts_import_equals_decl(&mut self, n: &TsImportEqualsDecl) {
        if let TsModuleRef::TsExternalModuleRef(r) = &n.module_ref {
            if let Some(source) = r.expr.value.as_atom() {
                self.bind(
                    &n.id,
                    BindingKind::Import {
                        source: source.clone(),
                        imported: Imported::Namespace,
                    },
                );
            }
        }
    }

    fn visit_export_decl(&mut self, n: &ExportDecl) {
        self.decl_lo = Some(n.span.lo.0);
        n.visit_children_with(self);
        self.decl_lo = None;
    }

    fn visit_export_default_decl(&mut self, n: &ExportDefaultDecl) {
        self.decl_lo = Some(n.span.lo.0);
        if let DefaultDecl::Fn(f) = &n.decl {
            self.pending.name = f
                .ident
                .as_ref()
                .map(|i| i.sym.clone())
                .or(Some(atom!("default")));
            self.pending.doc_lo = Some(n.span.lo.0);
            self.pending.own_binding = f.ident.as_ref().map(|i| i.to_id());
        }
        n.visit_children_with(self);
        self.decl_lo = None;
    }

    fn visit_export_default_expr(&mut self, n: &ExportDefaultExpr) {
        self.decl_lo = Some(n.span.lo.0);
        self.name_next_fn(&n.expr, || Some(atom!("default")), None);
        n.visit_children_with(self);
        self.decl_lo = None;
    }

    fn visit_var_decl(&mut self, n: &VarDecl) {
        let outer = self.decl_lo;
        if self.decl_lo.is_none() {
            self.decl_lo = Some(n.span.lo.0);
        }
        let is_const = n.kind == VarDeclKind::Const;
        for d in &n.decls {
            let d: &'a VarDeclarator = pin(d);
            self.bind_var(&d.name, d.init.as_deref(), is_const, &mut Vec::new());
            if let (Pat::Ident(b), Some(init)) = (&d.name, &d.init) {
                if matches!(unwrap_expr(init), Expr::Fn(_) | Expr::Arrow(_)) {
                    self.name_next_fn(init, || Some(b.id.sym.clone()), None);
                    self.pending.doc_lo = self.decl_lo;
                }
            }
            d.visit_with(self);
        }
        self.decl_lo = outer;
    }

    fn visit_fn_decl(&mut self, n: &FnDecl) {
        let id = FnId(self.model.functions.len() as u32);
        self.bind(&n.ident, BindingKind::Function(id));
        self.pending.name = Some(n.ident.sym.clone());
        self.pending.doc_lo = Some(self.decl_lo.unwrap_or(n.function.span.lo.0));
        n.function.visit_with(self);
    }

    fn visit_fn_expr(&mut self, n: &FnExpr) {
        if let Some(ident) = &n.ident {
            self.pending.name = Some(ident.sym.clone());
            self.pending.own_binding = Some(ident.to_id());
        }
        n.function.visit_with(self);
    }

    fn visit_function(&mut self, n: &Function) {
        let n: &'a Function = pin(n);
        self.enter_fn(FnNode::Function(n), n.span, false, |b| {
            n.visit_children_with(b)
        });
    }

    fn visit_arrow_expr(&mut self, n: &ArrowExpr) {
        let n: &'a ArrowExpr = pin(n);
        self.enter_fn(FnNode::Arrow(n), n.span, true, |b| n.visit_children_with(b));
    }

    fn visit_constructor(&mut self, n: &Constructor) {
        let n: &'a Constructor = pin(n);
        let this_ref = self.this_stack_class();
        self.pending.name = Some(atom!("constructor"));
        self.pending.this_ref = Some(this_ref);
        self.enter_fn(FnNode::Constructor(n), n.span, false, |b| {
            n.visit_children_with(b)
        });
    }

    fn visit_class_decl(&mut self, n: &ClassDecl) {
        let id = ClassId(self.model.classes.len() as u32);
        self.bind(&n.ident, BindingKind::Class(id));
        self.pending.name = Some(n.ident.sym.clone());
        n.class.visit_with(self);
    }

    fn visit_class_expr(&mut self, n: &ClassExpr) {
        if let Some(ident) = &n.ident {
            let id = ClassId(self.model.classes.len() as u32);
            self.bind(ident, BindingKind::Class(id));
            self.pending.name = Some(ident.sym.clone());
        }
        n.class.visit_with(self);
    }

    fn visit_class(&mut self, n: &Class) {
        let n: &'a Class = pin(n);
        let name = self.pending.name.take();
        let id = ClassId(self.model.classes.len() as u32);
        self.model.classes.push(ClassInfo { node: n, name });
        self.class_stack.push(id);
        n.visit_children_with(self);
        self.class_stack.pop();
    }

    fn visit_class_method(&mut self, n: &ClassMethod) {
        let this_ref = self.this_stack_class();
        n.key.visit_with(self);
        self.pending.name = prop_atom(&n.key);
        self.pending.this_ref = Some(this_ref);
        self.pending.doc_lo = Some(n.span.lo.0);
        n.function.visit_with(self);
    }

    fn visit_private_method(&mut self, n: &PrivateMethod) {
        let this_ref = self.this_stack_class();
        self.pending.name = Some(n.key.name.clone());
        self.pending.this_ref = Some(this_ref);
        self.pending.doc_lo = Some(n.span.lo.0);
        n.function.visit_with(self);
    }

    fn visit_class_prop(&mut self, n: &ClassProp) {
        n.key.visit_with(self);
        if let Some(value) = &n.value {
            let this_ref = self.this_stack_class();
            // Class fields see the instance as `this`, arrows included.
            self.this_stack.push(this_ref);
            if matches!(unwrap_expr(value), Expr::Fn(_) | Expr::Arrow(_)) {
                self.name_next_fn(value, || prop_atom(&n.key), Some(this_ref));
                self.pending.doc_lo = Some(n.span.lo.0);
            }
            value.visit_with(self);
            self.this_stack.pop();
        }
    }

    fn visit_object_lit(&mut self, n: &ObjectLit) {
        let n: &'a ObjectLit = pin(n);
        self.object_stack.push(n);
        self.object_nested
            .push(std::mem::take(&mut self.next_object_nested));
        n.visit_children_with(self);
        self.object_stack.pop();
        self.object_nested.pop();
    }

    fn visit_method_prop(&mut self, n: &MethodProp) {
        n.key.visit_with(self);
        self.pending.name = prop_atom(&n.key);
        self.pending.this_ref = Some(self.object_stack.last().map(|o| ThisRef::Object(o)));
        self.pending.in_map = self.object_nested.last().copied().unwrap_or(false);
        n.function.visit_with(self);
    }

    fn visit_key_value_prop(&mut self, n: &KeyValueProp) {
        n.key.visit_with(self);
        let this_ref = self.object_stack.last().map(|o| ThisRef::Object(o));
        self.name_next_fn(&n.value, || prop_atom(&n.key), Some(this_ref));
        match unwrap_expr(&n.value) {
            Expr::Fn(_) | Expr::Arrow(_) => {
                self.pending.in_map = self.object_nested.last().copied().unwrap_or(false);
            }
            Expr::Object(_) => self.next_object_nested = true,
            _ => {}
        }
        n.value.visit_with(self);
    }

    fn visit_assign_expr(&mut self, n: &AssignExpr) {
        match &n.left {
            AssignTarget::Simple(SimpleAssignTarget::Ident(b)) => {
                self.mark_reassigned(&b.id);
                self.name_next_fn(&n.right, || Some(b.id.sym.clone()), None);
            }
            AssignTarget::Simple(SimpleAssignTarget::Member(m)) => {
                self.note_export_write(m);
                let this_ref = match unwrap_expr(&m.obj) {
                    Expr::This(_) => self.this_stack.last().copied(),
                    _ => None,
                };
                let name = || match &m.prop {
                    MemberProp::Ident(id) => Some(id.sym.clone()),
                    prop => crate::names::member_name(prop).map(Atom::from),
                };
                self.name_next_fn(&n.right, name, this_ref);
            }
            AssignTarget::Pat(p) => {
                let mut idents = Vec::new();
                collect_assign_pat_idents(p, &mut idents);
                for i in idents {
                    self.mark_reassigned(i);
                }
            }
            _ => {}
        }
        n.visit_children_with(self);
    }

    fn visit_update_expr(&mut self, n: &UpdateExpr) {
        if let Expr::Ident(i) = unwrap_expr(&n.arg) {
            self.mark_reassigned(i);
        }
        n.visit_children_with(self);
    }

    fn visit_call_expr(&mut self, n: &CallExpr) {
        let n: &'a CallExpr = pin(n);
        let idx = self.model.calls.len() as u32;
        let outer = match self.next_outer.take() {
            Some((span, o)) if span == n.span => Some(o),
            _ => None,
        };
        let func = self.current_fn();
        let loop_ref = if self.loops.len() > self.loop_base {
            self.loops.last().copied()
        } else {
            None
        };
        self.model.calls.push(CallSite {
            node: n,
            func,
            loop_ref,
            outer,
            in_catch: self.catch_depth > 0,
        });
        if let Some(f) = func {
            self.model.functions[f.0 as usize].calls.push(idx);
        }
        if let Callee::Expr(callee) = &n.callee {
            if let Expr::Member(m) = unwrap_expr(callee) {
                if let Expr::Call(inner) = unwrap_expr(&m.obj) {
                    self.next_outer = Some((inner.span, idx));
                }
            }
        }
        n.callee.visit_with(self);
        self.next_outer = None;
        for (i, arg) in n.args.iter().enumerate() {
            if matches!(unwrap_expr(&arg.expr), Expr::Fn(_) | Expr::Arrow(_)) {
                self.pending.passed_to = Some((idx, i));
            }
            arg.visit_with(self);
            self.pending.passed_to = None;
        }
        n.type_args.visit_with(self);
    }

    fn visit_new_expr(&mut self, n: &NewExpr) {
        let n: &'a NewExpr = pin(n);
        if matches!(unwrap_expr(&n.callee), Expr::Ident(_) | Expr::Member(_)) {
            self.model.news.push((n, self.current_fn()));
        }
        n.visit_children_with(self);
    }

    fn visit_expr_stmt(&mut self, n: &ExprStmt) {
        let n: &'a ExprStmt = pin(n);
        self.model.stmts.push(StmtSite {
            node: n,
            func: self.current_fn(),
        });
        n.visit_children_with(self);
    }

    fn visit_try_stmt(&mut self, n: &TryStmt) {
        let n: &'a TryStmt = pin(n);
        self.model.tries.push(TrySite {
            node: n,
            func: self.current_fn(),
            in_catch: self.catch_depth > 0,
        });
        n.visit_children_with(self);
    }

    fn visit_for_stmt(&mut self, n: &ForStmt) {
        let n: &'a ForStmt = pin(n);
        n.init.visit_with(self);
        self.with_loop(LoopRef::For(n), |b| {
            n.test.visit_with(b);
            n.update.visit_with(b);
            n.body.visit_with(b);
        });
    }

    fn visit_for_of_stmt(&mut self, n: &ForOfStmt) {
        let n: &'a ForOfStmt = pin(n);
        self.bind_loop_head(&n.left, &n.right);
        n.right.visit_with(self);
        self.with_loop(LoopRef::ForOf(n), |b| n.body.visit_with(b));
    }

    fn visit_for_in_stmt(&mut self, n: &ForInStmt) {
        let n: &'a ForInStmt = pin(n);
        self.bind_loop_head(&n.left, &n.right);
        n.right.visit_with(self);
        self.with_loop(LoopRef::ForIn(n), |b| n.body.visit_with(b));
    }

    fn visit_while_stmt(&mut self, n: &WhileStmt) {
        let n: &'a WhileStmt = pin(n);
        self.with_loop(LoopRef::While(n), |b| n.visit_children_with(b));
    }

    fn visit_do_while_stmt(&mut self, n: &DoWhileStmt) {
        let n: &'a DoWhileStmt = pin(n);
        self.with_loop(LoopRef::DoWhile(n), |b| n.visit_children_with(b));
    }

    fn visit_catch_clause(&mut self, n: &CatchClause) {
        if let Some(p) = &n.param {
            let p: &'a Pat = pin(p);
            self.bind_pat(p, &|_| BindingKind::Other, false);
        }
        self.catch_depth += 1;
        n.body.visit_with(self);
        self.catch_depth -= 1;
    }
}

impl<'a> Builder<'a, '_> {
    fn bind_loop_head(&mut self, left: &'a ForHead, right: &'a Expr) {
        match left {
            ForHead::VarDecl(d) => {
                for decl in &d.decls {
                    self.bind_pat(
                        &decl.name,
                        &|_| BindingKind::LoopVar { iterable: right },
                        false,
                    );
                }
            }
            ForHead::UsingDecl(d) => {
                for decl in &d.decls {
                    self.bind_pat(
                        &decl.name,
                        &|_| BindingKind::LoopVar { iterable: right },
                        false,
                    );
                }
            }
            ForHead::Pat(p) => {
                if let Pat::Ident(b) = &**p {
                    self.mark_reassigned(&b.id);
                }
            }
        }
    }

    fn this_stack_class(&self) -> Option<ThisRef<'a>> {
        self.class_stack.last().map(|c| ThisRef::Class(*c))
    }
}

fn collect_assign_pat_idents<'p>(p: &'p AssignTargetPat, out: &mut Vec<&'p Ident>) {
    fn pat<'p>(p: &'p Pat, out: &mut Vec<&'p Ident>) {
        match p {
            Pat::Ident(b) => out.push(&b.id),
            Pat::Assign(a) => pat(&a.left, out),
            Pat::Rest(r) => pat(&r.arg, out),
            Pat::Array(a) => a.elems.iter().flatten().for_each(|e| pat(e, out)),
            Pat::Object(o) => o.props.iter().for_each(|p| match p {
                ObjectPatProp::KeyValue(kv) => pat(&kv.value, out),
                ObjectPatProp::Assign(a) => out.push(&a.key.id),
                ObjectPatProp::Rest(r) => pat(&r.arg, out),
            }),
            Pat::Expr(_) | Pat::Invalid(_) => {}
        }
    }
    match p {
        AssignTargetPat::Array(a) => a.elems.iter().flatten().for_each(|e| pat(e, out)),
        AssignTargetPat::Object(o) => o.props.iter().for_each(|p| match p {
            ObjectPatProp::KeyValue(kv) => pat(&kv.value, out),
            ObjectPatProp::Assign(a) => out.push(&a.key.id),
            ObjectPatProp::Rest(r) => pat(&r.arg, out),
        }),
        AssignTargetPat::Invalid(_) => {}
    }
}
