//! The model's data: bindings, functions, classes and the sites rules look at.

use std::cell::{OnceCell, RefCell};

use rustc_hash::FxHashMap;
use swc_atoms::Atom;
use swc_common::{Span, SyntaxContext};
use swc_ecma_ast::{
    ArrowExpr, ArrowFunctionBody, CallExpr, Class, Constructor, DoWhileStmt, Expr, ExprStmt,
    ForInStmt, ForOfStmt, ForStmt, Function, Id, Ident, ObjectLit, ParamOrTsParamProp, Pat,
    Program, Stmt, TsParamPropParam, WhileStmt,
};

use crate::handlers::HandlerTable;
use crate::parse::BASE;

/// A module specifier, an export path into it and where `new` instantiates a class along the
/// path (see `Model::ext_path`).
pub type ExtPath = (Atom, Vec<Atom>, Option<u32>);

/// A binding's key as parts, so that [`Model::binding`], asked for nearly every name the rules
/// and the summary meet, looks one up without cloning the name's atom (a shared counter).
trait IdRef {
    fn sym(&self) -> &Atom;
    fn ctxt(&self) -> SyntaxContext;
}

impl IdRef for Id {
    fn sym(&self) -> &Atom {
        &self.0
    }
    fn ctxt(&self) -> SyntaxContext {
        self.1
    }
}

impl IdRef for (&Atom, SyntaxContext) {
    fn sym(&self) -> &Atom {
        self.0
    }
    fn ctxt(&self) -> SyntaxContext {
        self.1
    }
}

/// Hashes as the tuple [`Id`] does, field after field, so both find the same entry.
impl std::hash::Hash for dyn IdRef + '_ {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.sym().hash(state);
        self.ctxt().hash(state);
    }
}

impl PartialEq for dyn IdRef + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.sym() == other.sym() && self.ctxt() == other.ctxt()
    }
}

impl Eq for dyn IdRef + '_ {}

impl<'a> std::borrow::Borrow<dyn IdRef + 'a> for Id {
    fn borrow(&self) -> &(dyn IdRef + 'a) {
        self
    }
}

/// A remembered [`Model::qual`] answer.
pub(crate) type QualName = Option<Box<str>>;

/// Index of a function (declaration, expression, arrow, method or constructor) in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FnId(pub u32);

/// Index of a class in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClassId(pub u32);

/// The syntax node of a function.
#[derive(Debug, Clone, Copy)]
pub enum FnNode<'a> {
    /// A function declaration, expression, or method.
    Function(&'a Function),
    /// An arrow function.
    Arrow(&'a ArrowExpr),
    /// A class constructor.
    Constructor(&'a Constructor),
}

impl<'a> FnNode<'a> {
    /// The statements of a block body.
    pub fn body_stmts(self) -> Option<&'a [Stmt]> {
        match self {
            Self::Function(f) => f.body.as_ref().map(|b| b.stmts.as_slice()),
            Self::Arrow(a) => match &*a.body {
                ArrowFunctionBody::FunctionBody(b) => Some(&b.stmts),
                ArrowFunctionBody::Expr(_) => None,
            },
            Self::Constructor(c) => c.body.as_ref().map(|b| b.stmts.as_slice()),
        }
    }

    /// The expression of an arrow's expression body.
    pub fn expr_body(self) -> Option<&'a Expr> {
        match self {
            Self::Arrow(a) => match &*a.body {
                ArrowFunctionBody::Expr(e) => Some(e),
                ArrowFunctionBody::FunctionBody(_) => None,
            },
            _ => None,
        }
    }

    /// The parameter patterns, in order.
    pub fn params(self) -> Vec<&'a Pat> {
        match self {
            Self::Function(f) => f.params.iter().map(|p| &p.pat).collect(),
            Self::Arrow(a) => a.params.iter().collect(),
            Self::Constructor(c) => c
                .params
                .iter()
                .filter_map(|p| match p {
                    ParamOrTsParamProp::Param(p) => Some(&p.pat),
                    ParamOrTsParamProp::TsParamProp(_) => None,
                })
                .collect(),
        }
    }

    /// The name of a simple identifier parameter at `index`.
    pub fn param_name(self, index: usize) -> Option<&'a str> {
        match self {
            Self::Constructor(c) => match c.params.get(index)? {
                ParamOrTsParamProp::Param(p) => pat_ident(&p.pat).map(|i| i.sym.as_str()),
                ParamOrTsParamProp::TsParamProp(p) => match &p.param {
                    TsParamPropParam::Ident(b) => Some(&b.id.sym),
                    TsParamPropParam::Assign(_) => None,
                },
            },
            // Without collecting every parameter: asked of every function, twice.
            Self::Function(f) => pat_ident(&f.params.get(index)?.pat).map(|i| i.sym.as_str()),
            Self::Arrow(a) => pat_ident(a.params.get(index)?).map(|i| i.sym.as_str()),
        }
    }

    /// Number of parameters.
    pub fn param_count(self) -> usize {
        match self {
            Self::Constructor(c) => c.params.len(),
            Self::Function(f) => f.params.len(),
            Self::Arrow(a) => a.params.len(),
        }
    }
}

/// Byte range in the source of a swc span (spans are offset by [`BASE`]).
pub fn span_range(span: Span) -> std::ops::Range<usize> {
    let lo = span.lo.0.saturating_sub(BASE) as usize;
    let hi = (span.hi.0.saturating_sub(BASE) as usize).max(lo);
    lo..hi
}

fn pat_ident(p: &Pat) -> Option<&Ident> {
    match p {
        Pat::Ident(b) => Some(&b.id),
        Pat::Assign(a) => pat_ident(&a.left),
        _ => None,
    }
}

/// What `this` refers to inside a function.
#[derive(Debug, Clone, Copy)]
pub enum ThisRef<'a> {
    /// An instance of a class of this file.
    Class(ClassId),
    /// An object literal whose method this is.
    Object(&'a ObjectLit),
}

/// Facts about one function.
#[derive(Debug)]
pub struct FnInfo<'a> {
    /// The syntax node.
    pub node: FnNode<'a>,
    /// The function's span (swc positions).
    pub span: Span,
    /// Its name: declared, or taken from the variable, property or method it is bound to.
    pub name: Option<Atom>,
    /// The function it is lexically nested in.
    pub parent: Option<FnId>,
    /// What `this` means inside it.
    pub this_ref: Option<ThisRef<'a>>,
    /// Declared `async`.
    pub is_async: bool,
    /// Declared as a generator.
    pub is_generator: bool,
    /// Its TypeScript return type or JSDoc `@returns` says it returns a promise.
    pub declared_promise: bool,
    /// The call it is written as an argument of, and the argument position.
    pub passed_to: Option<(u32, usize)>,
    /// A property of an object that is itself a property's value (`{ Query: { users() {} } }`):
    /// the shape of a GraphQL resolver, whose third parameter is the server's context.
    pub in_map: bool,
    /// Calls written directly in its body (not in nested functions), as indexes into the calls.
    pub calls: Vec<u32>,
    /// Functions nested directly inside it.
    pub children: Vec<FnId>,
}

/// A class of this file.
#[derive(Debug)]
pub struct ClassInfo<'a> {
    /// The syntax node.
    pub node: &'a Class,
    /// Its name, when it has one.
    pub name: Option<Atom>,
}

/// How an import names what it imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// `import x from 'm'`.
    Default,
    /// `import * as x from 'm'` or `import x = require('m')`.
    Namespace,
    /// `import { name as x } from 'm'`.
    Named(Atom),
}

/// The innermost loop around a call, within its function.
#[derive(Debug, Clone, Copy)]
pub enum LoopRef<'a> {
    /// `for (;;)`.
    For(&'a ForStmt),
    /// `for (x of xs)`.
    ForOf(&'a ForOfStmt),
    /// `for (k in o)`.
    ForIn(&'a ForInStmt),
    /// `while (c)`.
    While(&'a WhileStmt),
    /// `do {} while (c)`.
    DoWhile(&'a DoWhileStmt),
}

/// What declared a name.
#[derive(Debug, Clone)]
pub enum BindingKind<'a> {
    /// An ES import or TypeScript `import x = require()`.
    Import {
        /// The module specifier as written.
        source: Atom,
        /// Which export it names.
        imported: Imported,
    },
    /// `import type { X }` or `import { type X }`: only a type, read from annotations
    /// (`constructor(private readonly store: X)`).
    TypeImport {
        /// The module specifier as written.
        source: Atom,
        /// Which export it names.
        imported: Imported,
    },
    /// A `var`, `let` or `const`, with the initialiser and the destructuring path into it.
    Var {
        /// The initialiser, if any.
        init: Option<&'a Expr>,
        /// Property names from the initialiser to this name (`const { a: { b } } = x` → `a.b`).
        path: Vec<Atom>,
        /// Declared with `const`.
        is_const: bool,
    },
    /// A function declaration or a named function expression's own name.
    Function(FnId),
    /// A class declaration or a named class expression's own name.
    Class(ClassId),
    /// A function parameter.
    Param {
        /// The function.
        func: FnId,
        /// Position in the parameter list.
        index: usize,
        /// Bound inside a destructuring pattern.
        destructured: bool,
    },
    /// The variable of a `for…of`/`for…in` loop.
    LoopVar {
        /// The iterated expression.
        iterable: &'a Expr,
    },
    /// Anything else (catch parameters, enums, …).
    Other,
}

/// A declared name.
#[derive(Debug, Clone)]
pub struct Binding<'a> {
    /// What declared it.
    pub kind: BindingKind<'a>,
    /// Assigned to after its declaration.
    pub reassigned: bool,
}

/// A call expression, with where it sits.
#[derive(Debug)]
pub struct CallSite<'a> {
    /// The syntax node.
    pub node: &'a CallExpr,
    /// The innermost function containing it.
    pub func: Option<FnId>,
    /// The innermost loop around it within that function.
    pub loop_ref: Option<LoopRef<'a>>,
    /// The call whose callee is `<this call>.method`, when there is one (`a.pipe(b)` in `a.pipe(b).pipe(c)`).
    pub outer: Option<u32>,
    /// Inside a `catch` block of its function.
    pub in_catch: bool,
}

/// An expression statement, with where it sits.
#[derive(Debug)]
pub struct StmtSite<'a> {
    /// The syntax node.
    pub node: &'a ExprStmt,
    /// The innermost function containing it.
    pub func: Option<FnId>,
}

/// A `try` statement, with where it sits.
#[derive(Debug)]
pub struct TrySite<'a> {
    /// The syntax node.
    pub node: &'a swc_ecma_ast::TryStmt,
    /// The innermost function containing it.
    pub func: Option<FnId>,
    /// Inside a `catch` block (already on an error path).
    pub in_catch: bool,
}

/// The semantic model of one file. It borrows the syntax tree it describes.
#[derive(Debug)]
pub struct Model<'a> {
    pub(crate) program: &'a Program,
    pub(crate) unresolved: SyntaxContext,
    pub(crate) bindings: FxHashMap<Id, Binding<'a>>,
    /// Some binding has the unresolved context; when none has, a global name (`console`,
    /// `require`) is answered without a lookup.
    pub(crate) unresolved_bound: bool,
    pub(crate) functions: Vec<FnInfo<'a>>,
    pub(crate) classes: Vec<ClassInfo<'a>>,
    pub(crate) fn_by_span: FxHashMap<(u32, u32), FnId>,
    pub(crate) calls: Vec<CallSite<'a>>,
    pub(crate) stmts: Vec<StmtSite<'a>>,
    /// `new X(…)` expressions whose callee is a name or a member, with their function.
    pub(crate) news: Vec<(&'a swc_ecma_ast::NewExpr, Option<FnId>)>,
    /// Every `try` statement, with its function.
    pub(crate) tries: Vec<TrySite<'a>>,
    /// Where each comment starts (byte offsets, ascending), to tell an empty block from one that
    /// holds only a comment.
    pub(crate) comment_starts: Vec<u32>,
    /// For each comment, where its line starts, to find comments that trail code on one line.
    pub(crate) comment_line_starts: Vec<u32>,
    /// Where each comment ends, in the order of `comment_starts`.
    pub(crate) comment_ends: Vec<u32>,
    /// The source text, for the rare question that reads a comment.
    pub(crate) text: &'a str,
    /// The file has a line of more than a thousand characters: a bundle or minified library.
    pub(crate) minified: bool,
    pub(crate) promise_memo: RefCell<Vec<Option<bool>>>,
    pub(crate) promise_facts: crate::values::PromiseFacts,
    pub(crate) handlers: OnceCell<HandlerTable>,
    /// Handlers found while the summary looked for registrations, until the table takes them.
    pub(crate) found_handlers: RefCell<Option<Vec<crate::handlers::Handler>>>,
    /// The calls of each same-file function, built on first use (see `origin.rs`).
    pub(crate) callers: OnceCell<FxHashMap<FnId, Vec<u32>>>,
    /// The same-file function each call calls, by call index, built on first use: the
    /// summary and the callers index both ask it of every call.
    pub(crate) callee_fns: OnceCell<Vec<Option<FnId>>>,
    /// The calls of each callee name (`query` for `db.users.query(…)`), built on first use.
    pub(crate) calls_by_name: OnceCell<FxHashMap<Box<str>, Vec<u32>>>,
    /// Every write to `module.exports` (as an empty name) or to a property of `exports` or
    /// `module.exports`, anywhere in the file.
    pub(crate) export_writes: Vec<Atom>,
    /// Facts a rule computes once per file and reuses for every node it checks (see
    /// [`Model::memo`]).
    pub(crate) memos: RefCell<FxHashMap<std::any::TypeId, std::rc::Rc<dyn std::any::Any>>>,
    /// [`Model::qual`] by the span of the expression asked about: rules ask the same callees'
    /// names over and over, and an answer costs a walk through bindings and a few strings.
    pub(crate) quals: RefCell<FxHashMap<(u32, u32), QualName>>,
    /// [`Model::is_test_suite`], answered on first use.
    pub(crate) test_suite: OnceCell<bool>,
    /// Functions that register routes or listeners on a parameter (see `Model::registrars`).
    pub(crate) registrars: OnceCell<rustc_hash::FxHashSet<u32>>,
    /// The class instance a field of a class holds, by class and field (see
    /// `Model::ext_path_in`): asked for every `this.x.y()` call of the class.
    pub(crate) injected: RefCell<FxHashMap<(u32, Atom), Option<ExtPath>>>,
}

impl<'a> Model<'a> {
    /// The syntax tree.
    pub fn program(&self) -> &'a Program {
        self.program
    }

    /// Every call expression, in source order.
    pub fn calls(&self) -> &[CallSite<'a>] {
        &self.calls
    }

    /// Whether the file is a test suite: it calls the global `describe`, `it`, `test` or
    /// `suite` with a callback (mocha, jest, vitest and `node:test` globals). Its fixtures are
    /// its own, so what it hands to the code under test says nothing about production input.
    pub fn is_test_suite(&self) -> bool {
        *self.test_suite.get_or_init(|| {
            self.calls.iter().any(|c| {
                let swc_ecma_ast::Callee::Expr(callee) = &c.node.callee else {
                    return false;
                };
                let Expr::Ident(id) = crate::names::unwrap_expr(callee) else {
                    return false;
                };
                matches!(&*id.sym, "describe" | "it" | "test" | "suite")
                    && (self.is_unresolved(id) || self.imported_from_test_runner(id))
                    && c.node.args.iter().any(|a| {
                        matches!(
                            crate::names::unwrap_expr(&a.expr),
                            Expr::Arrow(_) | Expr::Fn(_)
                        )
                    })
            })
        })
    }

    /// `describe`, `it` or `test` imported from a test runner (`import { it } from 'vitest'`).
    fn imported_from_test_runner(&self, id: &Ident) -> bool {
        matches!(
            self.binding(id).map(|b| &b.kind),
            Some(BindingKind::Import { source, .. })
                if matches!(
                    &**source,
                    "vitest" | "@jest/globals" | "node:test" | "test" | "mocha" | "bun:test"
                )
        )
    }

    /// The indexes into [`Model::calls`] of the calls that start inside `span`, in that list's
    /// order. A rule asking this for every `try` block of a file scanned all its calls each
    /// time, which was quadratic in a long routes file.
    pub fn calls_starting_in(&self, span: Span) -> Vec<usize> {
        // Sorted by start once per file; the walk's own order is not quite source order
        // (a class's body is visited before its `extends`).
        let by_start = self.memo(|| {
            let mut v: Vec<(u32, usize)> = self
                .calls
                .iter()
                .enumerate()
                .map(|(i, c)| (c.node.span.lo.0, i))
                .collect();
            v.sort_unstable();
            CallsByStart(v)
        });
        let from = by_start.0.partition_point(|&(lo, _)| lo < span.lo.0);
        let mut out: Vec<usize> = by_start.0[from..]
            .iter()
            .take_while(|&&(lo, _)| lo <= span.hi.0)
            .map(|&(_, i)| i)
            .collect();
        out.sort_unstable();
        out
    }

    /// A per-file value of type `T`, made by `init` on first ask: rules keep here what they would
    /// otherwise recompute for every node of the file (a `RefCell` inside fills in lazily).
    /// `T` is `'static` (owned data, indexes, no borrowed AST), which keeps the model covariant.
    pub fn memo<T: 'static>(&self, init: impl FnOnce() -> T) -> std::rc::Rc<T> {
        let key = std::any::TypeId::of::<T>();
        if let Some(found) = self.memos.borrow().get(&key) {
            if let Ok(v) = found.clone().downcast::<T>() {
                return v;
            }
        }
        let v = std::rc::Rc::new(init());
        self.memos.borrow_mut().insert(key, v.clone());
        v
    }

    /// The indexes into [`Model::calls`] of the calls whose callee's last name is `name`
    /// (`find` for `find(…)` and `db.users.find(…)`): rules comparing a call with its
    /// look-alikes ask here instead of scanning every call of the file for each one.
    pub fn calls_named(&self, name: &str) -> &[u32] {
        let index = self.calls_by_name.get_or_init(|| {
            // Owned keys: a borrowed `&'a str` in a cell would make the model invariant in 'a.
            let mut index: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
            for (i, c) in self.calls.iter().enumerate() {
                if let swc_ecma_ast::Callee::Expr(callee) = &c.node.callee {
                    if let Some(n) = crate::names::callee_name(callee) {
                        match index.get_mut(n) {
                            Some(v) => v.push(i as u32),
                            None => {
                                index.insert(n.into(), vec![i as u32]);
                            }
                        }
                    }
                }
            }
            index
        });
        index.get(name).map_or(&[], Vec::as_slice)
    }

    /// Every expression statement, in source order.
    pub fn stmts(&self) -> &[StmtSite<'a>] {
        &self.stmts
    }

    /// Every `try` statement, in source order.
    pub fn tries(&self) -> &[TrySite<'a>] {
        &self.tries
    }

    /// Facts about a function.
    pub fn function(&self, id: FnId) -> &FnInfo<'a> {
        &self.functions[id.0 as usize]
    }

    /// Every function, in source order of their start.
    pub fn functions(&self) -> &[FnInfo<'a>] {
        &self.functions
    }

    /// The function whose node has exactly this span.
    pub fn fn_at(&self, span: Span) -> Option<FnId> {
        self.fn_by_span.get(&(span.lo.0, span.hi.0)).copied()
    }

    /// The class with this id.
    pub fn class(&self, id: ClassId) -> &ClassInfo<'a> {
        &self.classes[id.0 as usize]
    }

    /// What declared an identifier, or `None` for globals and unknown names.
    pub fn binding(&self, ident: &Ident) -> Option<&Binding<'a>> {
        if ident.ctxt == self.unresolved && !self.unresolved_bound {
            return None;
        }
        self.bindings.get(&(&ident.sym, ident.ctxt) as &dyn IdRef)
    }

    /// The parameter a name is, with the property path a destructuring pattern takes to it
    /// (`{ ids }` → `ids`, `{ body: { lines } }` → `body.lines`); `None` for a reassigned name
    /// or one bound through an array or rest pattern.
    pub fn param_path(&self, ident: &Ident) -> Option<(FnId, usize, Vec<Atom>)> {
        self.param_path_at(ident, 0)
    }

    fn param_path_at(&self, ident: &Ident, depth: u32) -> Option<(FnId, usize, Vec<Atom>)> {
        fn find(pat: &Pat, id: &Id, path: &mut Vec<Atom>) -> bool {
            match pat {
                Pat::Ident(b) => b.id.to_id() == *id,
                Pat::Assign(a) => find(&a.left, id, path),
                Pat::Object(o) => o.props.iter().any(|prop| match prop {
                    swc_ecma_ast::ObjectPatProp::KeyValue(kv) => {
                        let Some(key) = crate::names::prop_name(&kv.key) else {
                            return false;
                        };
                        path.push(Atom::from(key));
                        let found = find(&kv.value, id, path);
                        if !found {
                            path.pop();
                        }
                        found
                    }
                    swc_ecma_ast::ObjectPatProp::Assign(a) if a.key.to_id() == *id => {
                        path.push(a.key.sym.clone());
                        true
                    }
                    _ => false,
                }),
                _ => false,
            }
        }
        let b = self.binding(ident)?;
        if b.reassigned {
            return None;
        }
        let (func, index, destructured) = match &b.kind {
            BindingKind::Param {
                func,
                index,
                destructured,
            } => (*func, *index, *destructured),
            // `const { ids } = opts` in the body, with `opts` a parameter of the same function.
            BindingKind::Var {
                init: Some(init),
                path,
                ..
            } => {
                // Also through members: `const { photoIds } = args.input`.
                let mut members = Vec::new();
                let mut from = crate::names::unwrap_expr(init);
                while let Expr::Member(m) = from {
                    members.push(Atom::from(crate::names::member_name(&m.prop)?));
                    from = crate::names::unwrap_expr(&m.obj);
                }
                let Expr::Ident(from) = from else {
                    return None;
                };
                if from.to_id() == ident.to_id() {
                    return None;
                }
                if depth > 4 {
                    return None;
                }
                let (func, index, mut full) = self.param_path_at(from, depth + 1)?;
                if self.fn_containing(swc_common::Spanned::span(*init)) != Some(func) {
                    return None;
                }
                full.extend(members.into_iter().rev());
                full.extend(path.iter().cloned());
                return Some((func, index, full));
            }
            _ => return None,
        };
        let mut path = Vec::new();
        if destructured {
            let params = self.function(func).node.params();
            if !find(params.get(index)?, &ident.to_id(), &mut path) {
                return None;
            }
        }
        Some((func, index, path))
    }

    /// Whether an identifier refers to the global of that name (not declared anywhere in the file).
    pub fn is_global(&self, ident: &Ident, name: &str) -> bool {
        ident.ctxt == self.unresolved && ident.sym == name
    }

    /// Whether an identifier is unresolved, i.e. a global.
    pub fn is_unresolved(&self, ident: &Ident) -> bool {
        ident.ctxt == self.unresolved
    }

    /// The function and its lexical ancestors, innermost first.
    pub fn ancestors(&self, id: FnId) -> impl Iterator<Item = FnId> + '_ {
        std::iter::successors(Some(id), |f| self.function(*f).parent)
    }

    /// Byte range in the source of a swc span.
    pub fn range(&self, span: Span) -> std::ops::Range<usize> {
        span_range(span)
    }

    /// A readable name for a function, for messages.
    pub fn fn_label(&self, id: FnId) -> String {
        match &self.function(id).name {
            Some(name) => format!("`{name}`"),
            None => "an anonymous function".to_string(),
        }
    }
}

impl<'a> Model<'a> {
    /// Whether any binding of the file has this name (in any scope).
    pub fn has_binding_named(&self, name: &str) -> bool {
        self.bindings.keys().any(|(sym, _)| sym == name)
    }

    /// What the file's own binding of `name` refers to, when exactly one binding has that name.
    pub fn qual_of_name(&self, name: &str) -> Option<String> {
        let mut found = self.bindings.keys().filter(|(sym, _)| sym == name);
        let (sym, ctxt) = found.next()?;
        if found.next().is_some() {
            return None;
        }
        let ident = Ident::new(sym.clone(), swc_common::DUMMY_SP, *ctxt);
        self.qual_ident(&ident)
    }

    /// Where a new import belongs: the byte offset after the last top-level import or
    /// `require` declaration (or after a shebang and directives), and whether the file is an
    /// ES module.
    pub fn import_insertion_point(&self) -> (usize, bool) {
        use swc_ecma_ast::{ModuleDecl, ModuleItem, Stmt};
        let is_require_decl = |s: &Stmt| match s {
            Stmt::Decl(swc_ecma_ast::Decl::Var(v)) => v.decls.iter().any(|d| {
                d.init.as_deref().is_some_and(|init| {
                    let mut e = crate::names::unwrap_expr(init);
                    // `require('x').y` and `require('x')(opts)` count too.
                    loop {
                        match e {
                            Expr::Member(m) => e = crate::names::unwrap_expr(&m.obj),
                            Expr::Call(c) if self.require_source(c).is_some() => return true,
                            Expr::Call(c) => match &c.callee {
                                swc_ecma_ast::Callee::Expr(callee) => {
                                    e = crate::names::unwrap_expr(callee)
                                }
                                _ => return false,
                            },
                            _ => return false,
                        }
                    }
                })
            }),
            Stmt::Expr(e) => matches!(&*e.expr, Expr::Lit(swc_ecma_ast::Lit::Str(_))),
            _ => false,
        };
        match self.program {
            Program::Module(m) => {
                let last = m.body.iter().take_while(|item| match item {
                    ModuleItem::ModuleDecl(ModuleDecl::Import(_)) => true,
                    ModuleItem::Stmt(s) => is_require_decl(s),
                    _ => false,
                });
                let esm = m
                    .body
                    .iter()
                    .any(|i| matches!(i, ModuleItem::ModuleDecl(_)));
                let end = last.last().map(|i| match i {
                    ModuleItem::ModuleDecl(d) => swc_common::Spanned::span(d).hi,
                    ModuleItem::Stmt(s) => swc_common::Spanned::span(s).hi,
                });
                (
                    end.map_or(0, |hi| self.range(swc_common::Span::new(hi, hi)).start),
                    esm,
                )
            }
            Program::Script(s) => {
                let end = s
                    .body
                    .iter()
                    .take_while(|st| is_require_decl(st))
                    .last()
                    .map(|st| swc_common::Spanned::span(st).hi);
                (
                    end.map_or(0, |hi| self.range(swc_common::Span::new(hi, hi)).start),
                    false,
                )
            }
        }
    }
}

/// The calls of a file as `(start, index into Model::calls)`, by start.
struct CallsByStart(Vec<(u32, usize)>);
