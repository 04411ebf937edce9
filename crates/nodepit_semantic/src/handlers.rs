//! The request-handler table: which functions of a file serve HTTP requests, where they were
//! registered, and which same-file functions they reach.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;
use swc_atoms::Atom;
use swc_common::{Span, Spanned};
use swc_ecma_ast::*;

use crate::model::*;
use crate::names::{callee_name, is_relative, member_name, prop_name, static_string, unwrap_expr};

/// The server framework a handler was registered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    /// `http`/`https`/`http2` `createServer` or a `'request'` listener.
    Http,
    /// An Express (or Express-compatible) app or router.
    Express,
    /// Koa middleware.
    Koa,
    /// A koa-router / @koa/router route.
    KoaRouter,
    /// A Fastify route or per-request hook.
    Fastify,
    /// A hapi route or request extension.
    Hapi,
    /// A NestJS controller method (`@Get()`, `@Post()`, …).
    Nest,
    /// A Next.js Server Action: an exported function of a `'use server'` module, or a function
    /// whose body starts with `'use server'`. The client calls it with a POST request.
    NextAction,
    /// A tRPC procedure's resolver (`router({ list: procedure.query(fn) })`) or the
    /// `createContext` a tRPC adapter calls for each request.
    Trpc,
    /// A method a framework calls on requests because of the class it is on: a NestJS guard,
    /// interceptor, pipe, exception filter or middleware, a routing-controllers middleware or
    /// interceptor, an express-session store. The path is the whole label.
    ClassHook,
    /// A route registered on an object from another file, recognised by its shape
    /// (`x.get('/path', (req, res) => …)`).
    Inferred,
    /// A socket.io event handler (or the `connection` listener itself).
    SocketIo,
    /// A `ws` WebSocket event handler (or the `connection` listener itself).
    Ws,
    /// A passport strategy's verify callback, which runs on every login.
    Passport,
    /// A GraphQL resolver (Apollo Server, graphql-tools, graphql-http, Mercurius).
    GraphQl,
    /// A Next.js API route: the default export of a file under `pages/api/`, or a method
    /// export (`GET`, `POST`, …) of an App Router `route.js`. Its path is the route's.
    Next,
}

/// A function registered to serve requests.
#[derive(Debug, Clone)]
pub struct Handler {
    /// The handler function.
    pub func: FnId,
    /// How it was registered.
    pub framework: Framework,
    /// The HTTP method, upper-case, when the registration names one.
    pub method: Option<String>,
    /// The route path, when the registration names one.
    pub path: Option<String>,
    /// The registering call.
    pub registration: Span,
}

impl Handler {
    /// `GET /users`, `middleware for /api`, `middleware` or `request handler`.
    pub fn label(&self) -> String {
        if let Some(l) = event_label(self.framework, self.path.as_deref()) {
            return l;
        }
        match (&self.method, &self.path) {
            (Some(m), Some(p)) => format!("{m} {p}"),
            (Some(m), None) => format!("{m} route"),
            (None, Some(p)) => format!("middleware for {p}"),
            (None, None) => match self.framework {
                Framework::Express | Framework::Koa | Framework::KoaRouter => {
                    "middleware".to_string()
                }
                _ => "request handler".to_string(),
            },
        }
    }

    /// The handler as a noun phrase for messages: "the `GET /users` handler", "the `GET`
    /// handler", "the middleware for `/api`", "this middleware", "this request handler".
    pub fn describe(&self) -> String {
        if let Some(l) = event_label(self.framework, self.path.as_deref()) {
            return format!("the {l}");
        }
        match (&self.method, &self.path) {
            (Some(m), Some(p)) => format!("the `{m} {p}` handler"),
            (Some(m), None) => format!("the `{m}` handler"),
            (None, Some(p)) => format!("the middleware for `{p}`"),
            (None, None) => format!("this {}", self.label()),
        }
    }

    /// The note on the registering call: "`GET /users` is registered here", or with
    /// [`Handler::describe`]'s phrase when the route has no method and path to quote.
    pub fn registered_here(&self) -> String {
        if let Some(l) = event_label(self.framework, self.path.as_deref()) {
            return format!("the {l} is registered here");
        }
        match (&self.method, &self.path) {
            (Some(_), Some(_)) => format!("`{}` is registered here", self.label()),
            _ => format!("{} is registered here", self.describe()),
        }
    }
}

/// The label of a handler that is not an HTTP route: "socket.io `login` handler", "passport
/// `local` strategy".
fn event_label(framework: Framework, name: Option<&str>) -> Option<String> {
    let name = name.unwrap_or("?");
    Some(match framework {
        Framework::SocketIo if name == "connection" => "socket.io `connection` listener".into(),
        Framework::SocketIo if name == "use" => "socket.io middleware".into(),
        Framework::SocketIo if name == "onAny" => "socket.io `onAny` listener".into(),
        Framework::SocketIo => format!("socket.io `{name}` handler"),
        Framework::Ws if name == "connection" => "WebSocket `connection` listener".into(),
        Framework::Ws if name == "verifyClient" => "WebSocket `verifyClient` check".into(),
        Framework::Ws => format!("WebSocket `{name}` handler"),
        Framework::Passport if name == "deserializeUser" => {
            "passport `deserializeUser` callback".into()
        }
        Framework::Passport => format!("passport `{name}` strategy"),
        Framework::GraphQl => format!("GraphQL resolver `{name}`"),
        Framework::Next if name.starts_with("next-connect") => name.to_string(),
        Framework::Next => format!("Next.js API route `{name}`"),
        // A hook is registered by its name; a route has a path.
        Framework::Fastify if !name.starts_with('/') && name != "?" => {
            format!("Fastify `{name}` hook")
        }
        Framework::ClassHook => name.to_string(),
        Framework::NextAction => format!("Next.js server action `{name}`"),
        Framework::Trpc if name == "createContext" => "tRPC `createContext`".into(),
        Framework::Trpc => format!("tRPC procedure `{name}`"),
        _ => return None,
    })
}

/// What a registration hands over, when the file alone cannot settle it.
#[derive(Debug, Clone)]
pub(crate) enum PendingTarget<'a> {
    /// A function of this file.
    Local(FnId),
    /// A value of another module.
    Ext(&'a Expr),
    /// A value of another module named by a shorthand property (`{ router, createContext }`).
    ExtName(&'a Ident),
    /// A call of another module's factory; the function it returns is registered.
    Factory(&'a Expr),
    /// A GraphQL resolver map of another module: its specifier and the path into its exports.
    Resolvers(swc_atoms::Atom, Vec<swc_atoms::Atom>),
}

/// A registration whose handler lives in another module or whose receiver is not known here.
#[derive(Debug, Clone)]
pub(crate) struct Pending<'a> {
    pub(crate) target: PendingTarget<'a>,
    pub(crate) framework: Framework,
    pub(crate) method: Option<String>,
    pub(crate) path: Option<String>,
    pub(crate) registration: Span,
    /// On an object this file cannot see: a handler only if the route and function look like one.
    pub(crate) inferred: bool,
    /// On parameter `.1` of `.0` (its property `.2` when destructured): a handler if a caller
    /// passes an app, router or socket there.
    pub(crate) on_param: Option<(FnId, usize, Option<Atom>)>,
}

/// A registered function: known here, or to be settled by the project.
#[derive(Debug, Clone)]
enum Resolved<'a> {
    Local(FnId),
    Pending(PendingTarget<'a>),
}

/// The registrations one call makes.
#[derive(Default)]
struct Regs<'a> {
    list: Vec<(Resolved<'a>, Framework, Option<String>, Option<String>)>,
    inferred: bool,
    on_param: Option<(FnId, usize, Option<Atom>)>,
}

impl<'a> Regs<'a> {
    fn add(&mut self, t: Resolved<'a>, fw: Framework, method: Option<&str>, path: Option<&str>) {
        self.list
            .push((t, fw, method.map(str::to_string), path.map(str::to_string)));
    }
}

fn method_call_of(c: &CallExpr) -> Option<(&MemberExpr, &str)> {
    crate::names::method_call(c)
}

/// How a function is reached from a handler.
#[derive(Debug, Clone, Copy)]
pub struct Reach {
    /// Index of the handler in [`Model::handlers`].
    pub handler: usize,
    /// The same-file function, called from the handler, that the code sits in (`None` when it is
    /// inside the handler itself or its callbacks).
    pub helper: Option<FnId>,
}

#[derive(Debug, Default)]
pub(crate) struct HandlerTable {
    handlers: Vec<Handler>,
    reach: FxHashMap<FnId, Reach>,
}

const VERBS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "del", "options", "head", "all",
];

/// Fastify hooks that run on every request (`onClose`, `onReady` and the like do not).
const FASTIFY_REQUEST_HOOKS: &[&str] = &[
    "onRequest",
    "preParsing",
    "preValidation",
    "preHandler",
    "preSerialization",
    "onSend",
    "onResponse",
];

/// hapi extension points that run on every request (`onPreStart`, `onPostStop` do not).
const HAPI_REQUEST_EXTS: &[&str] = &[
    "onRequest",
    "onPreAuth",
    "onCredentials",
    "onPostAuth",
    "onPreHandler",
    "onPostHandler",
    "onPreResponse",
];

impl<'a> Model<'a> {
    /// The request handlers registered in this file, in source order.
    pub fn handlers(&self) -> &[Handler] {
        &self.handler_table().handlers
    }

    /// The handler (first in source order) whose execution reaches `f`: `f` is the handler, a
    /// callback inside it, or a same-file function it calls, directly or through others.
    pub fn handler_reaching(&self, f: FnId) -> Option<(&Handler, Reach)> {
        let table = self.handler_table();
        let r = table.reach.get(&f)?;
        Some((&table.handlers[r.handler], *r))
    }

    /// Registrations the file alone cannot settle (see [`Pending`]). Found by a second scan of
    /// the calls, once per file for its summary: keeping them in the lazily built table would
    /// tie the model's lifetime to its syntax tree invariantly.
    pub(crate) fn pending_registrations(&self) -> Vec<Pending<'a>> {
        let mut pending = Vec::new();
        let handlers = self.find_handlers(&mut pending);
        // The same search finds this file's own handlers: keep them for the rules' table.
        if self.handlers.get().is_none() {
            *self.found_handlers.borrow_mut() = Some(handlers);
        }
        pending
    }

    fn handler_table(&self) -> &HandlerTable {
        self.handlers.get_or_init(|| {
            let found = self.found_handlers.borrow_mut().take();
            let handlers = found.unwrap_or_else(|| self.find_handlers(&mut Vec::new()));
            let reach = self.reach_from(&handlers);
            HandlerTable { handlers, reach }
        })
    }

    fn find_handlers(&self, pending: &mut Vec<Pending<'a>>) -> Vec<Handler> {
        let mut out = Vec::new();
        for site in &self.calls {
            self.registration(site, &mut out, pending);
            self.trpc(site, &mut out, pending);
            if let Callee::Expr(callee) = &site.node.callee {
                self.graphql_options(callee, &site.node.args, site.func, &mut out, pending);
            }
        }
        for (n, scope) in &self.news {
            if let Some(args) = &n.args {
                self.graphql_options(&n.callee, args, *scope, &mut out, pending);
                self.passport_new(n, args, *scope, &mut out, pending);
                self.ws_verify_client(n, args, *scope, &mut out, pending);
            }
        }
        for class in &self.classes {
            self.nest_routes(class, &mut out);
            self.nest_hooks(class, &mut out);
        }
        self.route_tables(&mut out, pending);
        self.exported_resolver_maps(&mut out, pending);
        self.server_actions(&mut out);
        // A function registered twice keeps its first registration.
        let mut seen = rustc_hash::FxHashSet::default();
        out.retain(|h| seen.insert(h.func));
        out
    }

    fn registration(
        &self,
        site: &CallSite<'a>,
        out: &mut Vec<Handler>,
        pending: &mut Vec<Pending<'a>>,
    ) {
        let call = site.node;
        let Callee::Expr(callee) = &call.callee else {
            return;
        };
        let callee = unwrap_expr(callee);
        let scope = site.func;
        // Most calls register nothing: a cheap look at the callee's spelling skips them before
        // any name is resolved.
        let Some(name) = callee_name(callee) else {
            return;
        };
        let spelled_server = name.ends_with("Server");
        let registers = matches!(callee, Expr::Member(_))
            && (VERBS.contains(&name)
                || matches!(
                    name,
                    "use"
                        | "route"
                        | "on"
                        | "addListener"
                        | "once"
                        | "prependListener"
                        | "addHook"
                        | "ext"
                        | "param"
                        | "deserializeUser"
                        | "onAny"
                        | "strategy"
                ));
        if !spelled_server && !registers {
            return;
        }
        let mut regs = Regs::default();
        self.registrations(call, callee, scope, spelled_server, &mut regs);
        self.push_registrations(regs, callee.span(), out, pending);
    }

    /// Registrations this file settles become handlers; the rest wait for the project.
    fn push_registrations(
        &self,
        regs: Regs<'a>,
        registration: Span,
        out: &mut Vec<Handler>,
        pending: &mut Vec<Pending<'a>>,
    ) {
        for (target, framework, method, path) in regs.list {
            let method = method.map(|m| {
                if m == "del" {
                    "DELETE".into()
                } else {
                    m.to_ascii_uppercase()
                }
            });
            match target {
                Resolved::Local(func) if !regs.inferred && regs.on_param.is_none() => {
                    out.push(Handler {
                        func,
                        framework,
                        method,
                        path,
                        registration,
                    })
                }
                // On an object this file cannot see, or from another module: the project
                // settles it.
                target => pending.push(Pending {
                    target: match target {
                        Resolved::Local(f) => PendingTarget::Local(f),
                        Resolved::Pending(t) => t,
                    },
                    framework,
                    method,
                    path,
                    registration,
                    inferred: regs.inferred,
                    on_param: regs.on_param.clone(),
                }),
            }
        }
    }

    fn registrations(
        &self,
        call: &'a CallExpr,
        callee: &'a Expr,
        scope: Option<FnId>,
        spelled_server: bool,
        regs: &mut Regs<'a>,
    ) {
        if let Some(q) = spelled_server.then(|| self.qual(callee)).flatten() {
            if is_create_server(&q) {
                for a in &call.args {
                    if let Some(t) = self.target(&a.expr, scope) {
                        regs.add(t, Framework::Http, None, None);
                    }
                }
                return;
            }
        }
        let Expr::Member(m) = callee else { return };
        let Some(method) = member_name(&m.prop) else {
            return;
        };
        let arg0 = call.args.first().map(|a| &*a.expr);
        let path = arg0.and_then(static_string);
        let listens = matches!(method, "on" | "addListener" | "once" | "prependListener");
        if listens
            && path == Some("request")
            && self
                .qual(&m.obj)
                .is_some_and(|q| q.strip_suffix("()").is_some_and(is_server_ctor))
        {
            if let Some(t) = call.args.get(1).and_then(|a| self.target(&a.expr, scope)) {
                regs.add(t, Framework::Http, None, None);
            }
            return;
        }
        // socket.io middleware (`io.use(fn)` for each handshake, `socket.use(fn)` for each
        // packet) and the catch-all `socket.onAny(fn)`.
        if (method == "use" || method == "onAny") && call.args.len() == 1 {
            let fw = if method == "use" {
                self.socket_server(&m.obj)
                    .or_else(|| self.socket_kind(&m.obj))
            } else {
                self.socket_kind(&m.obj)
            };
            if fw == Some(Framework::SocketIo) {
                if let Some(t) = self.target(&call.args[0].expr, scope) {
                    regs.add(t, Framework::SocketIo, None, Some(method));
                }
                return;
            }
        }
        if listens {
            if let Some(event) = path {
                let socket = if event == "connection" || event == "connect" {
                    self.socket_server(&m.obj)
                } else {
                    self.socket_kind(&m.obj)
                };
                if let Some(fw) = socket {
                    for a in &call.args[1..] {
                        if let Some(t) = self.target(&a.expr, scope) {
                            regs.add(t, fw, None, Some(event));
                        }
                    }
                    return;
                }
            }
        }
        // hapi's `server.auth.strategy('simple', 'basic', { validate })`: the scheme calls
        // `validate` on every request the strategy guards.
        if method == "strategy"
            && matches!(unwrap_expr(&m.obj), Expr::Member(a) if member_name(&a.prop) == Some("auth"))
        {
            if let Some(Expr::Object(o)) = call.args.get(2).map(|a| unwrap_expr(&a.expr)) {
                for (key, value, _) in object_entries(o) {
                    if key != "validate" && key != "validateFunc" {
                        continue;
                    }
                    let t = self.prop_target(value, scope);
                    if let Some(t) = t {
                        regs.add(t, Framework::Hapi, None, None);
                    }
                }
            }
            return;
        }
        // `passport.deserializeUser(fn)`: runs on every request of a logged-in session.
        if method == "deserializeUser" {
            if self.qual(&m.obj).is_some_and(|q| q == "passport") {
                for t in self.targets(&call.args, scope) {
                    regs.add(t, Framework::Passport, None, Some("deserializeUser"));
                }
            }
            return;
        }
        if method == "use" {
            // A strategy of a `passport-*` package is evidence enough, whatever `use` is called
            // on: apps hand passport to a `config/passport.js` function as a parameter.
            let passport = self.qual(&m.obj).is_some_and(|q| q == "passport");
            if self.passport_strategy(call, scope, regs) || passport {
                return;
            }
        }
        match self.router_kind(&m.obj, 0) {
            Some((fw @ (Framework::Express | Framework::KoaRouter), route)) => {
                if VERBS.contains(&method) || method == "use" {
                    let verb = (method != "use" && method != "all").then_some(method);
                    let path = route.as_deref().or(path);
                    for t in self.targets(&call.args, scope) {
                        regs.add(t, fw, verb, path);
                    }
                } else if method == "param" && fw == Framework::Express && path.is_some() {
                    // `router.param('slug', loadDoc)`: runs before every route with `:slug`.
                    for t in self.targets(&call.args[1..], scope) {
                        regs.add(t, fw, None, route.as_deref());
                    }
                }
            }
            Some((Framework::Koa, _)) if method == "use" => {
                for t in self.targets(&call.args, scope) {
                    regs.add(t, Framework::Koa, None, None);
                }
            }
            // A next-connect router inside a Next.js API route: `createRouter().use(auth)
            // .get(list)`; it awaits its handlers, so it is no Express router.
            Some((Framework::Next, _)) if VERBS.contains(&method) || method == "use" => {
                let label = if method == "use" || method == "all" {
                    "next-connect middleware".to_string()
                } else {
                    format!("next-connect `{}` handler", method.to_ascii_uppercase())
                };
                for t in self.targets(&call.args, scope) {
                    regs.add(t, Framework::Next, None, Some(&label));
                }
            }
            Some((Framework::Fastify, _)) => {
                if VERBS.contains(&method) {
                    let verb = (method != "all").then_some(method);
                    for a in &call.args {
                        if let Expr::Object(o) = unwrap_expr(&a.expr) {
                            if let Some(t) = self.object_handler(o, scope) {
                                regs.add(t, Framework::Fastify, verb, path);
                            }
                        }
                    }
                    for t in self.targets(&call.args, scope) {
                        regs.add(t, Framework::Fastify, verb, path);
                    }
                } else if method == "route" {
                    self.route_objects(call, scope, Framework::Fastify, regs);
                } else if method == "addHook"
                    && path.is_some_and(|h| FASTIFY_REQUEST_HOOKS.contains(&h))
                {
                    for t in self.targets(&call.args[1..], scope) {
                        regs.add(t, Framework::Fastify, None, path);
                    }
                }
            }
            Some((Framework::Hapi, _)) => {
                if method == "route" {
                    self.route_objects(call, scope, Framework::Hapi, regs);
                } else if method == "ext" && path.is_some_and(|h| HAPI_REQUEST_EXTS.contains(&h)) {
                    for t in self.targets(&call.args[1..], scope) {
                        regs.add(t, Framework::Hapi, None, None);
                    }
                }
            }
            Some(_) => {}
            None => {
                let verb = (method != "use" && method != "all").then_some(method);
                if !self.receiver_is_opaque(&m.obj) {
                    return;
                }
                // A request extension or hook on the server a plugin is handed: hapi's
                // `server.ext('onPostHandler', …)`, Fastify's `fastify.addHook('preHandler', …)`.
                let hook = match (method, path) {
                    ("ext", Some(h)) if HAPI_REQUEST_EXTS.contains(&h) => {
                        Some((Framework::Hapi, None))
                    }
                    ("addHook", Some(h)) if FASTIFY_REQUEST_HOOKS.contains(&h) => {
                        Some((Framework::Fastify, path))
                    }
                    _ => None,
                };
                if let Some((framework, label)) = hook {
                    for t in self.targets(&call.args[1..], scope) {
                        regs.add(t, framework, None, label);
                    }
                    return;
                }
                // A hapi plugin's `register(server)` adds routes to a server it is handed, and
                // a Fastify plugin `fastify.route({ method, url, handler })` to the instance it
                // is handed.
                if method == "route" {
                    if let Some(arg) = call.args.first() {
                        let objects = self.route_objects_of(&arg.expr);
                        if self.is_route_table(&objects) {
                            let fastify = objects.iter().any(|o| object_prop(o, "url").is_some());
                            let framework = if fastify {
                                Framework::Fastify
                            } else {
                                Framework::Hapi
                            };
                            self.add_route_objects(objects, scope, framework, regs);
                        }
                    }
                    return;
                }
                if let Some(f) = self.inferred_route(call, method, path, scope) {
                    regs.add(Resolved::Local(f), Framework::Inferred, verb, path);
                    return;
                }
                // A caller in another file may pass an app, a router or a socket as the
                // receiver (`module.exports = (app) => app.get('/x', list)`), and a route on an
                // unknown object may register a handler of another module.
                regs.on_param = self.param_of(&m.obj);
                let route = (VERBS.contains(&method) && path.is_some_and(|p| p.starts_with('/')))
                    || method == "use";
                let (args, label_path) = if listens && regs.on_param.is_some() && path.is_some() {
                    (&call.args[1..], path)
                } else if route {
                    regs.inferred = true;
                    match path {
                        Some(_) => (&call.args[1..], path),
                        None => (&call.args[..], None),
                    }
                } else {
                    return;
                };
                let verb = if listens { None } else { verb };
                for t in self.targets(args, scope) {
                    regs.add(t, Framework::Inferred, verb, label_path);
                }
            }
        }
    }

    /// The resolver map handed to a GraphQL server or schema: `new ApolloServer({ typeDefs,
    /// resolvers })`, `makeExecutableSchema({ resolvers })`, graphql-http's
    /// `createHandler({ rootValue })`, Mercurius' `app.register(mercurius, { resolvers })`.
    fn graphql_options(
        &self,
        callee: &'a Expr,
        args: &'a [ExprOrSpread],
        scope: Option<FnId>,
        out: &mut Vec<Handler>,
        pending: &mut Vec<Pending<'a>>,
    ) {
        // Spelling first: most calls are nothing of the kind.
        let Some(name) = callee_name(callee) else {
            return;
        };
        let options = match name {
            "ApolloServer"
            | "makeExecutableSchema"
            | "createHandler"
            | "createYoga"
            | "buildSubgraphSchema" => args.first(),
            "register" => args.get(1),
            _ => return,
        };
        let Some(q) = self.qual(callee) else { return };
        let module = q.split('.').next().unwrap_or("");
        let known = match name {
            "register" => args
                .first()
                .and_then(|a| self.qual(&a.expr))
                .is_some_and(|m| m == "mercurius"),
            _ => {
                matches!(
                    module,
                    "@apollo/server"
                        | "apollo-server"
                        | "apollo-server-express"
                        | "apollo-server-koa"
                        | "apollo-server-fastify"
                        | "@graphql-tools/schema"
                        | "graphql-tools"
                        | "graphql-http"
                        | "graphql-yoga"
                        | "@apollo/subgraph"
                ) || module.starts_with("graphql-http/")
            }
        };
        if !known {
            return;
        }
        let Some(Expr::Object(o)) = options.map(|a| unwrap_expr(&a.expr)) else {
            return;
        };
        for p in &o.props {
            let PropOrSpread::Prop(p) = p else { continue };
            match &**p {
                Prop::KeyValue(kv)
                    if matches!(prop_name(&kv.key), Some("resolvers" | "rootValue")) =>
                {
                    self.resolver_map(&kv.value, "", scope, callee.span(), 0, out, pending);
                }
                // `{ typeDefs, resolvers }`
                Prop::Shorthand(id) if matches!(&*id.sym, "resolvers" | "rootValue") => {
                    match self.const_init(id) {
                        Some(init) => {
                            self.resolver_map(init, "", scope, callee.span(), 0, out, pending)
                        }
                        None => self.other_module_map(
                            &Expr::Ident(id.clone()),
                            "",
                            callee.span(),
                            pending,
                        ),
                    }
                }
                _ => {}
            }
        }
    }

    /// A module-level resolver map whose server this file does not show (loaded by a glob, or
    /// assembled elsewhere): an object with a `Query`, `Mutation` or `Subscription` object of
    /// functions, exported or assigned to `module.exports`.
    fn exported_resolver_maps(&self, out: &mut Vec<Handler>, pending: &mut Vec<Pending<'a>>) {
        let is_map = |e: &Expr| match unwrap_expr(e) {
            Expr::Object(o) => o.props.iter().any(|p| match p {
                PropOrSpread::Prop(p) => matches!(&**p, Prop::KeyValue(kv)
                    if matches!(prop_name(&kv.key), Some("Query" | "Mutation" | "Subscription"))
                        && matches!(unwrap_expr(&kv.value), Expr::Object(_))),
                PropOrSpread::Spread(_) => false,
            }),
            _ => false,
        };
        let items: Vec<&'a Expr> = match self.program {
            Program::Module(m) => m
                .body
                .iter()
                .filter_map(|item| match item {
                    ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(ExportDecl {
                        decl: Decl::Var(v),
                        ..
                    })) => v.decls.first().and_then(|d| d.init.as_deref()),
                    ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultExpr(d)) => Some(&*d.expr),
                    ModuleItem::Stmt(st) => module_exports_value(st),
                    _ => None,
                })
                .collect(),
            Program::Script(sc) => sc.body.iter().filter_map(module_exports_value).collect(),
        };
        for e in items {
            if is_map(e) {
                self.resolver_map(e, "", None, e.span(), 0, out, pending);
            }
        }
    }

    /// Every function of a resolver map, labelled with its path (`Query.users`): nested
    /// objects, arrays of maps, spreads, names bound to maps, and maps of other modules.
    #[allow(clippy::too_many_arguments)]
    fn resolver_map(
        &self,
        e: &'a Expr,
        prefix: &str,
        scope: Option<FnId>,
        registration: Span,
        depth: u32,
        out: &mut Vec<Handler>,
        pending: &mut Vec<Pending<'a>>,
    ) {
        if depth > 6 {
            return;
        }
        let label = |key: &str| {
            if prefix.is_empty() {
                key.to_string()
            } else {
                format!("{prefix}.{key}")
            }
        };
        let handler = |out: &mut Vec<Handler>, func: FnId, path: String| {
            out.push(Handler {
                func,
                framework: Framework::GraphQl,
                method: None,
                path: Some(path),
                registration,
            })
        };
        match unwrap_expr(e) {
            Expr::Object(o) => {
                for p in &o.props {
                    match p {
                        PropOrSpread::Spread(sp) => self.resolver_map(
                            &sp.expr,
                            prefix,
                            scope,
                            registration,
                            depth + 1,
                            out,
                            pending,
                        ),
                        PropOrSpread::Prop(p) => match &**p {
                            Prop::Method(m) => {
                                if let (Some(k), Some(f)) =
                                    (prop_name(&m.key), self.fn_at(m.function.span))
                                {
                                    handler(out, f, label(k));
                                }
                            }
                            Prop::KeyValue(kv) => {
                                let Some(k) = prop_name(&kv.key) else {
                                    continue;
                                };
                                match self.fn_of_expr(&kv.value, scope) {
                                    Some(f) => handler(out, f, label(k)),
                                    None => self.resolver_map(
                                        &kv.value,
                                        &label(k),
                                        scope,
                                        registration,
                                        depth + 1,
                                        out,
                                        pending,
                                    ),
                                }
                            }
                            Prop::Shorthand(id) => {
                                match self.fn_of_expr(&Expr::Ident(id.clone()), scope) {
                                    Some(f) => handler(out, f, label(&id.sym)),
                                    None => match self.const_init(id) {
                                        Some(init) => self.resolver_map(
                                            init,
                                            &label(&id.sym),
                                            scope,
                                            registration,
                                            depth + 1,
                                            out,
                                            pending,
                                        ),
                                        None => self.other_module_map(
                                            &Expr::Ident(id.clone()),
                                            &label(&id.sym),
                                            registration,
                                            pending,
                                        ),
                                    },
                                }
                            }
                            _ => {}
                        },
                    }
                }
            }
            Expr::Array(a) => {
                for el in a.elems.iter().flatten() {
                    self.resolver_map(
                        &el.expr,
                        prefix,
                        scope,
                        registration,
                        depth + 1,
                        out,
                        pending,
                    );
                }
            }
            Expr::Ident(id) => {
                if let Some(init) = self.const_init(id) {
                    self.resolver_map(init, prefix, scope, registration, depth + 1, out, pending);
                } else {
                    self.other_module_map(e, prefix, registration, pending);
                }
            }
            Expr::Call(c) if self.require_source(c).is_some() => {
                self.other_module_map(e, prefix, registration, pending)
            }
            // `merge(userResolvers, postResolvers)`, `mergeResolvers([…])`.
            Expr::Call(c) => {
                for a in &c.args {
                    self.resolver_map(
                        &a.expr,
                        prefix,
                        scope,
                        registration,
                        depth + 1,
                        out,
                        pending,
                    );
                }
            }
            Expr::Member(_) => self.other_module_map(e, prefix, registration, pending),
            _ => {}
        }
    }

    /// A resolver map of another module, settled once the project is linked.
    fn other_module_map(
        &self,
        e: &Expr,
        prefix: &str,
        registration: Span,
        pending: &mut Vec<Pending<'a>>,
    ) {
        let Some((spec, path, None)) = self.ext_path(e, 0) else {
            return;
        };
        pending.push(Pending {
            target: PendingTarget::Resolvers(spec, path),
            framework: Framework::GraphQl,
            method: None,
            path: (!prefix.is_empty()).then(|| prefix.to_string()),
            registration,
            inferred: false,
            on_param: None,
        });
    }

    /// `passport.use([name,] new Strategy([options,] verify))`: the verify callback runs on
    /// every login. Returns whether the call hands over a `passport-*` strategy.
    fn passport_strategy(
        &self,
        call: &'a CallExpr,
        scope: Option<FnId>,
        regs: &mut Regs<'a>,
    ) -> bool {
        let explicit = call.args.first().and_then(|a| static_string(&a.expr));
        let Some(Expr::New(n)) = call.args.last().map(|a| unwrap_expr(&a.expr)) else {
            return false;
        };
        let Some(q) = self.qual(&n.callee) else {
            return false;
        };
        let Some(module) = q.strip_prefix("passport-") else {
            return false;
        };
        let module = module.split('.').next().unwrap_or(module);
        let name = explicit.unwrap_or(module);
        let Some(args) = &n.args else { return true };
        if let Some(t) = args.last().and_then(|a| self.target(&a.expr, scope)) {
            regs.add(t, Framework::Passport, None, Some(name));
        }
        true
    }

    /// `new LocalStrategy(verify)` of a `passport-*` package, wherever it is made: a module
    /// that exports the strategy (`module.exports = new BasicStrategy(verify)`) hands it to
    /// `passport.use` in another file, and its verify callback runs on every login.
    fn passport_new(
        &self,
        n: &'a NewExpr,
        args: &'a [ExprOrSpread],
        scope: Option<FnId>,
        out: &mut Vec<Handler>,
        pending: &mut Vec<Pending<'a>>,
    ) {
        // Spelling first: most `new`s are of something else.
        if !callee_name(&n.callee).is_some_and(|c| c.ends_with("Strategy")) {
            return;
        }
        let Some(q) = self.qual(&n.callee) else {
            return;
        };
        let Some(module) = q.strip_prefix("passport-") else {
            return;
        };
        let module = module.split('.').next().unwrap_or(module);
        let mut regs = Regs::default();
        if let Some(t) = args.last().and_then(|a| self.target(&a.expr, scope)) {
            regs.add(t, Framework::Passport, None, Some(module));
        }
        self.push_registrations(regs, n.callee.span(), out, pending);
    }

    /// `new WebSocketServer({ verifyClient })`: `ws` calls it for every upgrade request.
    fn ws_verify_client(
        &self,
        n: &'a NewExpr,
        args: &'a [ExprOrSpread],
        scope: Option<FnId>,
        out: &mut Vec<Handler>,
        pending: &mut Vec<Pending<'a>>,
    ) {
        let Some(Expr::Object(o)) = args.first().map(|a| unwrap_expr(&a.expr)) else {
            return;
        };
        let Some((_, value, key_span)) = object_entries(o).find(|(k, _, _)| *k == "verifyClient")
        else {
            return;
        };
        if !matches!(
            self.qual(&n.callee).as_deref(),
            Some("ws.Server" | "ws.WebSocketServer" | "ws.default.Server")
        ) {
            return;
        }
        let t = self.prop_target(value, scope);
        if let Some(t) = t {
            let mut regs = Regs::default();
            regs.add(t, Framework::Ws, None, Some("verifyClient"));
            self.push_registrations(regs, key_span, out, pending);
        }
    }

    /// A socket.io or `ws` server, whose `connection` listener gets each client's socket.
    pub(crate) fn socket_server(&self, e: &Expr) -> Option<Framework> {
        let mut e = unwrap_expr(e);
        // `io.of('/chat')` and `io.sockets` are the same server's namespaces, also when kept in
        // a constant (`const chat = io.of('/chat')`).
        for _ in 0..8 {
            match e {
                Expr::Call(c) => match method_call_of(c) {
                    Some((m, "of")) => e = unwrap_expr(&m.obj),
                    _ => break,
                },
                Expr::Member(m) if member_name(&m.prop) == Some("sockets") => {
                    e = unwrap_expr(&m.obj)
                }
                Expr::Ident(id) => match self.const_init(id).map(unwrap_expr) {
                    Some(init @ Expr::Call(c)) if matches!(method_call_of(c), Some((_, "of"))) => {
                        e = init
                    }
                    Some(init @ Expr::Member(m)) if member_name(&m.prop) == Some("sockets") => {
                        e = init
                    }
                    _ => break,
                },
                _ => break,
            }
        }
        let q = self.qual(e)?;
        let ctor = q.strip_suffix("()")?;
        match ctor {
            "socket.io" | "socket.io.Server" | "socket.io.default" => Some(Framework::SocketIo),
            "ws.Server" | "ws.WebSocketServer" | "ws.default.Server" => Some(Framework::Ws),
            _ => None,
        }
    }

    /// The framework of a connection's socket: the first parameter of a server's `connection`
    /// listener.
    pub(crate) fn socket_kind(&self, e: &Expr) -> Option<Framework> {
        let Expr::Ident(id) = unwrap_expr(e) else {
            return None;
        };
        let Some(BindingKind::Param {
            func,
            index: 0,
            destructured: false,
        }) = self.binding(id).map(|b| &b.kind)
        else {
            return None;
        };
        let (ci, 1) = self.function(*func).passed_to? else {
            return None;
        };
        let call = self.calls[ci as usize].node;
        let (m, "on" | "once" | "addListener") = method_call_of(call)? else {
            return None;
        };
        let event = call.args.first().and_then(|a| static_string(&a.expr))?;
        if event != "connection" && event != "connect" {
            return None;
        }
        self.socket_server(&m.obj)
    }

    /// Functions that register routes or listeners on a parameter they receive
    /// (`module.exports = (app, { users }) => app.get(…)`, `registerBoardHandlers({ io })`):
    /// callers hand them the services their handlers use.
    pub(crate) fn registrars(&self) -> &rustc_hash::FxHashSet<u32> {
        self.registrars.get_or_init(|| {
            self.calls
                .iter()
                .filter_map(|site| {
                    let (m, method) = method_call_of(site.node)?;
                    let registers = VERBS.contains(&method)
                        || matches!(method, "use" | "on" | "route" | "register" | "addHook");
                    registers.then_some(())?;
                    self.param_of(&m.obj).map(|(f, ..)| f.0)
                })
                .collect()
        })
    }

    /// The function and position of a parameter an expression names directly.
    fn param_of(&self, e: &Expr) -> Option<(FnId, usize, Option<Atom>)> {
        let Expr::Ident(id) = unwrap_expr(e) else {
            return None;
        };
        match self.binding(id).map(|b| &b.kind) {
            Some(BindingKind::Param {
                func,
                index,
                destructured: false,
            }) => Some((*func, *index, None)),
            // `({ io, exporter }) => …`: a property of an object-literal argument.
            Some(BindingKind::Param {
                destructured: true, ..
            }) => match self.param_path(id)? {
                (func, index, path) if path.len() == 1 => {
                    Some((func, index, path.into_iter().next()))
                }
                _ => None,
            },
            // `const boards = io.of('/boards')`: a namespace of the server parameter.
            Some(BindingKind::Var { .. }) => match self.const_init(id).map(unwrap_expr)? {
                Expr::Call(c) => match method_call_of(c)? {
                    (m, "of") => self.param_of(&m.obj),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    }

    /// Methods of a `@Controller()` class decorated with an HTTP method from `@nestjs/common`.
    fn nest_routes(&self, class: &ClassInfo<'a>, out: &mut Vec<Handler>) {
        let nest = |d: &'a Decorator| -> Option<(String, Option<&'a str>)> {
            let Expr::Call(c) = unwrap_expr(&d.expr) else {
                return None;
            };
            // routing-controllers spells its decorators as NestJS does.
            let q = self.callee_qual(c)?;
            let name = q
                .strip_prefix("@nestjs/common.")
                .or_else(|| q.strip_prefix("routing-controllers."))?
                .to_string();
            Some((name, c.args.first().and_then(|a| static_string(&a.expr))))
        };
        let Some(prefix) = class
            .node
            .decorators
            .iter()
            .filter_map(nest)
            .find(|(n, _)| n == "Controller" || n == "JsonController")
        else {
            return;
        };
        for member in &class.node.body {
            let ClassMember::Method(m) = member else {
                continue;
            };
            let Some(f) = self.fn_at(m.function.span) else {
                continue;
            };
            for (verb, path) in m.function.decorators.iter().filter_map(nest) {
                let method = verb.to_ascii_lowercase();
                if !VERBS.contains(&method.as_str()) {
                    continue;
                }
                // `@Controller('users')` + `@Get(':id')` → `/users/:id`; no segments → `/`.
                let full: String = [prefix.1, path]
                    .into_iter()
                    .flatten()
                    .map(|seg| seg.trim_matches('/'))
                    .filter(|seg| !seg.is_empty())
                    .flat_map(|seg| ["/", seg])
                    .collect();
                out.push(Handler {
                    func: f,
                    framework: Framework::Nest,
                    method: (method != "all").then(|| method.to_ascii_uppercase()),
                    path: Some(if full.is_empty() { "/".into() } else { full }),
                    registration: m.key.span(),
                });
            }
        }
    }

    /// Next.js Server Actions: in a module that starts with `'use server'`, every exported
    /// function; elsewhere, a function whose own body starts with it.
    fn server_actions(&self, out: &mut Vec<Handler>) {
        fn starts_with_use_server<'s>(mut stmts: impl Iterator<Item = &'s Stmt>) -> bool {
            stmts.next().is_some_and(|s| {
                matches!(s, Stmt::Expr(e) if matches!(&*e.expr,
                    Expr::Lit(Lit::Str(v)) if v.value.as_str() == Some("use server")))
            })
        }
        let Some(module) = self.program().as_module() else {
            return;
        };
        let module_level =
            starts_with_use_server(module.body.iter().map_while(|item| item.as_stmt()));
        let mut add = |f: FnId, name: &str, span: Span| {
            out.push(Handler {
                func: f,
                framework: Framework::NextAction,
                method: None,
                path: Some(name.to_string()),
                registration: span,
            });
        };
        if module_level {
            for item in &module.body {
                let ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(d)) = item else {
                    continue;
                };
                match &d.decl {
                    Decl::Fn(f) => {
                        if let Some(id) = self.fn_at(f.function.span) {
                            add(id, &f.ident.sym, f.ident.span);
                        }
                    }
                    Decl::Var(v) => {
                        for decl in &v.decls {
                            let (Pat::Ident(b), Some(init)) = (&decl.name, &decl.init) else {
                                continue;
                            };
                            if let Some(id) = self.fn_of_expr(init, None) {
                                add(id, &b.id.sym, b.id.span);
                            }
                        }
                    }
                    _ => {}
                }
            }
            return;
        }
        for (i, info) in self.functions().iter().enumerate() {
            let Some(body) = info.node.body_stmts() else {
                continue;
            };
            if starts_with_use_server(body.iter()) {
                let name = info.name.as_deref().unwrap_or("?");
                add(FnId(i as u32), name, info.span);
            }
        }
    }

    /// tRPC: the resolvers of the procedures a router is built from (`router({ list:
    /// procedure.input(schema).query(fn) })`, `createTRPCRouter` in create-t3-app), and the
    /// `createContext` option of a tRPC adapter (`createExpressMiddleware({ router,
    /// createContext })`), which runs for every request.
    fn trpc(&self, site: &CallSite<'a>, out: &mut Vec<Handler>, pending: &mut Vec<Pending<'a>>) {
        let call = site.node;
        let Callee::Expr(callee) = &call.callee else {
            return;
        };
        let Some(name) = callee_name(callee) else {
            return;
        };
        let is_router = name == "router" || name.ends_with("Router");
        let is_adapter = matches!(
            name,
            "createExpressMiddleware"
                | "createHTTPServer"
                | "createHTTPHandler"
                | "fetchRequestHandler"
                | "createNextApiHandler"
                | "nodeHTTPRequestHandler"
        );
        if !is_router && !is_adapter {
            return;
        }
        let objects = call.args.iter().filter_map(|a| match unwrap_expr(&a.expr) {
            Expr::Object(o) if a.spread.is_none() => Some(o),
            _ => None,
        });
        if is_adapter {
            if !self
                .callee_qual(call)
                .is_some_and(|q| q.starts_with("@trpc/server"))
            {
                return;
            }
            for o in objects {
                for (key, value, key_span) in object_entries(o) {
                    if key != "createContext" {
                        continue;
                    }
                    let t = self.prop_target(value, site.func);
                    if let Some(t) = t {
                        let mut regs = Regs::default();
                        regs.add(t, Framework::Trpc, None, Some("createContext"));
                        self.push_registrations(regs, key_span, out, pending);
                    }
                }
            }
            return;
        }
        for o in objects {
            for (key, value, key_span) in object_entries(o) {
                let PropValue::Expr(value) = value else {
                    continue;
                };
                let Expr::Call(c) = unwrap_expr(value) else {
                    continue;
                };
                let Some((m, "query" | "mutation" | "subscription")) = method_call_of(c) else {
                    continue;
                };
                let ([only], true) = (c.args.as_slice(), is_procedure(&m.obj)) else {
                    continue;
                };
                if only.spread.is_some() {
                    continue;
                }
                if let Some(t) = self.target(&only.expr, site.func) {
                    let mut regs = Regs::default();
                    regs.add(t, Framework::Trpc, None, Some(key));
                    self.push_registrations(regs, key_span, out, pending);
                }
            }
        }
    }

    /// What a property's value registers: as [`Model::target`], also for a shorthand.
    fn prop_target(&self, value: PropValue<'a>, scope: Option<FnId>) -> Option<Resolved<'a>> {
        match value {
            PropValue::Expr(e) => self.target(e, scope),
            PropValue::Name(id) => self.name_target(id, scope),
        }
    }

    /// What a shorthand property registers (`{ createContext }`, `{ validate }`): a function of
    /// this file or a value of another module.
    fn name_target(&self, id: &'a Ident, scope: Option<FnId>) -> Option<Resolved<'a>> {
        let e = Expr::Ident(id.clone());
        match self.fn_of_expr(&e, scope) {
            Some(f) => Some(Resolved::Local(f)),
            None => self
                .ext_path(&e, 0)
                .map(|_| Resolved::Pending(PendingTarget::ExtName(id))),
        }
    }

    /// The per-request methods of NestJS classes that are not controllers: a guard's
    /// `canActivate`, a middleware's `use`, an interceptor's `intercept`, a pipe's `transform`
    /// and an exception filter's `catch`, known by the interface the class implements; and the
    /// `@SubscribeMessage('event')` methods of a `@WebSocketGateway()` class.
    fn nest_hooks(&self, class: &ClassInfo<'a>, out: &mut Vec<Handler>) {
        const HOOKS: &[(&str, &str, &str)] = &[
            ("@nestjs/common.CanActivate", "canActivate", "NestJS guard"),
            ("@nestjs/common.NestMiddleware", "use", "NestJS middleware"),
            (
                "@nestjs/common.NestInterceptor",
                "intercept",
                "NestJS interceptor",
            ),
            ("@nestjs/common.PipeTransform", "transform", "NestJS pipe"),
            (
                "@nestjs/common.ExceptionFilter",
                "catch",
                "NestJS exception filter",
            ),
            // routing-controllers' `@Middleware()` classes.
            (
                "routing-controllers.ExpressMiddlewareInterface",
                "use",
                "routing-controllers middleware",
            ),
            (
                "routing-controllers.KoaMiddlewareInterface",
                "use",
                "routing-controllers middleware",
            ),
            (
                "routing-controllers.ExpressErrorMiddlewareInterface",
                "error",
                "routing-controllers error middleware",
            ),
            (
                "routing-controllers.InterceptorInterface",
                "intercept",
                "routing-controllers interceptor",
            ),
        ];
        let class_name = class.name.as_deref().unwrap_or("?");
        let method_fn = |name: &str| {
            class.node.body.iter().find_map(|member| match member {
                ClassMember::Method(m) if prop_name(&m.key) == Some(name) => {
                    self.fn_at(m.function.span).map(|f| (f, m.key.span()))
                }
                _ => None,
            })
        };
        for imp in &class.node.implements {
            let Some(q) = self.qual(&imp.expr) else {
                continue;
            };
            let Some((_, method, kind)) = HOOKS.iter().find(|(i, _, _)| *i == q) else {
                continue;
            };
            if let Some((f, key)) = method_fn(method) {
                out.push(Handler {
                    func: f,
                    framework: Framework::ClassHook,
                    method: None,
                    path: Some(format!("{kind} `{class_name}`")),
                    registration: key,
                });
            }
        }
        // An express-session store: the session middleware calls `get` on every request that
        // carries a session cookie, and `set` or `touch` at its end.
        let store = class.node.super_class.as_deref().is_some_and(|sup| {
            self.qual(sup)
                .is_some_and(|q| q == "express-session.Store" || q == "express-session.MemoryStore")
        });
        if store {
            for method in ["get", "set", "touch", "destroy"] {
                if let Some((f, key)) = method_fn(method) {
                    out.push(Handler {
                        func: f,
                        framework: Framework::ClassHook,
                        method: None,
                        path: Some(format!("session store method `{class_name}.{method}`")),
                        registration: key,
                    });
                }
            }
        }
        let decorator_call = |d: &'a Decorator, want: &str| -> Option<&'a CallExpr> {
            let Expr::Call(c) = unwrap_expr(&d.expr) else {
                return None;
            };
            (self.callee_qual(c)?.strip_prefix("@nestjs/websockets.")? == want).then_some(c)
        };
        if !class
            .node
            .decorators
            .iter()
            .any(|d| decorator_call(d, "WebSocketGateway").is_some())
        {
            return;
        }
        for member in &class.node.body {
            let ClassMember::Method(m) = member else {
                continue;
            };
            let Some(f) = self.fn_at(m.function.span) else {
                continue;
            };
            for d in &m.function.decorators {
                let Some(c) = decorator_call(d, "SubscribeMessage") else {
                    continue;
                };
                let Some(event) = c.args.first().and_then(|a| static_string(&a.expr)) else {
                    continue;
                };
                out.push(Handler {
                    func: f,
                    framework: Framework::SocketIo,
                    method: None,
                    path: Some(event.to_string()),
                    registration: m.key.span(),
                });
            }
        }
    }

    /// A receiver whose value nodepit cannot see: a parameter, `this.x`, or an import from
    /// another file of the project. Package values nodepit knows (an HTTP client, say) are not.
    fn receiver_is_opaque(&self, recv: &Expr) -> bool {
        match self.qual(recv) {
            Some(q) => is_relative(&q) || q.starts_with("@/") || q.starts_with('~'),
            None => match unwrap_expr(recv) {
                Expr::Ident(id) => match self.binding(id).map(|b| &b.kind) {
                    Some(BindingKind::Param { .. }) | Some(BindingKind::Import { .. }) => true,
                    Some(BindingKind::Var {
                        init: Some(init), ..
                    }) => {
                        // `const router = createRouter()` from another file, or `await buildApp()`.
                        matches!(
                            unwrap_expr(init),
                            Expr::Call(_) | Expr::Await(_) | Expr::Member(_)
                        ) && self.fn_of_expr(init, None).is_none()
                    }
                    _ => false,
                },
                Expr::Member(m) => matches!(unwrap_expr(&m.obj), Expr::This(_)),
                _ => false,
            },
        }
    }

    /// `x.get('/path', (req, res) => …)` on an object from elsewhere: a route when the path and
    /// the handler's parameters leave no doubt.
    fn inferred_route(
        &self,
        call: &CallExpr,
        method: &str,
        path: Option<&str>,
        scope: Option<FnId>,
    ) -> Option<FnId> {
        let f = call
            .args
            .iter()
            .rev()
            .find_map(|a| self.handler_fn(&a.expr, scope))?;
        let node = self.function(f).node;
        let first = node.param_name(0);
        let second = node.param_name(1);
        if method == "use" {
            let express_like = node.param_count() >= 3 && matches!(first, Some("req" | "request"));
            return express_like.then_some(f);
        }
        if !VERBS.contains(&method) || method == "all" && path.is_none() {
            return None;
        }
        let route_path = path.is_some_and(|p| p.starts_with('/'));
        let request_params = matches!(first, Some("req" | "request" | "ctx" | "context"))
            || matches!(second, Some("res" | "response" | "reply" | "h"));
        // A Fastify plugin's instance, by the name Fastify's own docs give it: its handlers
        // may take no parameter at all and answer with what they return.
        let fastify_plugin = || {
            let Callee::Expr(callee) = &call.callee else {
                return false;
            };
            matches!(unwrap_expr(callee), Expr::Member(m) if matches!(
                unwrap_expr(&m.obj),
                Expr::Ident(id) if &*id.sym == "fastify"
                    && matches!(self.binding(id).map(|b| &b.kind), Some(BindingKind::Param { .. }))
            ))
        };
        (route_path && (request_params || fastify_plugin())).then_some(f)
    }

    /// `route({ method, path | url, handler })`, or an array of them.
    fn route_objects(
        &self,
        call: &'a CallExpr,
        scope: Option<FnId>,
        framework: Framework,
        regs: &mut Regs<'a>,
    ) {
        let Some(arg) = call.args.first() else { return };
        self.add_route_objects(self.route_objects_of(&arg.expr), scope, framework, regs);
    }

    fn add_route_objects(
        &self,
        objects: Vec<&'a ObjectLit>,
        scope: Option<FnId>,
        framework: Framework,
        regs: &mut Regs<'a>,
    ) {
        for o in objects {
            let Some(t) = self.object_handler(o, scope) else {
                continue;
            };
            let method = object_prop(o, "method").and_then(static_string);
            let path = object_prop(o, "path")
                .or_else(|| object_prop(o, "url"))
                .and_then(static_string);
            let method = method.map(str::to_ascii_lowercase);
            regs.add(t, framework, method.as_deref(), path);
            // hapi's route prerequisites (`options: { pre: [loadUser, { method: check }] }`)
            // run before the handler, on every request of the route.
            if framework == Framework::Hapi {
                for pre in self.hapi_pre_methods(o, scope) {
                    regs.add(pre, framework, method.as_deref(), path);
                }
            }
        }
    }

    /// The prerequisite methods of a hapi route object, from `pre` in the object or in its
    /// `options`/`config`; nested arrays run in parallel and count the same.
    fn hapi_pre_methods(&self, o: &'a ObjectLit, scope: Option<FnId>) -> Vec<Resolved<'a>> {
        let pre = object_prop(o, "pre").or_else(|| {
            ["options", "config"]
                .iter()
                .find_map(|k| match object_prop(o, k).map(unwrap_expr) {
                    Some(Expr::Object(inner)) => object_prop(inner, "pre"),
                    _ => None,
                })
        });
        let Some(Expr::Array(list)) = pre.map(unwrap_expr) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut stack: Vec<&'a Expr> = list.elems.iter().flatten().map(|e| &*e.expr).collect();
        while let Some(e) = stack.pop() {
            match unwrap_expr(e) {
                Expr::Array(inner) => stack.extend(inner.elems.iter().flatten().map(|e| &*e.expr)),
                Expr::Object(step) => {
                    if let Some(t) = object_prop(step, "method").and_then(|m| self.target(m, scope))
                    {
                        out.push(t);
                    }
                }
                other => out.extend(self.target(other, scope)),
            }
        }
        out
    }

    /// The route objects an argument holds: the literal, an array's literals, or those of a
    /// same-file constant (`const routes = [...]; server.route(routes)`).
    fn route_objects_of(&self, e: &'a Expr) -> Vec<&'a ObjectLit> {
        let e = match unwrap_expr(e) {
            Expr::Ident(id) => match self.binding(id).map(|b| &b.kind) {
                Some(BindingKind::Var {
                    init: Some(init),
                    path,
                    ..
                }) if path.is_empty() => unwrap_expr(init),
                _ => return Vec::new(),
            },
            e => e,
        };
        match e {
            Expr::Object(o) => vec![o],
            Expr::Array(a) => a
                .elems
                .iter()
                .flatten()
                .filter_map(|e| match unwrap_expr(&e.expr) {
                    Expr::Object(o) => Some(o),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether every object is a route definition spelled out in full: `{ method, path,
    /// handler }` (hapi's shape, also that of hand-rolled route tables). Nothing else puts an
    /// HTTP method, a path and a handler in one object literal.
    fn is_route_table(&self, objects: &[&'a ObjectLit]) -> bool {
        !objects.is_empty()
            && objects.iter().all(|o| {
                object_prop(o, "method").is_some_and(|m| {
                    matches!(unwrap_expr(m), Expr::Array(_))
                        || static_string(m).is_some_and(|m| {
                            m == "*" || VERBS.contains(&m.to_ascii_lowercase().as_str())
                        })
                }) && object_prop(o, "path")
                    .or_else(|| object_prop(o, "url"))
                    .and_then(static_string)
                    .is_some_and(|p| p.starts_with('/'))
                    && self.object_handler(o, None).is_some()
            })
    }

    /// Route tables at the top of a module (`module.exports = [{ method, path, handler }]`,
    /// `export default [...]`, `const routes = [...]`): hapi's `server.route(routes)` takes
    /// them from wherever they are, so their handlers serve requests whoever imports them.
    fn route_tables(&self, out: &mut Vec<Handler>, pending: &mut Vec<Pending<'a>>) {
        let program = self.program;
        let mut tables: Vec<&'a Expr> = Vec::new();
        let stmt = |s: &'a Stmt, tables: &mut Vec<&'a Expr>| match s {
            Stmt::Decl(Decl::Var(v)) => {
                tables.extend(v.decls.iter().filter_map(|d| d.init.as_deref()))
            }
            Stmt::Expr(e) => {
                if let Expr::Assign(a) = unwrap_expr(&e.expr) {
                    tables.push(&a.right);
                }
            }
            _ => {}
        };
        match program {
            Program::Module(m) => {
                for item in &m.body {
                    match item {
                        ModuleItem::Stmt(s) => stmt(s, &mut tables),
                        ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultExpr(d)) => {
                            tables.push(&d.expr)
                        }
                        ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(ExportDecl {
                            decl: Decl::Var(v),
                            ..
                        })) => tables.extend(v.decls.iter().filter_map(|d| d.init.as_deref())),
                        _ => {}
                    }
                }
            }
            Program::Script(s) => s.body.iter().for_each(|s| stmt(s, &mut tables)),
        }
        for table in tables {
            if !matches!(unwrap_expr(table), Expr::Array(_)) {
                continue;
            }
            let objects = self.route_objects_of(table);
            if !self.is_route_table(&objects) {
                continue;
            }
            // Each route object is where its handler is registered.
            for o in objects {
                let mut regs = Regs::default();
                self.add_route_objects(vec![o], None, Framework::Hapi, &mut regs);
                self.push_registrations(regs, o.span, out, pending);
            }
        }
    }

    /// The `handler` of a route options object (also under `options`/`config`, as hapi allows).
    fn object_handler(&self, o: &'a ObjectLit, scope: Option<FnId>) -> Option<Resolved<'a>> {
        for p in &o.props {
            let PropOrSpread::Prop(p) = p else { continue };
            match &**p {
                // A function of this file or another module (`handler: reports.get`).
                Prop::KeyValue(kv) if prop_name(&kv.key) == Some("handler") => {
                    return self.target(&kv.value, scope)
                }
                Prop::Method(m) if prop_name(&m.key) == Some("handler") => {
                    return self.fn_at(m.function.span).map(Resolved::Local)
                }
                Prop::Shorthand(id) if id.sym == "handler" => {
                    return self
                        .fn_of_expr(&Expr::Ident(id.clone()), scope)
                        .map(Resolved::Local)
                }
                _ => {}
            }
        }
        ["options", "config"]
            .iter()
            .find_map(|k| match object_prop(o, k).map(unwrap_expr) {
                Some(Expr::Object(inner)) => self.object_handler(inner, scope),
                _ => None,
            })
    }

    fn targets(&self, args: &'a [ExprOrSpread], scope: Option<FnId>) -> Vec<Resolved<'a>> {
        let mut out = Vec::new();
        for a in args {
            match unwrap_expr(&a.expr) {
                Expr::Array(arr) => out.extend(
                    arr.elems
                        .iter()
                        .flatten()
                        .filter_map(|e| self.target(&e.expr, scope)),
                ),
                _ => out.extend(self.target(&a.expr, scope)),
            }
        }
        out
    }

    /// What an argument registers: a function of this file (see [`Model::handler_fn`]), one of
    /// another module, or what a factory returns.
    fn target(&self, e: &'a Expr, scope: Option<FnId>) -> Option<Resolved<'a>> {
        if let Some(f) = self.handler_fn(e, scope) {
            return Some(Resolved::Local(f));
        }
        match unwrap_expr(e) {
            x @ (Expr::Ident(_) | Expr::Member(_)) => {
                self.ext_path(x, 0)?;
                Some(Resolved::Pending(PendingTarget::Ext(x)))
            }
            Expr::Call(c) => {
                let Callee::Expr(callee) = &c.callee else {
                    return None;
                };
                // `controller.list.bind(controller)` registers `controller.list`.
                if let Expr::Member(m) = unwrap_expr(callee) {
                    if member_name(&m.prop) == Some("bind") {
                        return self.target(&m.obj, scope);
                    }
                }
                if self.require_source(c).is_some() {
                    // `app.use(require('./routes/api'))`
                    return Some(Resolved::Pending(PendingTarget::Ext(unwrap_expr(e))));
                }
                // A wrapper given one named function: `catchAsync(controller.list)`.
                if let [only] = c.args.as_slice() {
                    if only.spread.is_none() {
                        if let Some(f) = self.fn_of_expr(&only.expr, scope) {
                            return Some(Resolved::Local(f));
                        }
                        if matches!(unwrap_expr(&only.expr), Expr::Ident(_) | Expr::Member(_))
                            && self.ext_path(&only.expr, 0).is_some()
                        {
                            return Some(Resolved::Pending(PendingTarget::Ext(unwrap_expr(
                                &only.expr,
                            ))));
                        }
                    }
                }
                // A factory of this file: `makeHandler()` registers what it returns.
                if let Some(f) = self.callee_fn(c, scope) {
                    return self.returned_fn(f).map(|g| Resolved::Local(FnId(g)));
                }
                self.ext_path(callee, 0)?;
                Some(Resolved::Pending(PendingTarget::Factory(unwrap_expr(
                    callee,
                ))))
            }
            _ => None,
        }
    }

    /// The function an argument registers: itself, or the one function a wrapper such as
    /// `asyncHandler(async (req, res) => …)` is given.
    fn handler_fn(&self, e: &Expr, scope: Option<FnId>) -> Option<FnId> {
        if let Some(f) = self.fn_of_expr(e, scope) {
            return Some(f);
        }
        let Expr::Call(c) = unwrap_expr(e) else {
            return None;
        };
        match c.args.as_slice() {
            [only] if matches!(unwrap_expr(&only.expr), Expr::Fn(_) | Expr::Arrow(_)) => {
                self.fn_of_expr(&only.expr, scope)
            }
            _ => None,
        }
    }

    /// The framework object an expression is: an app, router or server, or a route chain.
    pub(crate) fn router_kind(
        &self,
        recv: &Expr,
        depth: u32,
    ) -> Option<(Framework, Option<String>)> {
        if depth > 8 {
            return None;
        }
        let recv = unwrap_expr(recv);
        if let Expr::Call(c) = recv {
            if let Callee::Expr(callee) = &c.callee {
                if let Expr::Member(m) = unwrap_expr(callee) {
                    let method = member_name(&m.prop).unwrap_or("");
                    if let Some((fw, route)) = self.router_kind(&m.obj, depth + 1) {
                        if method == "route" && fw == Framework::Express {
                            let path = c
                                .args
                                .first()
                                .and_then(|a| static_string(&a.expr))
                                .map(str::to_string);
                            return Some((fw, path));
                        }
                        // Registration methods return the app or route again, so calls chain.
                        if VERBS.contains(&method) || method == "use" {
                            return Some((fw, route));
                        }
                    }
                }
            }
        }
        if let Expr::Ident(id) = recv {
            if let Some(BindingKind::Param {
                func,
                index: 0,
                destructured: false,
            }) = self.binding(id).map(|b| &b.kind)
            {
                // `fastify.register(async (instance) => …)`: the plugin gets a Fastify instance.
                let (call, 0) = self.function(*func).passed_to? else {
                    return None;
                };
                let call = self.calls[call as usize].node;
                let Callee::Expr(callee) = &call.callee else {
                    return None;
                };
                let Expr::Member(m) = unwrap_expr(callee) else {
                    return None;
                };
                if member_name(&m.prop) == Some("register") {
                    if let Some((Framework::Fastify, _)) = self.router_kind(&m.obj, depth + 1) {
                        return Some((Framework::Fastify, None));
                    }
                }
                return None;
            }
        }
        let q = self.qual(recv)?;
        let fw = match q.as_str() {
            "express()" | "express.Router()" | "express.application" | "restify.createServer()" => {
                Framework::Express
            }
            "koa()" | "koa.default()" => Framework::Koa,
            "koa-router()" | "koa-router.Router()" | "koa-router.default()" => Framework::KoaRouter,
            "fastify()" | "fastify.fastify()" | "fastify.default()" => Framework::Fastify,
            "next-connect.createRouter()" | "next-connect()" | "next-connect.default()" => {
                Framework::Next
            }
            "hapi.server()" | "hapi.Server()" => Framework::Hapi,
            _ => return None,
        };
        Some((fw, None))
    }

    fn reach_from(&self, handlers: &[Handler]) -> FxHashMap<FnId, Reach> {
        let mut reach: FxHashMap<FnId, Reach> = FxHashMap::default();
        let handler_fns: rustc_hash::FxHashSet<FnId> = handlers.iter().map(|h| h.func).collect();
        let mut queue = VecDeque::new();
        for (i, h) in handlers.iter().enumerate() {
            if let std::collections::hash_map::Entry::Vacant(e) = reach.entry(h.func) {
                e.insert(Reach {
                    handler: i,
                    helper: None,
                });
                queue.push_back(h.func);
            }
        }
        while let Some(f) = queue.pop_front() {
            let from = reach[&f];
            let info = self.function(f);
            let mut next: Vec<(FnId, Option<FnId>)> =
                info.children.iter().map(|c| (*c, from.helper)).collect();
            for &ci in &info.calls {
                let call = self.calls[ci as usize].node;
                if let Some(g) = self.callee_fn(call, Some(f)) {
                    next.push((g, Some(g)));
                }
                // Functions handed to a call by name (`rows.map(format)`) run too.
                for a in &call.args {
                    if matches!(unwrap_expr(&a.expr), Expr::Ident(_) | Expr::Member(_)) {
                        if let Some(g) = self.fn_of_expr(&a.expr, Some(f)) {
                            next.push((g, Some(g)));
                        }
                    }
                }
            }
            for (g, helper) in next {
                if let std::collections::hash_map::Entry::Vacant(e) = reach.entry(g) {
                    // A handler's own nested callbacks keep pointing at the handler.
                    let helper = if handler_fns.contains(&g) {
                        None
                    } else {
                        helper
                    };
                    e.insert(Reach {
                        handler: from.handler,
                        helper,
                    });
                    queue.push_back(g);
                }
            }
        }
        reach
    }
}

fn is_create_server(q: &str) -> bool {
    matches!(
        q,
        "http.createServer"
            | "https.createServer"
            | "http2.createServer"
            | "http2.createSecureServer"
    )
}

fn is_server_ctor(q: &str) -> bool {
    is_create_server(q) || matches!(q, "http.Server" | "https.Server")
}

/// The value of a `module.exports = …` statement.
fn module_exports_value(st: &Stmt) -> Option<&Expr> {
    let Stmt::Expr(es) = st else { return None };
    let Expr::Assign(a) = unwrap_expr(&es.expr) else {
        return None;
    };
    let AssignTarget::Simple(SimpleAssignTarget::Member(m)) = &a.left else {
        return None;
    };
    let is_module = matches!(unwrap_expr(&m.obj), Expr::Ident(i) if &*i.sym == "module");
    (a.op == AssignOp::Assign && is_module && member_name(&m.prop) == Some("exports"))
        .then_some(&*a.right)
}

/// The value of a static property of an object literal.
pub(crate) fn object_prop<'o>(o: &'o ObjectLit, name: &str) -> Option<&'o Expr> {
    o.props.iter().find_map(|p| match p {
        PropOrSpread::Prop(p) => match &**p {
            Prop::KeyValue(kv) if prop_name(&kv.key) == Some(name) => Some(&*kv.value),
            _ => None,
        },
        PropOrSpread::Spread(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handler(framework: Framework, method: Option<&str>, path: Option<&str>) -> Handler {
        Handler {
            func: FnId(0),
            framework,
            method: method.map(str::to_string),
            path: path.map(str::to_string),
            registration: swc_common::DUMMY_SP,
        }
    }

    #[test]
    fn handler_phrases_read_as_english() {
        let cases = [
            (
                handler(Framework::Express, Some("GET"), Some("/users")),
                "the `GET /users` handler",
                "`GET /users` is registered here",
            ),
            (
                handler(Framework::Express, Some("POST"), None),
                "the `POST` handler",
                "the `POST` handler is registered here",
            ),
            (
                handler(Framework::Express, None, Some("/api")),
                "the middleware for `/api`",
                "the middleware for `/api` is registered here",
            ),
            (
                handler(Framework::Koa, None, None),
                "this middleware",
                "this middleware is registered here",
            ),
            (
                handler(Framework::Http, None, None),
                "this request handler",
                "this request handler is registered here",
            ),
        ];
        for (h, describe, registered) in cases {
            assert_eq!(h.describe(), describe);
            assert_eq!(h.registered_here(), registered);
            assert!(!h.describe().contains("handler` handler"));
        }
    }
}

/// The value of an object literal's property: an expression, or a shorthand's name.
#[derive(Clone, Copy)]
enum PropValue<'o> {
    Expr(&'o Expr),
    Name(&'o Ident),
}

/// The `key: value` and shorthand properties of an object literal, with the key's span.
fn object_entries<'o>(o: &'o ObjectLit) -> impl Iterator<Item = (&'o str, PropValue<'o>, Span)> {
    o.props.iter().filter_map(|p| match p {
        PropOrSpread::Prop(p) => match &**p {
            Prop::KeyValue(kv) => Some((
                prop_name(&kv.key)?,
                PropValue::Expr(&kv.value),
                kv.key.span(),
            )),
            Prop::Shorthand(id) => Some((&*id.sym, PropValue::Name(id), id.span)),
            _ => None,
        },
        PropOrSpread::Spread(_) => None,
    })
}

/// Whether a `.query`/`.mutation` receiver is a tRPC procedure builder: a chain through
/// `.input(…)`, `.output(…)`, `.use(…)` or `.meta(…)`, `t.procedure`, or a builder named as
/// tRPC's documentation names them (`publicProcedure`, `protectedProcedure`).
fn is_procedure(e: &Expr) -> bool {
    match unwrap_expr(e) {
        Expr::Call(c) => matches!(
            method_call_of(c),
            Some((_, "input" | "output" | "use" | "meta"))
        ),
        Expr::Member(m) => member_name(&m.prop) == Some("procedure"),
        Expr::Ident(id) => {
            let n = id.sym.as_str();
            n == "procedure" || n.ends_with("Procedure")
        }
        _ => false,
    }
}
