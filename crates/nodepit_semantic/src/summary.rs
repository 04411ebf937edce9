//! A file's summary: what other files of the project can ask of it, as plain data with byte
//! ranges and no syntax tree, so a whole project's summaries fit in memory at once.

use std::ops::Range;
use std::path::PathBuf;

pub use swc_atoms::Atom;
use swc_ecma_ast::*;

use crate::handlers::Framework;
use crate::model::*;
use crate::names::{callee_name, member_name, prop_atom, prop_name, static_string, unwrap_expr};

/// A value of another module of the project, reached through an import or `require`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExtRef {
    /// Index into [`Summary::imports`].
    pub import: u32,
    /// Properties read from the module's exports (`["default"]` for a default import,
    /// `["Job", "publishMetrics"]` for `require('./job').Job.publishMetrics`).
    pub path: Vec<Atom>,
    /// `Some(n)`: `path[..n]` names a class that is instantiated with `new`, and the rest of
    /// the path reads members of the instance.
    pub new_at: Option<u32>,
}

impl ExtRef {
    /// Whether it names a whole module (`require('./pdf')`), not a value inside one.
    pub fn is_module(&self) -> bool {
        self.path.is_empty() && self.new_at.is_none()
    }
}

/// What an export, or a part of one, is.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Value {
    /// A function of this file (index of its `FnId`).
    Fn(u32),
    /// A class of this file (index into [`Summary::classes`]).
    Class(u32),
    /// An instance of a class of this file (`module.exports = new Queue()`).
    Instance(u32),
    /// An object whose properties are known (`module.exports = { a, b }`, ESM named exports).
    Object(Vec<(Atom, Value)>),
    /// A value of another module (`module.exports = require('./x')`, `export { a } from`).
    Ext(ExtRef),
    /// What a wrapper returns around a handler-shaped function of this file
    /// (`exports.signup = catchAsync(async (req, res) => …)`): registered, the function runs
    /// on every request, but what the framework calls is the wrapper's result.
    Wrapped(u32),
    /// A callback API turned into promises (`util.promisify(exec)`): calling it gives a promise
    /// that rejects when the callback gets an error. The range is the `promisify` call's.
    Promisified(Range<usize>),
    /// A zod schema, and whether it caps some length (`.max(…)`, `.length(…)`, `.size(…)`).
    ZodSchema {
        /// Whether it caps a length.
        caps: bool,
    },
    /// Anything else.
    #[default]
    Unknown,
}

/// A class of this file, by its members.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClassSummary {
    /// Static methods and function-valued static fields.
    pub statics: Vec<(Atom, u32)>,
    /// Instance methods and function-valued fields, including those of same-file base classes.
    pub methods: Vec<(Atom, u32)>,
    /// The first base class that is another module's (`class Projects extends BaseRepository`
    /// with `BaseRepository` imported): members not found above are looked up there.
    pub base: Option<ExtRef>,
    /// A class-validator DTO that caps some size (`@ArrayMaxSize(50)`): NestJS validates a
    /// body typed by it before the handler runs.
    pub caps_sizes: bool,
    /// An ORM model (Mongoose `mongoose.model`, a class extending Sequelize's `Model`): its
    /// finders' results are its instances (see [`QUERY_RESULT`]).
    pub model: bool,
    /// The class's `ClassId` in this file's model, when it is a class declaration.
    pub id: Option<u32>,
}

/// The specifier of a file's own module, for what only the project can answer about it: the
/// instance a caller hands a constructor (see [`ctor_arg_segment`]). It starts with a NUL, so
/// no specifier written in source (`#self` could be a package `imports` alias) is taken for it.
pub const SELF_MODULE: &str = "\0self";

/// The path segments for what function `func` (a model `FnId` of this file) receives as
/// parameter `param`, when it registers routes or listeners: `users.find()` inside
/// `module.exports = (app, { users }) => …` is `[#fn2, #arg1, users, find]` of [`SELF_MODULE`],
/// and the project looks for what callers pass there.
pub fn fn_arg_segment(func: u32, param: usize) -> [Atom; 2] {
    [
        Atom::from(format!("#fn{func}")),
        Atom::from(format!("#arg{param}")),
    ]
}

/// The first path segment, in [`SELF_MODULE`], of what a GraphQL resolver reads from its third
/// parameter: `ctx.reports.importCompressed` is `[#gqlctx, reports, importCompressed]`, and the
/// project looks for the `reports` of the context the application gives its GraphQL server.
pub const GQL_CONTEXT: &str = "#gqlctx";

/// The key of a spread in a [`Value::Object`] (`{ ...userResolvers.Query, ping }`): its value
/// holds more properties. It starts with a NUL, so no property written in source matches it.
pub const SPREAD: &str = "\0...";

/// A path segment read with a key known only at run time (`commands[msg.type]`): any property.
/// The project's reach follows it into every function of the object (a dispatch table); other
/// lookups find nothing under it.
pub const ANY_KEY: &str = "\0*";

/// The path segments for the instance the constructor of class `class` (a model `ClassId` of
/// this file) receives as parameter `param`: `this.repo.findAll()` in a class whose constructor
/// does `this.repo = repo` is `[#class3, #arg0, findAll]` of [`SELF_MODULE`], and the project
/// looks for what the callers of `new` pass there.
pub fn ctor_arg_segment(class: u32, param: usize) -> [Atom; 2] {
    [
        Atom::from(format!("#class{class}")),
        Atom::from(format!("#arg{param}")),
    ]
}

/// `new X(…)` of another module's class with an instance of another module among its
/// arguments (`new BillingService(new CustomerRepository(db))`): what constructors receive.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSite {
    /// The class.
    pub class: ExtRef,
    /// Per argument position, the instance it is, when it is one of another module's classes.
    pub args: Box<[Option<ExtRef>]>,
    /// Such instances as properties of an object-literal argument (`new SignupService({ mailer:
    /// new Mailer(url) })`): argument position, property, instance.
    pub props: Box<[(u32, Atom, ExtRef)]>,
}

/// The path segment after a model that stands for a document its finder returns:
/// `user.comparePassword` after `const user = await User.findOne(…)` is `User.#query.comparePassword`.
pub const QUERY_RESULT: &str = "#query";

/// Finders whose awaited result is one instance of the model (or none).
const FINDERS: &[&str] = &[
    "findOne",
    "findById",
    "findByPk",
    "findOneAndUpdate",
    "findByIdAndUpdate",
    "create",
];

/// Facts about one function of the file, as other files need them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FnSummary {
    /// Its name, for messages.
    pub name: Option<Atom>,
    /// Byte range of the function (its start is where messages point).
    pub range: Range<usize>,
    /// Declared `async`.
    pub is_async: bool,
    /// Calling it yields a promise (async, typed so, or returned on every path).
    pub returns_promise: bool,
    /// Its promise can never reject (computed for exported functions only).
    pub cannot_reject: bool,
    /// Its parameters look like a request handler's (`(req, res)`, `(request, h)`, `(ctx, next)`).
    pub handler_shaped: bool,
    /// How many parameters it declares before the first default or rest one: its `length`,
    /// which is how Express tells error middleware (four) from ordinary middleware.
    pub arity: u32,
    /// Same-file functions its execution reaches directly: nested functions, functions it calls
    /// and functions it hands to calls by name.
    pub reaches: Box<[u32]>,
    /// Indexes into [`Summary::ext_calls`] of the calls in its own body.
    pub ext_calls: Box<[u32]>,
    /// What is known of what it returns, for exported functions (`None` when nothing is).
    /// Boxed: most functions are not exported, and a project keeps every function's summary.
    pub exported: Option<Box<ExportedFacts>>,
}

/// Facts computed for exported functions only (see [`FnSummary::exported`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportedFacts {
    /// The function it returns, when it is a factory (`() => (req, res) => …`).
    pub returns_fn: Option<u32>,
    /// The object it returns, when it is a factory of one (`createClient()` returning
    /// `{ async cancel(id) { … } }`, or `new Client()` of a class of this file or another): calling it is
    /// like instantiating a class whose members are the object's.
    pub returns_object: Option<Box<Value>>,
    /// The call of another module whose result it returns (`(id) => repo.softDelete(id)`), as
    /// an index into [`Summary::ext_calls`]: it returns a promise when that function does.
    pub returns_ext_call: Option<u32>,
    /// When its promise can reject only inside `if (param.prop) { … }` branches (computed for
    /// exported functions whose promise can reject): each (parameter position, property).
    /// Empty when unknown or unguarded.
    pub reject_guards: Box<[(u32, Atom)]>,
    /// Evidence that what it returns is sized by outside input (`return Device.find()`), for
    /// callers in other files that fan out over it.
    pub returns_origin: Option<Box<ArgOrigin>>,
    /// When every place where its promise can reject waits for (or returns) a call of another
    /// module's function, those calls, as indexes into [`Summary::ext_calls`]: it can reject
    /// only if one of them can. Empty when something else can reject, or nothing can.
    pub rejects_via: Box<[u32]>,
}

impl FnSummary {
    /// The function it returns, when it is a factory (see [`ExportedFacts::returns_fn`]).
    pub fn returns_fn(&self) -> Option<u32> {
        self.exported.as_ref()?.returns_fn
    }

    /// The object it returns (see [`ExportedFacts::returns_object`]).
    pub fn returns_object(&self) -> Option<&Value> {
        self.exported.as_ref()?.returns_object.as_deref()
    }

    /// The other module's call whose result it returns (see [`ExportedFacts::returns_ext_call`]).
    pub fn returns_ext_call(&self) -> Option<u32> {
        self.exported.as_ref()?.returns_ext_call
    }

    /// Where its promise can reject (see [`ExportedFacts::reject_guards`]).
    pub fn reject_guards(&self) -> &[(u32, Atom)] {
        self.exported.as_ref().map_or(&[], |e| &e.reject_guards)
    }

    /// The other modules' calls it can reject through (see [`ExportedFacts::rejects_via`]).
    pub fn rejects_via(&self) -> &[u32] {
        self.exported.as_ref().map_or(&[], |e| &e.rejects_via)
    }

    /// Evidence about what it returns (see [`ExportedFacts::returns_origin`]).
    pub fn returns_origin(&self) -> Option<&ArgOrigin> {
        self.exported.as_ref()?.returns_origin.as_deref()
    }
}

/// What a function is registered to serve.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A function of this file.
    Local(u32),
    /// A function of another module.
    Ext(ExtRef),
    /// The function another module's factory returns (`app.get('/media', streamMedia())`).
    ExtFactory(ExtRef),
    /// A resolver map of another module: every function in it serves (GraphQL).
    ExtResolvers(ExtRef),
}

/// Who a registration serves, for messages: `GET /api/report`, `socket.io 'login'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerLabel {
    /// The framework or library.
    pub framework: Framework,
    /// The HTTP method, upper-case.
    pub method: Option<String>,
    /// The route path, event name or strategy name.
    pub path: Option<String>,
}

impl HandlerLabel {
    /// The label as a [`crate::Handler`], for its message phrases.
    pub fn handler(&self) -> crate::Handler {
        crate::Handler {
            func: FnId(0),
            framework: self.framework,
            method: self.method.clone(),
            path: self.path.clone(),
            registration: swc_common::DUMMY_SP,
        }
    }
}

/// A handler registration whose handler lives in another module, or whose receiver this file
/// cannot see.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    /// What is registered.
    pub target: Target,
    /// How it is labelled.
    pub label: HandlerLabel,
    /// The registering call's callee.
    pub range: Range<usize>,
    /// Registered on an object this file cannot see (a parameter, an import): a handler only
    /// when the route has a path and the function is shaped like a handler.
    pub inferred: bool,
    /// Registered on parameter `.1` of function `.0`: a handler when a caller passes a known
    /// app, router or socket there.
    pub on_param: Option<(u32, u32, Option<Atom>)>,
    /// Handed over through a wrapper call (`catchAsync(ctrl.list)`) rather than as the function
    /// itself: the framework runs what the wrapper returns, which may consume the promise.
    pub wrapped: bool,
}

/// A framework object a call passes to another module (`require('./routes')(app)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// An app or router of a known framework.
    Router(Framework),
    /// A socket.io or `ws` socket of a connection.
    Socket(Framework),
    /// A socket.io or `ws` server, whose `connection` listeners get each client's socket.
    SocketServer(Framework),
}

/// Evidence about an argument's length, as the origin analysis found it (see `origin.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct ArgOrigin {
    /// Position of the argument.
    pub index: u32,
    /// What kind of outside input it is.
    pub kind: crate::OriginKind,
    /// The evidence as source-like text.
    pub what: String,
    /// For queries, the bound that is missing.
    pub missing_bound: Option<&'static str>,
    /// Where the evidence is, in this file.
    pub range: Range<usize>,
    /// A validator of another module checked it (a zod schema, a DTO class): evidence only
    /// when the project finds that validator caps no size.
    pub unless_capped: Option<ExtRef>,
    /// The property of an object-literal argument it is about (`{ userIds: req.body.ids }`
    /// for a callee that destructures `{ userIds }`); `None` for the argument itself.
    pub prop: Option<Atom>,
}

/// A call into another module of the project, or a function of one handed to a call.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtCall {
    /// What is called.
    pub callee: ExtRef,
    /// The function of this file the call is in (`None` at module level).
    pub func: Option<u32>,
    /// The call expression.
    pub range: Range<usize>,
    /// Framework objects among the arguments.
    pub arg_kinds: Vec<(u32, Option<Atom>, ArgKind)>,
    /// Arguments with evidence about their length.
    pub arg_origins: Vec<ArgOrigin>,
    /// Arguments that pass on a parameter of a function of this file as it is, or a property
    /// of one (`reserveStock(body.lines)`): `(argument, function, parameter, property path)`.
    pub arg_params: Vec<(u32, u32, u32, Vec<Atom>)>,
    /// Instances of other modules' classes among the arguments, whole or as a property of an
    /// object literal (`registerBoardHandlers({ io, exporter })`): argument, property, instance.
    pub arg_instances: Box<[(u32, Option<Atom>, ExtRef)]>,
    /// The function is called here (not handed on by name).
    pub is_call: bool,
    /// The call is a statement of its own: its result is dropped.
    pub dropped: bool,
}

/// Everything other files may ask of one file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// The project files this file imports, in first-use order.
    pub imports: Vec<PathBuf>,
    /// Specifiers as written, with their index into `imports`.
    pub specifiers: Vec<(Atom, u32)>,
    /// The module's exports: an [`Value::Object`] of named exports (`default` among them) or,
    /// for `module.exports = x`, that value.
    pub exports: Value,
    /// Modules whose named exports this one re-exports (`export * from`), as import indexes.
    pub stars: Vec<u32>,
    /// Whether the file is an ES module (its default export is `exports.default`).
    pub esm: bool,
    /// Every function, by `FnId`.
    pub functions: Vec<FnSummary>,
    /// Classes referred to by [`Value::Class`] and [`Value::Instance`].
    pub classes: Vec<ClassSummary>,
    /// Functions registered as handlers in this file: the model's own table.
    pub handlers: Vec<(u32, HandlerLabel, Range<usize>)>,
    /// Registrations the file alone cannot settle.
    pub registrations: Vec<Registration>,
    /// Calls into other modules.
    pub ext_calls: Vec<ExtCall>,
    /// Bare packages the file loads (`import`, `require`), by package name, sorted: some change
    /// the whole application by being loaded once (`express-async-errors`).
    pub packages: Vec<Atom>,
    /// Instantiations of other modules' classes that hand them instances.
    pub news: Vec<NewSite>,
    /// What the context this file gives a GraphQL server holds (`expressMiddleware(server, {
    /// context: async () => ({ reports }) })`): property, and the other module's value.
    pub gql_contexts: Vec<(Atom, ExtRef)>,
}

/// Where a class's field gets its value (see [`Model::field_source`]).
pub(crate) enum FieldSource<'a> {
    /// A constructor parameter property (`constructor(private readonly audit: AuditService)`),
    /// with its type.
    ParamProp(Option<&'a swc_ecma_ast::TsTypeAnn>),
    /// `this.mailer = new Mailer()` in the constructor.
    Created(&'a Expr),
    /// `this.repo = repo` from constructor parameter `i`, or a property path inside it.
    Param(usize, Vec<Atom>),
    /// The field's declaration: its value, or else its type.
    Declared {
        value: Option<&'a Expr>,
        ty: Option<&'a swc_ecma_ast::TsTypeAnn>,
    },
}

/// Builds a summary; `resolve` maps a module specifier to a project file, or `None` for
/// packages, built-ins and specifiers that do not resolve.
pub(crate) struct Builder<'m, 'a, R> {
    pub(crate) model: &'m Model<'a>,
    pub(crate) resolve: R,
    pub(crate) summary: Summary,
    /// Specifiers already looked up, with their import index.
    pub(crate) seen: rustc_hash::FxHashMap<Atom, Option<u32>>,
    /// The index of each resolved file in `summary.imports`, by its path's bytes (a file with
    /// hundreds of imports made the linear searches quadratic).
    pub(crate) import_index: rustc_hash::FxHashMap<Box<[u8]>, u32>,
    /// How often each export name is written (see `Model::export_writes`).
    pub(crate) writes: rustc_hash::FxHashMap<&'m str, usize>,
}

impl<'m, 'a, R: FnMut(&str) -> Option<PathBuf>> Builder<'m, 'a, R> {
    /// The import index of a specifier, resolving it on first use.
    pub(crate) fn import(&mut self, spec: &Atom) -> Option<u32> {
        if let Some(i) = self.seen.get(spec) {
            return *i;
        }
        // The file itself: an empty path, which the project links to the file.
        let resolved = if spec == SELF_MODULE {
            Some(PathBuf::new())
        } else {
            (self.resolve)(spec)
        };
        let i = resolved.map(|path| {
            let key: Box<[u8]> = path.as_os_str().as_encoded_bytes().into();
            match self.import_index.get(&key) {
                Some(&i) => i,
                None => {
                    let i = self.summary.imports.len() as u32;
                    self.summary.imports.push(path);
                    self.import_index.insert(key, i);
                    i
                }
            }
        });
        self.seen.insert(spec.clone(), i);
        if let Some(i) = i {
            self.summary.specifiers.push((spec.clone(), i));
        }
        i
    }

    /// Re-exports every name of the module at import index `import` (`export *`).
    fn star(&mut self, import: u32) {
        if !self.summary.stars.contains(&import) {
            self.summary.stars.push(import);
        }
    }

    /// Re-exports every name of the module `e` is, when it is a whole other module
    /// (`require('./pdf')`, or a constant holding it), not a part of one.
    fn star_if_module(&mut self, e: &Expr) {
        if let Some(r) = self.ext_ref(e).filter(ExtRef::is_module) {
            self.star(r.import);
        }
    }

    /// The other module's value an expression names, when it names one.
    pub(crate) fn ext_ref(&mut self, e: &Expr) -> Option<ExtRef> {
        self.ext_ref_in(e, None)
    }

    /// [`Builder::ext_ref`] for an expression inside `func`, which may read an injected
    /// instance through `this` (see [`Model::ext_path_in`]).
    pub(crate) fn ext_ref_in(&mut self, e: &Expr, func: Option<FnId>) -> Option<ExtRef> {
        // The project's reach also follows `this.ids()` into a base class of another module;
        // rules asking about promises do not (see `Model::inherited_method`).
        let (spec, path, new_at) =
            self.model
                .ext_path_in(e, func)
                .or_else(|| match unwrap_expr(e) {
                    Expr::Member(m) if matches!(unwrap_expr(&m.obj), Expr::This(_)) => {
                        self.model.inherited_method(m, func?)
                    }
                    _ => None,
                })?;
        let import = self.import(&spec)?;
        Some(ExtRef {
            import,
            path,
            new_at,
        })
    }
}

/// The index into [`Model::calls`] of the (first) call whose callee has a given span.
struct CallsByCallee(rustc_hash::FxHashMap<(u32, u32), usize>);

impl<'a> Model<'a> {
    /// The module specifier and export path an expression reads: `(./job, [Job, publishMetrics])`
    /// for `Job.publishMetrics` after `const { Job } = require('./job')`.
    pub fn ext_path(&self, e: &Expr, depth: u32) -> Option<(Atom, Vec<Atom>, Option<u32>)> {
        if depth > 16 {
            return None;
        }
        match unwrap_expr(e) {
            Expr::Ident(id) => {
                let b = self.binding(id)?;
                match &b.kind {
                    BindingKind::Import { source, imported } => {
                        let path = match imported {
                            Imported::Default => vec![swc_atoms::atom!("default")],
                            Imported::Namespace => Vec::new(),
                            Imported::Named(n) => vec![n.clone()],
                        };
                        Some((source.clone(), path, None))
                    }
                    BindingKind::Var {
                        init: Some(init),
                        path,
                        ..
                    } if !b.reassigned => {
                        let (spec, mut p, new_at) = self.ext_path(init, depth + 1)?;
                        if new_at.is_some() && !path.is_empty() {
                            // `const { send } = new Mailer()` loses `this`.
                            return None;
                        }
                        p.extend(path.iter().cloned());
                        Some((spec, p, new_at))
                    }
                    // `for (const [event, handle] of Object.entries(handlers))`: a value of
                    // the table, any of them (the key, a string, is never called).
                    BindingKind::LoopVar { iterable } if !b.reassigned => {
                        let Expr::Call(c) = unwrap_expr(iterable) else {
                            return None;
                        };
                        if !matches!(
                            self.callee_qual(c).as_deref(),
                            Some("Object.entries" | "Object.values")
                        ) {
                            return None;
                        }
                        let table = c.args.first().filter(|a| a.spread.is_none())?;
                        let (spec, mut p, new_at) = self.ext_path(&table.expr, depth + 1)?;
                        p.push(Atom::from(ANY_KEY));
                        Some((spec, p, new_at))
                    }
                    _ => None,
                }
            }
            Expr::Member(m) => {
                // The object first: most member reads are not of a module, and then no name is
                // interned. An identifier property keeps its own atom.
                let (spec, mut p, new_at) = self.ext_path(&m.obj, depth + 1)?;
                let prop = match &m.prop {
                    MemberProp::Ident(id) => id.sym.clone(),
                    MemberProp::Computed(c) if !matches!(unwrap_expr(&c.expr), Expr::Lit(_)) => {
                        match member_name(&m.prop) {
                            Some(name) => Atom::from(name),
                            None => Atom::from(ANY_KEY),
                        }
                    }
                    other => Atom::from(member_name(other)?),
                };
                p.push(prop);
                Some((spec, p, new_at))
            }
            // `const run = has(commands, type) ? commands[type] : null`: the value it may hold.
            Expr::Cond(c) => self
                .ext_path(&c.cons, depth + 1)
                .or_else(|| self.ext_path(&c.alt, depth + 1)),
            Expr::Call(c) => {
                if self.require_source(c).is_some() {
                    // The literal's own atom (see `Model::require_source`).
                    let src = crate::names::static_atom(&c.args[0].expr)?;
                    return Some((src, Vec::new(), None));
                }
                // `createStripeClient(options)`: what another module's factory makes, marked
                // like an instantiation (a factory returning an object is one, even under `new`).
                let Callee::Expr(callee) = &c.callee else {
                    return None;
                };
                // A factory is named (`create()`, `clients.create()`), not the link of a chain
                // (`db('t').where(…).select()`), whose every link would walk the chain again.
                match unwrap_expr(callee) {
                    Expr::Ident(_) => {}
                    Expr::Member(m) if !matches!(unwrap_expr(&m.obj), Expr::Call(_)) => {}
                    _ => return None,
                }
                let (spec, p, new_at) = self.ext_path(callee, depth + 1)?;
                if new_at.is_some() {
                    return None;
                }
                let at = p.len() as u32;
                Some((spec, p, Some(at)))
            }
            // `await User.findOne(…)` (also through `.populate(…)`, `.select(…)`, `.exec()`,
            // but not `.lean()`, which gives plain objects): a document of the model, if the
            // model is one (the project checks).
            Expr::Await(a) => {
                let Expr::Call(first) = unwrap_expr(&a.arg) else {
                    return None;
                };
                let mut call = first;
                while let Some(m) = match &call.callee {
                    Callee::Expr(callee) => match unwrap_expr(callee) {
                        Expr::Member(m) => Some(m),
                        _ => None,
                    },
                    _ => None,
                } {
                    match member_name(&m.prop) {
                        Some("populate" | "select" | "exec") => match unwrap_expr(&m.obj) {
                            Expr::Call(inner) => call = inner,
                            _ => return None,
                        },
                        Some(finder) if FINDERS.contains(&finder) => {
                            let (spec, mut p, None) = self.ext_path(&m.obj, depth + 1)? else {
                                return None;
                            };
                            p.push(Atom::from(QUERY_RESULT));
                            return Some((spec, p, None));
                        }
                        _ => break,
                    }
                }
                // `await createStorage(cfg)`, `await SearchClient.connect(url)`: what an async
                // factory resolves to is what it returns, so it is marked like the factory's
                // call (a dynamic `await import()` is not a factory).
                if self.require_source(first).is_some() {
                    return None;
                }
                self.ext_path(&a.arg, depth + 1)
            }
            Expr::New(n) => {
                let (spec, p, new_at) = self.ext_path(&n.callee, depth + 1)?;
                if new_at.is_some() {
                    return None;
                }
                let at = p.len() as u32;
                Some((spec, p, Some(at)))
            }
            _ => None,
        }
    }

    /// [`Model::ext_path`], also for a method of an instance a class method reaches through
    /// `this`: `this.usersService.exportUser` inside a class whose constructor declares
    /// `private readonly usersService: UsersService` (TypeScript parameter properties, the way
    /// NestJS injects services), or that has a field `usersService: UsersService` or
    /// `mailer = new Mailer()`, where the class is imported from another module.
    pub fn ext_path_in(
        &self,
        e: &Expr,
        func: Option<FnId>,
    ) -> Option<(Atom, Vec<Atom>, Option<u32>)> {
        if let Some(found) = self.ext_path(e, 0) {
            return Some(found);
        }
        if let Some(path) = self.gql_context_path(e, 0) {
            return Some((Atom::from(SELF_MODULE), path, None));
        }
        if let Some(path) = self.decorated_path(e, func) {
            return Some((Atom::from(SELF_MODULE), path, None));
        }
        if let Some(path) = self.registrar_param_path(e) {
            return Some((Atom::from(SELF_MODULE), path, None));
        }
        let Expr::Member(call) = unwrap_expr(e) else {
            return None;
        };

        let Expr::Member(field) = unwrap_expr(&call.obj) else {
            return None;
        };
        if !matches!(unwrap_expr(&field.obj), Expr::This(_)) {
            return None;
        }
        // `this.#storage` is looked up as `#storage`.
        let name = match &field.prop {
            MemberProp::Ident(name) => name.sym.clone(),
            MemberProp::PrivateName(p) => Atom::from(format!("#{}", p.name)),
            MemberProp::Computed(_) => return None,
        };
        let Some(crate::model::ThisRef::Class(class)) = self.function(func?).this_ref else {
            return None;
        };
        let key = (class.0, name.clone());
        let found = self.injected.borrow().get(&key).cloned();
        let found = match found {
            Some(found) => found,
            None => {
                let found = self.injected(class, &name);
                self.injected.borrow_mut().insert(key, found.clone());
                found
            }
        };
        let (spec, mut path, new_at) = found?;
        path.push(Atom::from(member_name(&call.prop)?));
        Some((spec, path, new_at))
    }

    /// `this.ids()` in a class that does not declare `ids` but extends another module's class
    /// (`class CatalogRepository extends JsonFileRepository`): that class's instance method.
    /// Only the project's reach uses it: whether an inherited method can reject usually turns on
    /// the base's own fields (an API client that retries and swallows its errors).
    pub(crate) fn inherited_method(&self, m: &MemberExpr, func: FnId) -> Option<ExtPath> {
        let Some(crate::model::ThisRef::Class(class)) = self.function(func).this_ref else {
            return None;
        };
        let name = member_name(&m.prop)?;
        let node = self.class(class).node;
        let own = node.body.iter().any(|member| match member {
            ClassMember::Method(k) => prop_atom(&k.key).is_some_and(|k| k == name),
            ClassMember::ClassProp(k) => prop_atom(&k.key).is_some_and(|k| k == name),
            _ => false,
        });
        if own {
            return None;
        }
        let (spec, mut path, None) = self.ext_path(node.super_class.as_deref()?, 0)? else {
            return None;
        };
        let at = path.len() as u32;
        path.push(Atom::from(name));
        Some((spec, path, Some(at)))
    }

    /// `[#fn<f>, #arg<i>, …]` for a method read from a parameter of a function that registers
    /// routes or listeners (see [`fn_arg_segment`]): `exporter.exportBoard`.
    fn registrar_param_path(&self, e: &Expr) -> Option<Vec<Atom>> {
        // Called for most member reads the summary meets: the root is checked before any name
        // is interned, and an identifier property keeps its own atom.
        let mut root = unwrap_expr(e);
        let mut members = 0;
        while let Expr::Member(m) = root {
            member_name(&m.prop)?;
            members += 1;
            root = unwrap_expr(&m.obj);
        }
        let Expr::Ident(id) = root else { return None };
        if members == 0 {
            return None;
        }
        let (func, index, within) = self.param_path(id)?;
        if !self.registrars().contains(&func.0) {
            return None;
        }
        let mut path = fn_arg_segment(func.0, index).to_vec();
        path.extend(within);
        let start = path.len();
        let mut e = unwrap_expr(e);
        while let Expr::Member(m) = e {
            path.push(match &m.prop {
                MemberProp::Ident(name) => name.sym.clone(),
                other => Atom::from(member_name(other)?),
            });
            e = unwrap_expr(&m.obj);
        }
        path[start..].reverse();
        Some(path)
    }

    /// `[#gqlctx, …]` for what an expression reads from a GraphQL resolver's context: the
    /// third parameter of a function in a resolver-shaped map (`{ Mutation: { importReport(_,
    /// args, ctx) {} } }`), destructured (`{ reports }`) or not, and members read from it.
    /// A value a Fastify plugin decorated the instance with, or one a Koa app put on its
    /// context, as the handlers read it: `this.pdf.render()` in a Fastify route handler (a
    /// `function`, whose `this` is the instance), `fastify.pdf` on a plugin's instance
    /// parameter, `ctx.blobs.read()` in Koa middleware. Looked up like a GraphQL context value.
    fn decorated_path(&self, e: &Expr, func: Option<FnId>) -> Option<Vec<Atom>> {
        let mut props = Vec::new();
        let mut root = unwrap_expr(e);
        while let Expr::Member(m) = root {
            props.push(Atom::from(member_name(&m.prop)?));
            root = unwrap_expr(&m.obj);
        }
        // The decorated name and at least the member called on it.
        if props.len() < 2 {
            return None;
        }
        let is_root = match root {
            Expr::This(_) => func.is_some_and(|f| {
                let info = self.function(f);
                info.this_ref.is_none() && matches!(info.node, FnNode::Function(_))
            }),
            Expr::Ident(id) => {
                matches!(
                    self.binding(id).map(|b| &b.kind),
                    Some(BindingKind::Param {
                        index: 0,
                        destructured: false,
                        ..
                    })
                ) && matches!(&*id.sym, "fastify" | "ctx")
            }
            _ => false,
        };
        if !is_root {
            return None;
        }
        let mut path = vec![Atom::from(GQL_CONTEXT)];
        path.extend(props.into_iter().rev());
        Some(path)
    }

    fn gql_context_path(&self, e: &Expr, depth: u32) -> Option<Vec<Atom>> {
        if depth > 8 {
            return None;
        }
        match unwrap_expr(e) {
            Expr::Ident(id) => {
                let b = self.binding(id)?;
                match &b.kind {
                    BindingKind::Param { func, index: 2, .. } if self.function(*func).in_map => {
                        let (_, _, within) = self.param_path(id)?;
                        let mut path = vec![Atom::from(GQL_CONTEXT)];
                        path.extend(within);
                        Some(path)
                    }
                    // `const { reports } = ctx` in the resolver's body.
                    BindingKind::Var {
                        init: Some(init),
                        path: within,
                        ..
                    } if !b.reassigned => {
                        let mut path = self.gql_context_path(init, depth + 1)?;
                        path.extend(within.iter().cloned());
                        Some(path)
                    }
                    _ => None,
                }
            }
            Expr::Member(m) => {
                let mut path = self.gql_context_path(&m.obj, depth + 1)?;
                path.push(Atom::from(member_name(&m.prop)?));
                Some(path)
            }
            _ => None,
        }
    }

    /// The imported class whose instance a class keeps in the field `name`, as an export path
    /// with the instance mark, when the class declares it with that type or creates it itself.
    fn injected(&self, class: ClassId, name: &str) -> Option<(Atom, Vec<Atom>, Option<u32>)> {
        let typed = |ann: Option<&swc_ecma_ast::TsTypeAnn>| match ann.map(|a| &*a.type_ann) {
            Some(TsType::TsTypeRef(r)) if r.type_params.is_none() => match &r.type_name {
                // `import type { SnapshotStore }`: the class of the other module all the same.
                TsEntityName::Ident(t) => {
                    if let Some(BindingKind::TypeImport { source, imported }) =
                        self.binding(t).map(|b| &b.kind)
                    {
                        let p = match imported {
                            Imported::Default => vec![swc_atoms::atom!("default")],
                            Imported::Namespace => return None,
                            Imported::Named(n) => vec![n.clone()],
                        };
                        let at = p.len() as u32;
                        return Some((source.clone(), p, Some(at)));
                    }
                    let (spec, p, new_at) = self.ext_path(&Expr::Ident(t.clone()), 0)?;
                    if new_at.is_some() {
                        return None;
                    }
                    let at = p.len() as u32;
                    Some((spec, p, Some(at)))
                }
                TsEntityName::TsQualifiedName(_) => None,
            },
            _ => None,
        };
        // A field declared with an imported class as its type keeps that answer; one declared
        // with a type-only import (often an interface) or none holds what the constructor
        // puts there.
        let declared_class = |ann: Option<&swc_ecma_ast::TsTypeAnn>| {
            matches!(ann.map(|a| &*a.type_ann),
            Some(TsType::TsTypeRef(r)) if matches!(&r.type_name,
                TsEntityName::Ident(t) if matches!(
                    self.binding(t).map(|b| &b.kind),
                    Some(BindingKind::Import { .. })
                )))
        };
        let (ctor, declared) = self.field_source(class, name);
        let declared_type = match &declared {
            Some(FieldSource::Declared { value: None, ty }) => *ty,
            _ => None,
        };
        let from_ctor = match ctor {
            Some(FieldSource::ParamProp(ty)) => Some(typed(ty)),
            Some(FieldSource::Created(v)) => Some(self.ext_path(v, 0)),
            Some(FieldSource::Param(i, within)) if !declared_class(declared_type) => {
                let mut path = ctor_arg_segment(class.0, i).to_vec();
                path.extend(within);
                Some(Some((Atom::from(SELF_MODULE), path, None)))
            }
            _ => None,
        };
        if let Some(found) = from_ctor {
            return found;
        }
        match declared? {
            FieldSource::Declared { value: Some(v), .. }
                if matches!(unwrap_expr(v), Expr::New(_)) =>
            {
                self.ext_path(v, 0)
            }
            FieldSource::Declared { value: None, ty } => typed(ty),
            _ => None,
        }
    }

    /// Where a class's field `name` (`#name` for a private one) gets its value: from the
    /// constructor (a parameter property, `this.x = new X()`, or `this.x = param`), and from
    /// its declaration in the class body.
    pub(crate) fn field_source(
        &self,
        class: ClassId,
        name: &str,
    ) -> (Option<FieldSource<'a>>, Option<FieldSource<'a>>) {
        let body = &self.class(class).node.body;
        let ctor = body.iter().find_map(|m| {
            let ClassMember::Constructor(c) = m else {
                return None;
            };
            for p in &c.params {
                if let ParamOrTsParamProp::TsParamProp(tp) = p {
                    if let TsParamPropParam::Ident(b) = &tp.param {
                        if b.id.sym == name {
                            return Some(FieldSource::ParamProp(b.type_ann.as_deref()));
                        }
                    }
                }
            }
            let created =
                ctor_field_values(c, name).find(|v| matches!(unwrap_expr(v), Expr::New(_)));
            if let Some(v) = created {
                return Some(FieldSource::Created(v));
            }
            let (i, within) = self.ctor_param_field(c, name)?;
            Some(FieldSource::Param(i, within))
        });
        let declared = body.iter().find_map(|m| match m {
            ClassMember::ClassProp(prop)
                if !prop.is_static && prop_atom(&prop.key).is_some_and(|k| k == name) =>
            {
                Some(FieldSource::Declared {
                    value: prop.value.as_deref(),
                    ty: prop.type_ann.as_deref(),
                })
            }
            // `#storage = new S3Storage()`, read as `this.#storage`.
            ClassMember::PrivateProp(prop)
                if !prop.is_static && name.strip_prefix('#') == Some(prop.key.name.as_str()) =>
            {
                Some(FieldSource::Declared {
                    value: prop.value.as_deref(),
                    ty: prop.type_ann.as_deref(),
                })
            }
            _ => None,
        });
        (ctor, declared)
    }

    /// `this.repo = repo` among a constructor's own statements, with `repo` its parameter at
    /// position `i` (a name assigned nowhere else): `Some((i, []))`; destructured from it
    /// (`constructor({ mailer })`), with the property path: `Some((i, [mailer]))`.
    fn ctor_param_field(
        &self,
        c: &swc_ecma_ast::Constructor,
        name: &str,
    ) -> Option<(usize, Vec<Atom>)> {
        ctor_field_values(c, name).find_map(|v| {
            let Expr::Ident(value) = unwrap_expr(v) else {
                return None;
            };
            let (func, i, path) = self.param_path(value)?;
            matches!(self.function(func).node, FnNode::Constructor(k) if std::ptr::eq(k, c))
                .then_some((i, path))
        })
    }

    /// This file's summary (see [`Summary`]). `resolve` maps specifiers to project files.
    pub fn summary(&self, resolve: impl FnMut(&str) -> Option<PathBuf>) -> Summary {
        let mut b = Builder {
            model: self,
            resolve,
            summary: Summary::default(),
            seen: rustc_hash::FxHashMap::default(),
            import_index: rustc_hash::FxHashMap::default(),
            writes: rustc_hash::FxHashMap::default(),
        };
        for w in &self.export_writes {
            *b.writes.entry(w.as_str()).or_default() += 1;
        }
        b.summary.functions = self
            .functions
            .iter()
            .map(|f| FnSummary {
                name: f.name.clone(),
                range: self.range(f.span),
                is_async: f.is_async,
                handler_shaped: crate::origin::handler_shaped(f.node).is_some(),
                arity: arity(f.node),
                ..FnSummary::default()
            })
            .collect();
        self.summarize_exports(&mut b);
        self.summarize_calls(&mut b);
        self.summarize_dto_imports(&mut b);
        self.summarize_handlers(&mut b);
        self.summarize_gql_contexts(&mut b);
        b.summary.packages = self.loaded_packages();
        // Promise facts for what other files can call: exported functions and class members,
        // and the members of objects exported factories return.
        let mut exported = b.exported_fns();
        let mut made = Vec::new();
        for &f in &exported {
            let Some(e) = self.only_returned(FnId(f)) else {
                continue;
            };
            // `const client = new SearchClient(url); await client.ping(); return client;`
            let e = match unwrap_expr(e) {
                Expr::Ident(id) => self
                    .const_init(id)
                    .filter(|i| matches!(unwrap_expr(i), Expr::New(_)))
                    .unwrap_or(e),
                _ => e,
            };
            let object = match unwrap_expr(e) {
                Expr::Object(o) => self.object_value(&mut b, o, 0),
                // `const client = { … }; return client;`
                Expr::Ident(id)
                    if self
                        .const_init(id)
                        .is_some_and(|i| matches!(unwrap_expr(i), Expr::Object(_))) =>
                {
                    self.value_of(&mut b, e, 0)
                }
                Expr::New(n) if self.class_of(&n.callee).is_some() => {
                    self.class_value(&mut b, &n.callee, true)
                }
                // `return new Mailer(transport)` with `Mailer` imported: an instance of the
                // other module's class.
                Expr::New(_) => match b.ext_ref(e) {
                    Some(r) if r.new_at.is_some() => Value::Ext(r),
                    _ => continue,
                },
                _ => continue,
            };
            if matches!(
                object,
                Value::Object(_) | Value::Instance(_) | Value::Ext(_)
            ) {
                made.push((f, object));
            }
        }
        let mut objects: rustc_hash::FxHashMap<u32, Value> = Default::default();
        for (f, object) in made {
            exported.extend(b.fns_in(&object));
            objects.insert(f, object);
        }
        exported.sort_unstable();
        exported.dedup();
        for f in exported {
            let id = FnId(f);
            let mut facts = ExportedFacts {
                returns_object: objects.remove(&f).map(Box::new),
                ..ExportedFacts::default()
            };
            let s = &mut b.summary.functions[f as usize];
            s.returns_promise = self.fn_returns_promise(id) || self.returns_thenable(id);
            s.cannot_reject = s.returns_promise && self.fn_cannot_reject(id);
            if s.returns_promise && !s.cannot_reject && self.function(id).is_async {
                facts.reject_guards = self
                    .rejection_guards(id)
                    .unwrap_or_default()
                    .into_boxed_slice();
                facts.rejects_via = self.rejects_via(id, &b.summary.ext_calls);
            }
            let returns_promise = s.returns_promise;
            facts.returns_fn = self.returned_fn(id);
            // Rows, listings and payloads come from calls: a function that makes none in its
            // own body returns none.
            let makes_calls = !self.function(id).calls.is_empty();
            let returned = makes_calls.then(|| self.returned_origin(id)).flatten();
            let origin = returned.and_then(|o| self.arg_origin(&mut b, 0, &o));
            facts.returns_origin = origin.map(Box::new);
            if !returns_promise {
                facts.returns_ext_call = self.returned_call(id).and_then(|range| {
                    b.summary
                        .ext_calls
                        .iter()
                        .position(|c| c.range == range)
                        .map(|i| i as u32)
                });
            }
            if facts != ExportedFacts::default() {
                b.summary.functions[f as usize].exported = Some(Box::new(facts));
            }
        }
        // Kept until the project is linked, for every file: no spare capacity.
        let s = &mut b.summary;
        s.ext_calls.shrink_to_fit();
        s.registrations.shrink_to_fit();
        s.classes.shrink_to_fit();
        s.handlers.shrink_to_fit();
        s.imports.shrink_to_fit();
        s.specifiers.shrink_to_fit();
        s.news.shrink_to_fit();
        s.gql_contexts.shrink_to_fit();
        b.summary
    }

    /// The calls of other modules every place where `f` can reject waits for or returns (see
    /// [`ExportedFacts::rejects_via`]), found among the calls of its own body by where they end:
    /// `await x.load(id)` ends where its call does.
    fn rejects_via(&self, f: FnId, ext_calls: &[ExtCall]) -> Box<[u32]> {
        let points = self.rejections_strict(f);
        let own = &self.function(f).calls;
        let mut via = Vec::new();
        for p in points {
            if !matches!(
                p.kind,
                crate::RejectionKind::Await | crate::RejectionKind::Return
            ) {
                return Box::default();
            }
            // The awaited call: the outermost one ending where the `await` ends (its operand
            // binds tighter than any operator). A returned value must be the call itself:
            // `return ok ? a() : b()` ends where `b()` does, and `a()` counts too.
            let call = own
                .iter()
                .map(|&i| self.calls[i as usize].node)
                .filter(|c| c.span.hi == p.span.hi && c.span.lo >= p.span.lo)
                .filter(|c| p.kind == crate::RejectionKind::Await || c.span.lo == p.span.lo)
                .min_by_key(|c| c.span.lo);
            let Some(call) = call else {
                return Box::default();
            };
            let range = self.range(call.span);
            let Some(i) = ext_calls
                .iter()
                .position(|e| e.is_call && e.func == Some(f.0) && e.range == range)
            else {
                return Box::default();
            };
            via.push(i as u32);
        }
        via.into_boxed_slice()
    }

    /// Evidence as other files get it; `None` when a validator checked it whose module is not
    /// one of the project (nothing could say whether it caps sizes).
    fn arg_origin<R: FnMut(&str) -> Option<PathBuf>>(
        &self,
        b: &mut Builder<'_, 'a, R>,
        index: u32,
        o: &crate::Origin,
    ) -> Option<ArgOrigin> {
        let unless_capped = match &o.unless_capped {
            Some((spec, path)) => Some(ExtRef {
                import: b.import(spec)?,
                path: path.clone(),
                new_at: None,
            }),
            None => None,
        };
        Some(ArgOrigin {
            index,
            kind: o.kind,
            what: o.what.clone(),
            missing_bound: o.missing_bound,
            range: self.range(o.span),
            unless_capped,
            prop: None,
        })
    }

    /// Resolves the modules of DTO classes that type decorated parameters (`@Body() dto:
    /// BulkTagDto`), so rules can ask whether the DTO caps sizes.
    fn summarize_dto_imports<R: FnMut(&str) -> Option<PathBuf>>(&self, b: &mut Builder<'_, 'a, R>) {
        for f in &self.functions {
            let FnNode::Function(func) = f.node else {
                continue;
            };
            for p in func.params.iter().filter(|p| !p.decorators.is_empty()) {
                let Some(class) = crate::origin::dto_type(&p.pat) else {
                    continue;
                };
                if let Some(BindingKind::Import { source, .. }) =
                    self.binding(class).map(|b| &b.kind)
                {
                    b.import(source);
                }
            }
        }
    }

    /// The function a factory returns: an arrow whose body is a function, or a body whose
    /// every `return` gives the same function.
    pub fn returned_fn(&self, f: FnId) -> Option<u32> {
        let node = self.function(f).node;
        if let Some(e) = node.expr_body() {
            return self.fn_of_expr(e, Some(f)).map(|g| g.0);
        }
        let stmts = node.body_stmts()?;
        let last = stmts.iter().rev().find_map(|s| match s {
            Stmt::Return(r) => r.arg.as_deref(),
            _ => None,
        })?;
        self.fn_of_expr(last, Some(f)).map(|g| g.0)
    }

    /// What a function returns when there is one answer: its expression body, or the argument
    /// of its only `return` when that is its last statement.
    fn only_returned(&self, f: FnId) -> Option<&'a Expr> {
        let node = self.function(f).node;
        if let Some(e) = node.expr_body() {
            return Some(e);
        }
        let stmts = node.body_stmts()?;
        let mut returns = stmts.iter().filter_map(|s| match s {
            Stmt::Return(r) => Some(r.arg.as_deref()),
            _ => None,
        });
        let only = returns.next()??;
        if returns.next().is_some() || !matches!(stmts.last(), Some(Stmt::Return(_))) {
            return None;
        }
        Some(only)
    }

    /// The range of the call a function returns (see [`Model::only_returned`]).
    fn returned_call(&self, f: FnId) -> Option<Range<usize>> {
        match unwrap_expr(self.only_returned(f)?) {
            Expr::Call(c) => Some(self.range(c.span)),
            _ => None,
        }
    }

    fn summarize_exports<R: FnMut(&str) -> Option<PathBuf>>(&self, b: &mut Builder<'_, 'a, R>) {
        let items: Vec<(Option<&ModuleDecl>, Option<&Stmt>)> = match self.program {
            Program::Module(m) => m
                .body
                .iter()
                .map(|i| match i {
                    ModuleItem::ModuleDecl(d) => (Some(d), None),
                    ModuleItem::Stmt(s) => (None, Some(s)),
                })
                .collect(),
            Program::Script(s) => s.body.iter().map(|s| (None, Some(s))).collect(),
        };
        let mut named: Vec<(Atom, Value)> = Vec::new();
        let mut whole: Option<Value> = None;
        for (decl, stmt) in items {
            if let Some(d) = decl {
                b.summary.esm |= !matches!(d, ModuleDecl::Import(_));
                self.esm_export(b, d, &mut named, &mut whole);
            }
            if let Some(Stmt::Expr(e)) = stmt {
                self.cjs_export(b, &e.expr, &mut named, &mut whole);
                self.cjs_assign_export(b, &e.expr, &mut named);
            }
        }
        // `module.exports = obj; module.exports.extra = f` adds to the object.
        b.summary.exports = match whole {
            Some(Value::Object(mut props)) => {
                props.extend(named);
                Value::Object(props)
            }
            Some(v) if named.is_empty() => v,
            // `module.exports = require('./pdf'); module.exports.slug = f`: the other module's
            // names, and this one's on top.
            Some(Value::Ext(r)) if r.is_module() => {
                b.star(r.import);
                Value::Object(named)
            }
            Some(_) => Value::Unknown,
            None => Value::Object(named),
        };
    }

    /// `Object.assign(module.exports, require('./pdf'), { slug })`: each source's names become
    /// the module's, a whole other module as an `export *` would.
    fn cjs_assign_export<R: FnMut(&str) -> Option<PathBuf>>(
        &self,
        b: &mut Builder<'_, 'a, R>,
        e: &Expr,
        named: &mut Vec<(Atom, Value)>,
    ) {
        let Expr::Call(c) = unwrap_expr(e) else {
            return;
        };
        let Callee::Expr(callee) = &c.callee else {
            return;
        };
        if self.qual(callee).as_deref() != Some("Object.assign") {
            return;
        }
        let Some((target, sources)) = c.args.split_first() else {
            return;
        };
        if target.spread.is_some() || !self.is_exports_object(&target.expr) {
            return;
        }
        for src in sources {
            if src.spread.is_some() {
                continue;
            }
            match unwrap_expr(&src.expr) {
                Expr::Object(o) => {
                    if let Value::Object(props) = self.object_value(b, o, 0) {
                        for (k, v) in props {
                            named.retain(|(n, _)| *n != k);
                            named.push((k, v));
                        }
                    }
                    self.star_spreads(b, o);
                }
                other => b.star_if_module(other),
            }
        }
    }

    /// `module.exports = { ...require('./pdf'), ...strings }`: each spread of a whole other
    /// module re-exports its names.
    fn star_spreads<R: FnMut(&str) -> Option<PathBuf>>(
        &self,
        b: &mut Builder<'_, 'a, R>,
        o: &ObjectLit,
    ) {
        for p in &o.props {
            if let PropOrSpread::Spread(sp) = p {
                b.star_if_module(&sp.expr);
            }
        }
    }

    fn esm_export<R: FnMut(&str) -> Option<PathBuf>>(
        &self,
        b: &mut Builder<'_, 'a, R>,
        d: &ModuleDecl,
        named: &mut Vec<(Atom, Value)>,
        whole: &mut Option<Value>,
    ) {
        match d {
            ModuleDecl::ExportDecl(ed) => match &ed.decl {
                Decl::Fn(f) => {
                    if let Some(id) = self.fn_at(f.function.span) {
                        named.push((f.ident.sym.clone(), Value::Fn(id.0)));
                    }
                }
                Decl::Class(c) => {
                    let v = self.class_value(b, &Expr::Ident(c.ident.clone()), false);
                    named.push((c.ident.sym.clone(), v));
                }
                Decl::Var(v) => {
                    for decl in &v.decls {
                        if let Pat::Ident(id) = &decl.name {
                            let value = match decl.init.as_deref() {
                                Some(init) => self.value_of(b, init, 0),
                                None => Value::Unknown,
                            };
                            named.push((id.id.sym.clone(), value));
                        }
                    }
                }
                _ => {}
            },
            ModuleDecl::ExportDefaultDecl(dd) => {
                let value = match &dd.decl {
                    DefaultDecl::Fn(f) => self
                        .fn_at(f.function.span)
                        .map_or(Value::Unknown, |id| Value::Fn(id.0)),
                    DefaultDecl::Class(c) => match self.class_by_node(&c.class) {
                        Some(id) => self.class_summary(b, id, false),
                        None => Value::Unknown,
                    },
                    DefaultDecl::TsInterfaceDecl(_) => return,
                };
                named.push((Atom::from("default"), value));
            }
            ModuleDecl::ExportDefaultExpr(e) => {
                let v = self.value_of(b, &e.expr, 0);
                named.push((Atom::from("default"), v));
            }
            ModuleDecl::ExportNamed(n) => {
                let import = n.src.as_ref().and_then(|s| s.value.as_atom().cloned());
                for spec in &n.specifiers {
                    let (orig, exported) = match spec {
                        ExportSpecifier::Named(s) => {
                            let orig = module_export_name(&s.orig);
                            let exported =
                                s.exported.as_ref().map_or(orig.clone(), module_export_name);
                            (Some(orig), exported)
                        }
                        ExportSpecifier::Namespace(s) => (None, module_export_name(&s.name)),
                        ExportSpecifier::Default(s) => {
                            (Some(Atom::from("default")), s.exported.sym.clone())
                        }
                    };
                    let value = match (&import, spec) {
                        (Some(src), _) => match b.import(src) {
                            Some(i) => Value::Ext(ExtRef {
                                import: i,
                                path: orig.into_iter().collect(),
                                new_at: None,
                            }),
                            None => Value::Unknown,
                        },
                        // `export { a as b }` of a local name.
                        (None, ExportSpecifier::Named(s)) => match &s.orig {
                            ModuleExportName::Ident(id) => {
                                self.value_of(b, &Expr::Ident(id.clone()), 0)
                            }
                            ModuleExportName::Str(_) => Value::Unknown,
                        },
                        (None, _) => Value::Unknown,
                    };
                    named.push((exported, value));
                }
            }
            ModuleDecl::ExportAll(all) => {
                if let Some(src) = all.src.value.as_atom() {
                    if let Some(i) = b.import(&src.clone()) {
                        b.summary.stars.push(i);
                    }
                }
            }
            ModuleDecl::TsExportAssignment(a) => {
                *whole = Some(self.value_of(b, &a.expr, 0));
            }
            _ => {}
        }
    }

    /// `module.exports = x`, `module.exports.a = x`, `exports.a = x`, `exports = module.exports = x`.
    fn cjs_export<R: FnMut(&str) -> Option<PathBuf>>(
        &self,
        b: &mut Builder<'_, 'a, R>,
        e: &Expr,
        named: &mut Vec<(Atom, Value)>,
        whole: &mut Option<Value>,
    ) {
        let Expr::Assign(a) = unwrap_expr(e) else {
            return;
        };
        if a.op != AssignOp::Assign {
            return;
        }
        let Some(target) = a.left.as_simple().and_then(|s| s.as_member()) else {
            return;
        };
        let right = unwrap_expr(&a.right);
        // `exports = module.exports = x`
        let right = match right {
            Expr::Assign(inner) if inner.op == AssignOp::Assign => {
                self.cjs_export(b, right, named, whole);
                return;
            }
            other => other,
        };
        let Some(prop) = member_name(&target.prop) else {
            return;
        };
        // A name written more than once (`if (dryRun) exports.send = …`) has no one value.
        let written = |name: &str| b.writes.get(name).copied().unwrap_or(0);
        if self.is_module_object(&target.obj) && prop == "exports" {
            *whole = Some(match written("") {
                1 => {
                    let object = match right {
                        Expr::Object(o) => Some(o),
                        Expr::Ident(id) => self.const_init(id).and_then(|i| match unwrap_expr(i) {
                            Expr::Object(o) => Some(o),
                            _ => None,
                        }),
                        _ => None,
                    };
                    if let Some(o) = object {
                        self.star_spreads(b, o);
                    }
                    self.value_of(b, right, 0)
                }
                _ => Value::Unknown,
            });
        } else if self.is_exports_object(&target.obj) {
            // Writes through a name for the exports object are not counted: only this one
            // is seen.
            let alias = matches!(unwrap_expr(&target.obj), Expr::Ident(id) if !self.is_global(id, "exports"));
            let v = match written(prop) {
                0 if alias => self.value_of(b, right, 0),
                1 => self.value_of(b, right, 0),
                _ => Value::Unknown,
            };
            named.retain(|(n, _)| n != prop);
            named.push((Atom::from(prop), v));
        }
    }

    fn is_module_object(&self, e: &Expr) -> bool {
        matches!(unwrap_expr(e), Expr::Ident(id) if self.is_global(id, "module"))
    }

    /// `exports` or `module.exports`, or a name for it (`const Topics = module.exports`).
    fn is_exports_object(&self, e: &Expr) -> bool {
        match unwrap_expr(e) {
            Expr::Ident(id) => {
                self.is_global(id, "exports")
                    || self.const_init(id).is_some_and(|init| {
                        !matches!(unwrap_expr(init), Expr::Ident(_)) && self.is_exports_object(init)
                    })
            }
            Expr::Member(m) => {
                self.is_module_object(&m.obj) && member_name(&m.prop) == Some("exports")
            }
            _ => false,
        }
    }

    /// What an exported expression is.
    fn value_of<R: FnMut(&str) -> Option<PathBuf>>(
        &self,
        b: &mut Builder<'_, 'a, R>,
        e: &Expr,
        depth: u32,
    ) -> Value {
        if depth > 8 {
            return Value::Unknown;
        }
        let e = unwrap_expr(e);
        if let Some(f) = self.fn_of_expr(e, None) {
            return Value::Fn(f.0);
        }
        if self.class_of(e).is_some() {
            return self.class_value(b, e, false);
        }
        if matches!(e, Expr::Call(_) | Expr::Ident(_)) && self.is_zod_schema(e, 0) {
            return Value::ZodSchema {
                caps: self.schema_caps_length(e, 0),
            };
        }
        match e {
            Expr::New(n) if self.class_of(&n.callee).is_some() => {
                return self.class_value(b, &n.callee, true)
            }
            Expr::Call(c)
                if matches!(&c.callee, Callee::Expr(callee)
                    if self.qual(callee).as_deref() == Some("util.promisify")) =>
            {
                return Value::Promisified(self.range(c.span));
            }
            // TypeORM's custom repositories: `dataSource.getRepository(User).extend({ … })` has
            // the methods of the object it is given.
            Expr::Call(c)
                if c.args.len() == 1
                    && matches!(&c.callee, Callee::Expr(callee)
                        if matches!(unwrap_expr(callee), Expr::Member(m)
                            if member_name(&m.prop) == Some("extend"))) =>
            {
                if let Expr::Object(o) = unwrap_expr(&c.args[0].expr) {
                    return self.object_value(b, o, depth);
                }
            }
            // `mongoose.model('Session', sessionSchema)`: a model class whose statics are the
            // schema's (`sessionSchema.statics.revokeAll = async function …`).
            Expr::Call(c)
                if matches!(&c.callee, Callee::Expr(callee)
                    if self.qual(callee).as_deref() == Some("mongoose.model")) =>
            {
                if let Some(Expr::Ident(schema)) = c.args.get(1).map(|a| unwrap_expr(&a.expr)) {
                    return self.mongoose_model(b, schema);
                }
            }
            // `merge({}, photoResolvers, userResolvers)`, `Object.assign({}, a, b)`,
            // `mergeResolvers([a, b])`: an object with the properties of each.
            Expr::Call(c)
                if matches!(&c.callee, Callee::Expr(callee)
                    if matches!(callee_name(callee),
                        Some("merge" | "mergeResolvers" | "deepmerge" | "assign"))) =>
            {
                let mut props = Vec::new();
                for a in &c.args {
                    let parts = match unwrap_expr(&a.expr) {
                        Expr::Array(arr) => arr.elems.iter().flatten().map(|e| &*e.expr).collect(),
                        e => vec![e],
                    };
                    for part in parts {
                        let v = self.value_of(b, part, depth + 1);
                        if matches!(v, Value::Ext(_) | Value::Object(_)) {
                            props.push((Atom::from(SPREAD), v));
                        }
                    }
                }
                if !props.is_empty() {
                    return Value::Object(props);
                }
            }
            // `catchAsync(async (req, res) => …)`: one handler-shaped function handed to a
            // wrapper (not `require`, not a method of the function itself).
            Expr::Call(c) if self.require_source(c).is_none() => {
                let mut inner = c.args.iter().filter_map(|a| {
                    self.fn_of_expr(&a.expr, None)
                        .filter(|f| crate::origin::handler_shaped(self.function(*f).node).is_some())
                });
                if let (Some(f), None) = (inner.next(), inner.next()) {
                    if matches!(&c.callee, Callee::Expr(callee)
                        if matches!(unwrap_expr(callee), Expr::Ident(_) | Expr::Member(_)))
                    {
                        return Value::Wrapped(f.0);
                    }
                }
            }
            Expr::Object(o) => return self.object_value(b, o, depth),
            Expr::Ident(id) => {
                if let Some(init) = self.const_init(id) {
                    // `const execAsync = promisify(exec)` or `const signup = catchAsync(…)`,
                    // exported by name.
                    if let Expr::Call(_) = unwrap_expr(init) {
                        let v = self.value_of(b, init, depth + 1);
                        if matches!(v, Value::Promisified(_) | Value::Wrapped(_)) {
                            return v;
                        }
                    }
                    // `const audit = new AuditLog()` of this file's class.
                    if let Expr::New(n) = unwrap_expr(init) {
                        if self.class_of(&n.callee).is_some() {
                            return self.class_value(b, &n.callee, true);
                        }
                    }
                    if let Expr::Object(o) = unwrap_expr(init) {
                        // `const api = {}; api.list = …; module.exports = api`
                        let mut v = self.object_value(b, o, depth);
                        if let Value::Object(props) = &mut v {
                            props.extend(self.assigned_props(b, id, depth));
                        }
                        return v;
                    }
                }
            }
            _ => {}
        }
        match b.ext_ref(e) {
            Some(r) => Value::Ext(r),
            None => Value::Unknown,
        }
    }

    fn object_value<R: FnMut(&str) -> Option<PathBuf>>(
        &self,
        b: &mut Builder<'_, 'a, R>,
        o: &ObjectLit,
        depth: u32,
    ) -> Value {
        let mut props = Vec::new();
        for p in &o.props {
            let p = match p {
                PropOrSpread::Prop(p) => p,
                // `...userResolvers.Query`: another module's object (or this file's) lends its
                // properties; a spread of unknown props leaves what is listed right.
                PropOrSpread::Spread(sp) => {
                    let v = self.value_of(b, &sp.expr, depth + 1);
                    if matches!(v, Value::Ext(_) | Value::Object(_)) {
                        props.push((Atom::from(SPREAD), v));
                    }
                    continue;
                }
            };
            match &**p {
                Prop::KeyValue(kv) => {
                    if let Some(k) = prop_atom(&kv.key) {
                        props.push((k, self.value_of(b, &kv.value, depth + 1)));
                    }
                }
                Prop::Method(m) => {
                    if let (Some(k), Some(f)) = (prop_atom(&m.key), self.fn_at(m.function.span)) {
                        props.push((k, Value::Fn(f.0)));
                    }
                }
                Prop::Shorthand(id) => {
                    props.push((
                        id.sym.clone(),
                        self.value_of(b, &Expr::Ident(id.clone()), depth + 1),
                    ));
                }
                _ => {}
            }
        }
        Value::Object(props)
    }

    /// `api.list = …` statements at the top level, for an object built up by assignments.
    fn assigned_props<R: FnMut(&str) -> Option<PathBuf>>(
        &self,
        b: &mut Builder<'_, 'a, R>,
        obj: &Ident,
        depth: u32,
    ) -> Vec<(Atom, Value)> {
        let stmts = self.top_level_stmts();
        let mut out = Vec::new();
        for s in stmts {
            let Stmt::Expr(es) = s else { continue };
            let Expr::Assign(a) = unwrap_expr(&es.expr) else {
                continue;
            };
            let Some(m) = a.left.as_simple().and_then(|s| s.as_member()) else {
                continue;
            };
            let (Expr::Ident(id), Some(prop)) = (unwrap_expr(&m.obj), member_name(&m.prop)) else {
                continue;
            };
            if id.to_id() == obj.to_id() {
                out.push((Atom::from(prop), self.value_of(b, &a.right, depth + 1)));
            }
        }
        out
    }

    /// The statements at the top level of the file (not its import and export declarations).
    fn top_level_stmts(&self) -> Vec<&'a Stmt> {
        match self.program {
            Program::Module(m) => m.body.iter().filter_map(|i| i.as_stmt()).collect(),
            Program::Script(s) => s.body.iter().collect(),
        }
    }

    /// A Mongoose model made from `schema`, as a class: its statics and instance methods are
    /// what the file's top-level statements add to the schema (`schema.statics.x = fn`,
    /// `schema.methods.y = fn`, `schema.static('x', fn)`, `schema.statics = { … }`).
    fn mongoose_model<R: FnMut(&str) -> Option<PathBuf>>(
        &self,
        b: &mut Builder<'_, 'a, R>,
        schema: &Ident,
    ) -> Value {
        let stmts = self.top_level_stmts();
        let is_schema =
            |e: &Expr| matches!(unwrap_expr(e), Expr::Ident(id) if id.to_id() == schema.to_id());
        let mut summary = ClassSummary {
            model: true,
            ..ClassSummary::default()
        };
        let mut add = |statics: bool, name: Atom, f: FnId| {
            let list = if statics {
                &mut summary.statics
            } else {
                &mut summary.methods
            };
            if !list.iter().any(|(n, _)| *n == name) {
                list.push((name, f.0));
            }
        };
        for s in stmts {
            let Stmt::Expr(es) = s else { continue };
            match unwrap_expr(&es.expr) {
                Expr::Assign(a) if a.op == AssignOp::Assign => {
                    let Some(m) = a.left.as_simple().and_then(|s| s.as_member()) else {
                        continue;
                    };
                    let Some(prop) = member_name(&m.prop) else {
                        continue;
                    };
                    // `schema.statics.x = fn`
                    if let Expr::Member(inner) = unwrap_expr(&m.obj) {
                        let kind = member_name(&inner.prop);
                        if is_schema(&inner.obj) && matches!(kind, Some("statics" | "methods")) {
                            if let Some(f) = self.fn_of_expr(&a.right, None) {
                                add(kind == Some("statics"), Atom::from(prop), f);
                            }
                        }
                        continue;
                    }
                    // `schema.statics = { x() {…} }`
                    if is_schema(&m.obj) && matches!(prop, "statics" | "methods") {
                        if let Expr::Object(o) = unwrap_expr(&a.right) {
                            if let Value::Object(props) = self.object_value(b, o, 1) {
                                for (k, v) in props {
                                    if let Value::Fn(f) = v {
                                        add(prop == "statics", k, FnId(f));
                                    }
                                }
                            }
                        }
                    }
                }
                // `schema.static('x', fn)` and `schema.method('y', fn)`
                Expr::Call(c) => {
                    let Callee::Expr(callee) = &c.callee else {
                        continue;
                    };
                    let Expr::Member(m) = unwrap_expr(callee) else {
                        continue;
                    };
                    let kind = member_name(&m.prop);
                    if !is_schema(&m.obj) || !matches!(kind, Some("static" | "method")) {
                        continue;
                    }
                    if let [name, f] = c.args.as_slice() {
                        let name = crate::names::static_string(&name.expr);
                        if let (Some(name), Some(f)) = (name, self.fn_of_expr(&f.expr, None)) {
                            add(kind == Some("static"), Atom::from(name), f);
                        }
                    }
                }
                _ => {}
            }
        }
        if summary.statics.is_empty() && summary.methods.is_empty() {
            return Value::Unknown;
        }
        b.summary.classes.push(summary);
        Value::Class((b.summary.classes.len() - 1) as u32)
    }

    /// A class of this file as a value: its summary is recorded once.
    fn class_value<R: FnMut(&str) -> Option<PathBuf>>(
        &self,
        b: &mut Builder<'_, 'a, R>,
        e: &Expr,
        instance: bool,
    ) -> Value {
        match self.class_of(e) {
            Some(c) => self.class_summary(b, c, instance),
            None => Value::Unknown,
        }
    }

    fn class_by_node(&self, node: &Class) -> Option<ClassId> {
        self.classes
            .iter()
            .position(|k| std::ptr::eq(k.node, node))
            .map(|i| ClassId(i as u32))
    }

    fn class_summary<R: FnMut(&str) -> Option<PathBuf>>(
        &self,
        b: &mut Builder<'_, 'a, R>,
        c: ClassId,
        instance: bool,
    ) -> Value {
        let node = self.class(c).node;
        let mut summary = ClassSummary {
            caps_sizes: self.dto_caps_sizes(node),
            model: node.super_class.as_deref().is_some_and(|s| {
                self.qual(s)
                    .is_some_and(|q| q == "sequelize.Model" || q == "@sequelize/core.Model")
            }),
            ..ClassSummary::default()
        };
        let mut class = Some(c);
        for _ in 0..16 {
            let Some(k) = class else { break };
            for member in &self.class(k).node.body {
                let (key, f, is_static) = match member {
                    ClassMember::Method(m) => {
                        (prop_atom(&m.key), self.fn_at(m.function.span), m.is_static)
                    }
                    ClassMember::ClassProp(p) => (
                        prop_atom(&p.key),
                        p.value.as_deref().and_then(|v| self.fn_of_expr(v, None)),
                        p.is_static,
                    ),
                    _ => continue,
                };
                let (Some(key), Some(f)) = (key, f) else {
                    continue;
                };
                let list = if is_static {
                    &mut summary.statics
                } else {
                    &mut summary.methods
                };
                // A subclass's own member wins over its base's.
                if !list.iter().any(|(n, _)| *n == key) {
                    list.push((key, f.0));
                }
            }
            let sup = self.class(k).node.super_class.as_deref();
            class = sup.and_then(|s| self.class_of(s));
            if class.is_none() {
                summary.base = sup
                    .and_then(|s| b.ext_ref(s))
                    .filter(|r| r.new_at.is_none());
            }
        }
        summary.id = Some(c.0);
        b.summary.classes.push(summary);
        let i = (b.summary.classes.len() - 1) as u32;
        if instance {
            Value::Instance(i)
        } else {
            Value::Class(i)
        }
    }

    /// Calls into other modules, and the same-file reach of every function.
    fn summarize_calls<R: FnMut(&str) -> Option<PathBuf>>(&self, b: &mut Builder<'_, 'a, R>) {
        // Built here, then boxed: a project keeps every file's summary until it is linked.
        let mut reaches: Vec<Vec<u32>> = self
            .functions
            .iter()
            .map(|f| f.children.iter().map(|c| c.0).collect())
            .collect();
        let mut calls_of: Vec<Vec<u32>> = vec![Vec::new(); self.functions.len()];
        // Calls that are a statement of their own: their result goes nowhere.
        let dropped: rustc_hash::FxHashSet<u32> = self
            .stmts
            .iter()
            .filter_map(|st| match unwrap_expr(&st.node.expr) {
                Expr::Call(c) => Some(c.span.lo.0),
                _ => None,
            })
            .collect();
        for (i, site) in self.calls.iter().enumerate() {
            let call = site.node;
            let Callee::Expr(callee) = &call.callee else {
                continue;
            };
            // The callee, and functions handed to the call by name (`rows.map(format)`): they
            // run too.
            let by_name = call
                .args
                .iter()
                .map(|a| &*a.expr)
                .filter(|e| matches!(unwrap_expr(e), Expr::Ident(_) | Expr::Member(_)));
            // `notify(new MailAgent(…))`: the class's module is registered, so rules can ask
            // the project about the methods of what the call is handed.
            for a in &call.args {
                if matches!(unwrap_expr(&a.expr), Expr::New(_)) {
                    let _ = b.ext_ref(&a.expr);
                }
            }
            for (n, t) in std::iter::once(&**callee).chain(by_name).enumerate() {
                let local = if n == 0 {
                    self.callee_fn_at(i)
                } else {
                    self.fn_of_expr(t, site.func)
                };
                if let Some(g) = local.or_else(|| self.own_export_fn(b, t)) {
                    if let Some(f) = site.func {
                        reaches[f.0 as usize].push(g.0);
                    }
                    continue;
                }
                let is_callee = n == 0;
                let r = if is_callee {
                    b.ext_ref_in(t, site.func)
                } else {
                    b.ext_ref(t)
                };
                let Some(r) = r else { continue };
                let arg_kinds = if is_callee {
                    self.arg_kinds(call)
                } else {
                    Vec::new()
                };
                let arg_origins = if is_callee {
                    self.arg_origins(b, call, site.func)
                } else {
                    Vec::new()
                };
                let arg_params = if is_callee {
                    self.arg_params(call, site.func)
                } else {
                    Vec::new()
                };
                let arg_instances = if is_callee {
                    self.arg_instances(b, &call.args, site.func)
                } else {
                    Box::default()
                };
                b.summary.ext_calls.push(ExtCall {
                    callee: r,
                    func: site.func.map(|f| f.0),
                    range: self.range(call.span),
                    arg_kinds,
                    arg_origins,
                    arg_params,
                    arg_instances,
                    is_call: is_callee,
                    dropped: is_callee && dropped.contains(&call.span.lo.0),
                });
                let idx = (b.summary.ext_calls.len() - 1) as u32;
                if let Some(f) = site.func {
                    calls_of[f.0 as usize].push(idx);
                }
            }
        }
        // A test suite's instances are its own doubles, not how the application is wired.
        let news = if self.is_test_suite() {
            &[][..]
        } else {
            &self.news[..]
        };
        for (n, func) in news {
            let Some(args) = &n.args else { continue };
            let found = self.arg_instances(b, args, *func);
            if found.is_empty() {
                continue;
            }
            let Some(class) = b.ext_ref(&n.callee).filter(|r| r.new_at.is_none()) else {
                continue;
            };
            let mut whole: Vec<Option<ExtRef>> = vec![None; args.len()];
            let mut props = Vec::new();
            for (i, prop, r) in found {
                match prop {
                    Some(p) => props.push((i, p, r)),
                    None => whole[i as usize] = Some(r),
                }
            }
            b.summary.news.push(NewSite {
                class,
                args: whole.into_boxed_slice(),
                props: props.into_boxed_slice(),
            });
        }
        for ((f, mut reach), calls) in b.summary.functions.iter_mut().zip(reaches).zip(calls_of) {
            reach.sort_unstable();
            reach.dedup();
            f.reaches = reach.into_boxed_slice();
            f.ext_calls = calls.into_boxed_slice();
        }
    }

    /// The values a GraphQL server's context holds, from the `context` option this file hands
    /// one: Apollo's `new ApolloServer({ context })`, `expressMiddleware(server, { context })`
    /// and `startStandaloneServer(server, { context })`, graphql-http's and Yoga's handlers,
    /// express-graphql, Mercurius' `app.register(mercurius, { context })`. The option is an
    /// object or a function returning one.
    fn summarize_gql_contexts<R: FnMut(&str) -> Option<PathBuf>>(
        &self,
        b: &mut Builder<'_, 'a, R>,
    ) {
        let sites = self
            .calls
            .iter()
            .map(|c| (&c.node.callee, &c.node.args[..], c.func))
            .filter_map(|(callee, args, func)| match callee {
                Callee::Expr(callee) => Some((&**callee, args, func)),
                _ => None,
            })
            .chain(
                self.news
                    .iter()
                    .filter_map(|(n, func)| Some((&*n.callee, n.args.as_deref()?, *func))),
            );
        for site in &self.calls {
            // Fastify's `fastify.decorate('pdf', renderer)`: handlers read it as `this.pdf` or
            // `fastify.pdf`, like a context value.
            let Some((_, "decorate")) = crate::names::method_call(site.node) else {
                continue;
            };
            let [name, value] = &site.node.args[..] else {
                continue;
            };
            let Some(key) = static_string(&name.expr) else {
                continue;
            };
            if let Some(r) = b.ext_ref_in(&value.expr, site.func) {
                b.summary.gql_contexts.push((Atom::from(key), r));
            }
        }
        // Koa's `app.context.blobs = new BlobStore(dir)`: every request's `ctx.blobs`.
        for st in &self.stmts {
            let Expr::Assign(a) = unwrap_expr(&st.node.expr) else {
                continue;
            };
            let AssignTarget::Simple(SimpleAssignTarget::Member(m)) = &a.left else {
                continue;
            };
            let Expr::Member(ctx) = unwrap_expr(&m.obj) else {
                continue;
            };
            if member_name(&ctx.prop) != Some("context") {
                continue;
            }
            let Some(key) = member_name(&m.prop) else {
                continue;
            };
            if let Some(r) = b.ext_ref_in(&a.right, st.func) {
                b.summary.gql_contexts.push((Atom::from(key), r));
            }
        }
        for (callee, args, func) in sites {
            // Spelling first: most calls hand no `context` option.
            let context = args.iter().find_map(|a| match unwrap_expr(&a.expr) {
                Expr::Object(o) => o.props.iter().find_map(|p| match p {
                    PropOrSpread::Prop(p) => match &**p {
                        Prop::KeyValue(kv) if prop_name(&kv.key) == Some("context") => {
                            Some(&*kv.value)
                        }
                        _ => None,
                    },
                    PropOrSpread::Spread(_) => None,
                }),
                _ => None,
            });
            let Some(context) = context else { continue };
            if !self.is_graphql_server(callee, args) {
                continue;
            }
            let context_fn = self.fn_of_expr(context, func);
            let scope = context_fn.or(func);
            let returned = match unwrap_expr(context) {
                e @ Expr::Object(_) => Some(e),
                _ => context_fn.and_then(|f| self.returned_expr(f)),
            };
            let object = match returned.map(unwrap_expr) {
                Some(Expr::Object(o)) => o,
                // `context: async ({ req }) => buildContext(req)` with `buildContext` another
                // module's: the whole context is what that function returns.
                Some(e @ Expr::Call(_)) => {
                    if let Some(r) = b.ext_ref_in(e, scope).filter(|r| r.new_at.is_some()) {
                        b.summary.gql_contexts.push((Atom::from(SPREAD), r));
                    }
                    continue;
                }
                // `context: buildContext`, the other module's function itself.
                None if context_fn.is_none() => {
                    if let Some(mut r) = b.ext_ref_in(context, scope).filter(|r| r.new_at.is_none())
                    {
                        r.new_at = Some(r.path.len() as u32);
                        b.summary.gql_contexts.push((Atom::from(SPREAD), r));
                    }
                    continue;
                }
                _ => continue,
            };
            for p in &object.props {
                let PropOrSpread::Prop(p) = p else { continue };
                let (key, value) = match &**p {
                    Prop::KeyValue(kv) => match prop_atom(&kv.key) {
                        Some(k) => (k, b.ext_ref_in(&kv.value, scope)),
                        None => continue,
                    },
                    Prop::Shorthand(id) => (
                        id.sym.clone(),
                        b.ext_ref_in(&Expr::Ident(id.clone()), scope),
                    ),
                    _ => continue,
                };
                if let Some(r) = value {
                    b.summary.gql_contexts.push((key, r));
                }
            }
        }
    }

    /// Whether a call or `new` is one of a GraphQL server package (see
    /// [`Model::summarize_gql_contexts`]).
    fn is_graphql_server(&self, callee: &Expr, args: &[ExprOrSpread]) -> bool {
        let module_of = |e: &Expr| {
            self.qual(e)
                .map(|q| q.split('.').next().unwrap_or("").to_string())
        };
        if callee_name(callee) == Some("register") {
            return args
                .first()
                .and_then(|a| module_of(&a.expr))
                .is_some_and(|m| m == "mercurius");
        }
        module_of(callee).is_some_and(|m| {
            [
                "@apollo/server",
                "apollo-server",
                "@as-integrations/",
                "graphql-http",
                "graphql-yoga",
                "express-graphql",
            ]
            .iter()
            .any(|p| m.starts_with(p))
        })
    }

    /// What a function returns: its expression body, or the argument of its last top-level
    /// `return`; awaited or not.
    fn returned_expr(&self, f: FnId) -> Option<&'a Expr> {
        let node = self.function(f).node;
        let e = match node.expr_body() {
            Some(e) => e,
            None => node.body_stmts()?.iter().rev().find_map(|s| match s {
                Stmt::Return(r) => r.arg.as_deref(),
                _ => None,
            })?,
        };
        Some(match unwrap_expr(e) {
            Expr::Await(a) => &a.arg,
            other => other,
        })
    }

    /// Instances of other modules' classes among call arguments: whole (`new Mailer(url)`) or
    /// as properties of an object literal (`{ mailer: new Mailer(url) }`).
    fn arg_instances<R: FnMut(&str) -> Option<PathBuf>>(
        &self,
        b: &mut Builder<'_, 'a, R>,
        args: &[ExprOrSpread],
        func: Option<FnId>,
    ) -> Box<[(u32, Option<Atom>, ExtRef)]> {
        let instance = |b: &mut Builder<'_, 'a, R>, e: &Expr| {
            b.ext_ref_in(e, func).filter(|r| r.new_at.is_some())
        };
        let mut out = Vec::new();
        for (i, a) in args.iter().enumerate() {
            if a.spread.is_some() {
                break;
            }
            let Expr::Object(o) = unwrap_expr(&a.expr) else {
                if let Some(r) = instance(b, &a.expr) {
                    out.push((i as u32, None, r));
                }
                continue;
            };
            for p in &o.props {
                let PropOrSpread::Prop(p) = p else { continue };
                let (key, value) = match &**p {
                    Prop::KeyValue(kv) => match prop_atom(&kv.key) {
                        Some(k) => (k, instance(b, &kv.value)),
                        None => continue,
                    },
                    Prop::Shorthand(id) => (id.sym.clone(), instance(b, &Expr::Ident(id.clone()))),
                    _ => continue,
                };
                if let Some(r) = value {
                    out.push((i as u32, Some(key), r));
                }
            }
        }
        out.into_boxed_slice()
    }

    /// `exports.renderItems` read inside its own module: the exported function.
    fn own_export_fn<R>(&self, b: &Builder<'_, 'a, R>, e: &Expr) -> Option<FnId> {
        let Expr::Member(m) = unwrap_expr(e) else {
            return None;
        };
        if !self.is_exports_object(&m.obj) {
            return None;
        }
        let name = member_name(&m.prop)?;
        let Value::Object(props) = &b.summary.exports else {
            return None;
        };
        match props.iter().rev().find(|(k, _)| k == name)? {
            (_, Value::Fn(f)) => Some(FnId(*f)),
            _ => None,
        }
    }

    /// Framework objects passed as arguments: an app or router, or a connection's socket.
    fn arg_kinds(&self, call: &CallExpr) -> Vec<(u32, Option<Atom>, ArgKind)> {
        let kind = |e: &Expr| {
            if let Some((fw, _)) = self.router_kind(e, 0) {
                Some(ArgKind::Router(fw))
            } else if let Some(fw) = self.socket_kind(e) {
                Some(ArgKind::Socket(fw))
            } else {
                self.socket_server(e).map(ArgKind::SocketServer)
            }
        };
        let mut out = Vec::new();
        for (i, a) in call.args.iter().enumerate() {
            if a.spread.is_some() {
                break;
            }
            // `registerBoardHandlers({ io, exporter })`: per property.
            if let Expr::Object(o) = unwrap_expr(&a.expr) {
                for p in &o.props {
                    let PropOrSpread::Prop(p) = p else { continue };
                    let found = match &**p {
                        Prop::KeyValue(kv) => prop_atom(&kv.key).zip(kind(&kv.value)),
                        Prop::Shorthand(id) => {
                            Some(id.sym.clone()).zip(kind(&Expr::Ident(id.clone())))
                        }
                        _ => None,
                    };
                    if let Some((key, k)) = found {
                        out.push((i as u32, Some(key), k));
                    }
                }
                continue;
            }
            if let Some(k) = kind(&a.expr) {
                out.push((i as u32, None, k));
            }
        }
        out
    }

    /// Arguments that are a parameter of the calling function, passed on as they are or as
    /// a property path into it (`body.lines`).
    fn arg_params(&self, call: &CallExpr, scope: Option<FnId>) -> Vec<(u32, u32, u32, Vec<Atom>)> {
        let mut out = Vec::new();
        for (i, a) in call.args.iter().enumerate() {
            if a.spread.is_some() {
                break;
            }
            let mut path = Vec::new();
            let id = match self.param_behind(&a.expr, 0) {
                Some(id) => id,
                None if matches!(unwrap_expr(&a.expr), Expr::Ident(_)) => continue,
                None => {
                    let mut e = unwrap_expr(&a.expr);
                    while let Expr::Member(m) = e {
                        let Some(name) = crate::names::member_name(&m.prop) else {
                            break;
                        };
                        path.push(Atom::from(name));
                        e = unwrap_expr(&m.obj);
                    }
                    path.reverse();
                    match e {
                        Expr::Ident(id) if !path.is_empty() => id,
                        _ => continue,
                    }
                }
            };
            // Destructured names add their pattern's path (`({ messageIds }) => mark(messageIds)`);
            // a list the caller caps first (`if (ids.length > 50) throw …`) is bounded.
            if let Some((func, index, mut full)) = self
                .param_path(id)
                .filter(|_| !self.length_guarded(&a.expr, scope, call.span.lo.0))
            {
                full.extend(path);
                out.push((i as u32, func.0, index as u32, full));
            }
        }
        out
    }

    /// The name an argument passes on whole: itself, or the name a `const` derives from it by
    /// transforms that keep every element (`ids.filter(Boolean)`, `[...ids]`).
    fn param_behind<'e>(&'e self, e: &'e Expr, depth: u32) -> Option<&'e Ident> {
        if depth > 4 {
            return None;
        }
        match unwrap_expr(e) {
            Expr::Ident(id) => match self.binding(id).map(|b| &b.kind) {
                Some(BindingKind::Param { .. }) => Some(id),
                // `const { recipients } = opts` with `opts` a parameter.
                Some(BindingKind::Var { path, .. }) if !path.is_empty() => {
                    self.param_path(id).map(|_| id)
                }
                Some(BindingKind::Var { .. }) => self.param_behind(self.const_init(id)?, depth + 1),
                _ => None,
            },
            Expr::Call(c) => {
                let (m, name) = crate::names::method_call(c)?;
                matches!(
                    name,
                    "filter"
                        | "map"
                        | "flat"
                        | "flatMap"
                        | "sort"
                        | "reverse"
                        | "concat"
                        | "toSorted"
                )
                .then_some(())?;
                self.param_behind(&m.obj, depth + 1)
            }
            Expr::Array(a) => match a.elems.as_slice() {
                [Some(only)] if only.spread.is_some() => self.param_behind(&only.expr, depth + 1),
                _ => None,
            },
            _ => None,
        }
    }

    /// Arguments whose length someone outside the code decides. None in a test suite: the rows
    /// it loads are the fixtures it created, and a helper it calls must not be judged by them.
    fn arg_origins<R: FnMut(&str) -> Option<PathBuf>>(
        &self,
        b: &mut Builder<'_, 'a, R>,
        call: &CallExpr,
        scope: Option<FnId>,
    ) -> Vec<ArgOrigin> {
        let mut out = Vec::new();
        for (i, a) in call.args.iter().enumerate() {
            if a.spread.is_some() {
                break;
            }
            // `{ userIds: req.body.userIds }`: evidence per property, for callees that
            // destructure it.
            if let Expr::Object(o) = unwrap_expr(&a.expr) {
                if self.is_test_suite() {
                    continue;
                }
                for prop in &o.props {
                    let PropOrSpread::Prop(prop) = prop else {
                        continue;
                    };
                    let shorthand;
                    let (key, value): (Atom, &Expr) = match &**prop {
                        Prop::KeyValue(kv) => match crate::names::prop_name(&kv.key) {
                            Some(k) => (Atom::from(k), &kv.value),
                            None => continue,
                        },
                        Prop::Shorthand(id) => {
                            shorthand = Expr::Ident(id.clone());
                            (id.sym.clone(), &shorthand)
                        }
                        _ => continue,
                    };
                    if !matches!(
                        unwrap_expr(value),
                        Expr::Ident(_) | Expr::Member(_) | Expr::Call(_) | Expr::Await(_)
                    ) {
                        continue;
                    }
                    // A caller that rejects a too long list before the call bounds it.
                    let found = self
                        .origin(value, scope)
                        .filter(|_| !self.length_guarded(value, scope, call.span.lo.0));
                    if let Some(mut ao) = found.and_then(|o| self.arg_origin(b, i as u32, &o)) {
                        ao.prop = Some(key);
                        out.push(ao);
                    }
                }
                continue;
            }
            // Literals and functions carry no collection worth asking about.
            if !matches!(
                unwrap_expr(&a.expr),
                Expr::Ident(_) | Expr::Member(_) | Expr::Call(_) | Expr::Await(_)
            ) {
                continue;
            }
            if self.is_test_suite() {
                continue;
            }
            let found = self
                .origin(&a.expr, scope)
                .filter(|_| !self.length_guarded(&a.expr, scope, call.span.lo.0));
            if let Some(o) = found {
                out.extend(self.arg_origin(b, i as u32, &o));
            }
        }
        out
    }

    fn summarize_handlers<R: FnMut(&str) -> Option<PathBuf>>(&self, b: &mut Builder<'_, 'a, R>) {
        // Registrations first: their search finds the handler table's entries on the way.
        let pending = self.pending_registrations();
        b.summary.handlers = self
            .handlers()
            .iter()
            .map(|h| {
                (
                    h.func.0,
                    HandlerLabel {
                        framework: h.framework,
                        method: h.method.clone(),
                        path: h.path.clone(),
                    },
                    self.range(h.registration),
                )
            })
            .collect();
        for p in pending {
            // What the registration names as it is written, before the target is taken apart.
            let written = match &p.target {
                crate::handlers::PendingTarget::Ext(e) => Some(swc_common::Spanned::span(*e)),
                crate::handlers::PendingTarget::ExtName(id) => Some(id.span),
                _ => None,
            };
            let target = match p.target {
                crate::handlers::PendingTarget::Local(f) => Some(Target::Local(f.0)),
                crate::handlers::PendingTarget::Ext(e) => b.ext_ref(e).map(Target::Ext),
                crate::handlers::PendingTarget::ExtName(id) => {
                    b.ext_ref(&Expr::Ident(id.clone())).map(Target::Ext)
                }
                crate::handlers::PendingTarget::Factory(e) => b.ext_ref(e).map(Target::ExtFactory),
                crate::handlers::PendingTarget::Resolvers(spec, path) => {
                    b.import(&spec).map(|import| {
                        Target::ExtResolvers(ExtRef {
                            import,
                            path,
                            new_at: None,
                        })
                    })
                }
            };
            let Some(target) = target else { continue };
            let wrapped = match &target {
                Target::Local(f) => !matches!(
                    self.handover(p.registration, FnId(*f)),
                    Some(Handover::Direct)
                ),
                Target::Ext(_) => {
                    let Some(at) = written else { continue };
                    !matches!(
                        self.handover_by(p.registration, &|x: &Expr, _| {
                            swc_common::Spanned::span(unwrap_expr(x)) == at
                        }),
                        Some(Handover::Direct)
                    )
                }
                _ => false,
            };
            b.summary.registrations.push(Registration {
                target,
                label: HandlerLabel {
                    framework: p.framework,
                    method: p.method.clone(),
                    path: p.path.clone(),
                },
                range: self.range(p.registration),
                inferred: p.inferred,
                on_param: p.on_param.clone().map(|(f, i, prop)| (f.0, i as u32, prop)),
                wrapped,
            });
        }
    }

    /// How the registering call whose callee has span `registration` hands over function `f`
    /// of this file; `None` when no argument names it.
    pub fn handover(&self, registration: swc_common::Span, f: FnId) -> Option<Handover> {
        self.handover_by(registration, &|e, scope| {
            self.fn_of_expr(e, scope) == Some(f)
                || matches!(unwrap_expr(e), Expr::Call(c) if self
                    .callee_fn(c, scope)
                    .and_then(|g| self.returned_fn(g))
                    == Some(f.0))
        })
    }

    /// Like [`Model::handover`], for the argument `is_target` picks.
    fn handover_by(
        &self,
        registration: swc_common::Span,
        is_target: &dyn Fn(&Expr, Option<FnId>) -> bool,
    ) -> Option<Handover> {
        // Indexed once per file: a routes file asks this for each of its hundreds of routes.
        let by_callee = self.memo(|| {
            let mut index = rustc_hash::FxHashMap::default();
            for (i, s) in self.calls.iter().enumerate() {
                if let Callee::Expr(c) = &s.node.callee {
                    let span = swc_common::Spanned::span(unwrap_expr(c));
                    index.entry((span.lo.0, span.hi.0)).or_insert(i);
                }
            }
            CallsByCallee(index)
        });
        let site = &self.calls[*by_callee.0.get(&(registration.lo.0, registration.hi.0))?];
        let scope = site.func;
        let mut args: Vec<&Expr> = Vec::new();
        for a in &site.node.args {
            match unwrap_expr(&a.expr) {
                Expr::Array(arr) => args.extend(arr.elems.iter().flatten().map(|e| &*e.expr)),
                other => args.push(other),
            }
        }
        for arg in args {
            if is_target(arg, scope) {
                return Some(Handover::Direct);
            }
            let Expr::Call(c) = unwrap_expr(arg) else {
                continue;
            };
            let Callee::Expr(callee) = &c.callee else {
                continue;
            };
            // `ctrl.list.bind(ctrl)` is the method itself.
            if let Expr::Member(m) = unwrap_expr(callee) {
                if member_name(&m.prop) == Some("bind") && is_target(&m.obj, scope) {
                    return Some(Handover::Direct);
                }
            }
            if c.args.iter().any(|a| is_target(&a.expr, scope)) {
                return Some(Handover::Wrapped(self.fn_of_expr(callee, scope)));
            }
        }
        None
    }

    /// Package names of the bare specifiers the file imports or requires.
    pub fn loaded_packages(&self) -> Vec<Atom> {
        let mut specs: Vec<&str> = self
            .calls
            .iter()
            .filter_map(|s| self.require_source(s.node))
            .collect();
        if let Program::Module(m) = self.program {
            for item in &m.body {
                if let ModuleItem::ModuleDecl(ModuleDecl::Import(i)) = item {
                    if let Some(src) = i.src.value.as_str() {
                        specs.push(src);
                    }
                }
            }
        }
        // Distinct names first: a file requires the same packages again and again, and each
        // atom made costs a lookup in the interner.
        let mut names: Vec<&str> = specs.into_iter().filter_map(package_name).collect();
        names.sort_unstable();
        names.dedup();
        let mut out: Vec<Atom> = names.into_iter().map(Atom::from).collect();
        out.sort_unstable();
        out
    }
}

/// How a registration hands over a handler function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handover {
    /// The function itself (or what a factory of this file returns).
    Direct,
    /// As the argument of a wrapper call; the wrapper when it is a function of this file.
    Wrapped(Option<FnId>),
}

/// The package a bare specifier names (`@scope/pkg/sub` → `@scope/pkg`), or `None` for paths,
/// built-ins written `node:…` and aliases.
fn package_name(spec: &str) -> Option<&str> {
    if spec.is_empty()
        || spec.starts_with(['.', '/', '#', '~'].as_slice())
        || spec.starts_with("node:")
        || spec.starts_with("@/")
    {
        return None;
    }
    let mut parts = spec.splitn(3, '/');
    let first = parts.next()?;
    if first.starts_with('@') {
        let second = parts.next()?;
        return Some(&spec[..first.len() + 1 + second.len()]);
    }
    Some(first)
}

impl<R> Builder<'_, '_, R> {
    /// Functions other files can call: exported ones, members of exported classes and objects,
    /// and what exported factories return.
    fn exported_fns(&self) -> Vec<u32> {
        let mut out = self.fns_in(&self.summary.exports);
        // Registered handlers and the functions they reach are asked about too (factories).
        out.extend(
            self.summary
                .registrations
                .iter()
                .filter_map(|r| match r.target {
                    Target::Local(f) => Some(f),
                    _ => None,
                }),
        );
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The functions a value holds: itself, its properties', its class's members.
    fn fns_in(&self, value: &Value) -> Vec<u32> {
        let mut out = Vec::new();
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                Value::Fn(f) => out.push(*f),
                Value::Class(c) | Value::Instance(c) => {
                    if let Some(cls) = self.summary.classes.get(*c as usize) {
                        out.extend(cls.statics.iter().chain(&cls.methods).map(|(_, f)| *f));
                    }
                }
                Value::Object(props) => stack.extend(props.iter().map(|(_, v)| v)),
                Value::Ext(_)
                | Value::Unknown
                | Value::Wrapped(_)
                | Value::Promisified(_)
                | Value::ZodSchema { .. } => {}
            }
        }
        out
    }
}

/// What a constructor's own statements assign to `this.<name>` (`this.mailer = …`).
pub(crate) fn ctor_field_values<'c, 'n>(
    c: &'c swc_ecma_ast::Constructor,
    name: &'n str,
) -> impl Iterator<Item = &'c Expr> + use<'c, 'n> {
    c.body.iter().flat_map(|b| &b.stmts).filter_map(move |s| {
        let Stmt::Expr(e) = s else { return None };
        let Expr::Assign(a) = unwrap_expr(&e.expr) else {
            return None;
        };
        let m = a.left.as_simple()?.as_member()?;
        let this_field = matches!(unwrap_expr(&m.obj), Expr::This(_))
            && match &m.prop {
                MemberProp::Ident(p) => p.sym == name,
                MemberProp::PrivateName(p) => name.strip_prefix('#') == Some(p.name.as_str()),
                MemberProp::Computed(_) => false,
            };
        (this_field && a.op == AssignOp::Assign).then_some(&*a.right)
    })
}

/// How many parameters a function declares before the first default or rest one (its
/// `length`); read in place, as `FnNode::params` would collect them for every function.
fn arity(node: FnNode<'_>) -> u32 {
    let plain = |p: &Pat| !matches!(p, Pat::Assign(_) | Pat::Rest(_));
    let n = match node {
        FnNode::Function(f) => f.params.iter().take_while(|p| plain(&p.pat)).count(),
        FnNode::Arrow(a) => a.params.iter().take_while(|p| plain(p)).count(),
        FnNode::Constructor(c) => c
            .params
            .iter()
            .filter_map(|p| match p {
                ParamOrTsParamProp::Param(p) => Some(&p.pat),
                ParamOrTsParamProp::TsParamProp(_) => None,
            })
            .take_while(|p| plain(p))
            .count(),
    };
    n as u32
}

fn module_export_name(n: &ModuleExportName) -> Atom {
    match n {
        ModuleExportName::Ident(id) => id.sym.clone(),
        ModuleExportName::Str(s) => s.value.as_atom().cloned().unwrap_or_default(),
    }
}
