//! The linked project: every file's summary, imports resolved to files, and the facts that
//! cross files (which functions request handlers reach, and through what; what callers in other
//! files pass in).

use std::collections::VecDeque;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nodepit_semantic::summary::{
    ArgKind, ArgOrigin, Atom, ExtRef, HandlerLabel, Summary, Target, Value, ANY_KEY, GQL_CONTEXT,
    QUERY_RESULT, SPREAD,
};
use nodepit_semantic::{Framework, OriginKind};
use rustc_hash::FxHashMap;

/// How many calls deep handler reach and argument evidence are followed across files.
const MAX_HOPS: u32 = 32;
/// How deep re-exports and property paths are followed.
const MAX_LOOKUP: u32 = 24;
/// How many modules one lookup may visit (`export *` can fan out).
const MAX_STEPS: u32 = 1024;
/// How many functions of one dispatch table a call with a run-time key reaches.
const MAX_TABLE: usize = 256;

/// A function of the project: file index and the function's index in that file.
type Node = (u32, u32);

/// What one lookup may still spend.
struct Budget {
    /// Whether members inherited from a base class of another module count.
    inherit: bool,
    steps: std::cell::Cell<u32>,
    /// Modules whose `export *` were searched, with the name searched for.
    starred: std::cell::RefCell<rustc_hash::FxHashSet<(u32, nodepit_semantic::summary::Atom)>>,
}

/// What a path into a module's exports ends at.
#[derive(Debug, Clone, Copy)]
enum Found<'p> {
    Fn(Node),
    Value(u32, &'p Value),
}

/// How a function was first reached: the handler's index, and the function before it with the
/// call into another file that led here (`None` for a same-file step).
type Via = (u32, Option<(Node, Option<Loc>)>);

/// A place in a file of the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    /// The file.
    pub path: PathBuf,
    /// Byte range in it.
    pub range: Range<usize>,
}

/// A function of another file, for messages.
#[derive(Debug, Clone)]
pub struct FnRef {
    /// Its name, when it has one.
    pub name: Option<String>,
    /// Where it is.
    pub loc: Loc,
}

/// A request handler somewhere in the project.
#[derive(Debug, Clone)]
pub struct HandlerRef {
    /// Who it serves.
    pub label: HandlerLabel,
    /// The registering call.
    pub registration: Loc,
    /// The handler function.
    pub func: FnRef,
    /// The registration hands the function to a wrapper call (`catchAsync(ctrl.list)`), so
    /// the framework runs what the wrapper returns.
    pub wrapped: bool,
}

/// One call on the way from a handler to a function: the call and the function it enters.
#[derive(Debug, Clone)]
pub struct Hop {
    /// The call, in the caller's file.
    pub call: Loc,
    /// The function called.
    pub callee: FnRef,
}

/// A handler that reaches a function, and the calls between them that cross files.
#[derive(Debug, Clone)]
pub struct Reached {
    /// The handler.
    pub handler: HandlerRef,
    /// Calls into other files on the way, from the handler's side.
    pub hops: Vec<Hop>,
}

/// What calling a function of another module gives.
#[derive(Debug, Clone)]
pub struct CalleeFacts {
    /// The function.
    pub func: FnRef,
    /// Its `length`: parameters before the first default or rest one.
    pub arity: u32,
    /// Declared `async`.
    pub is_async: bool,
    /// Calling it yields a promise.
    pub returns_promise: bool,
    /// That promise can never reject.
    pub cannot_reject: bool,
    /// Calls of it from other files of the project, and how many of them drop the result.
    pub calls: u32,
    /// How many of those calls are statements of their own.
    pub dropped: u32,
    /// When its promise can reject only inside `if (param.prop)` branches: each (parameter
    /// position, property). Empty when unknown.
    pub reject_guards: Vec<(u32, nodepit_semantic::summary::Atom)>,
}

/// Evidence that a caller in another file passes a collection whose length outside input decides.
#[derive(Debug, Clone)]
pub struct ArgEvidence {
    /// What kind of input.
    pub kind: OriginKind,
    /// The evidence as source-like text.
    pub what: String,
    /// For queries, the bound that is missing.
    pub missing_bound: Option<&'static str>,
    /// Where the evidence is.
    pub at: Loc,
    /// The calls that carry it into the parameter, outermost first.
    pub via: Vec<Loc>,
}

/// A whole project's summaries, linked.
#[derive(Debug, Default)]
pub struct Project {
    root: PathBuf,
    paths: Vec<PathBuf>,
    index: FxHashMap<PathBuf, u32>,
    summaries: Vec<Arc<Summary>>,
    /// Per file, per import: the file it names.
    imports: Vec<Vec<Option<u32>>>,
    handlers: Vec<(Node, HandlerLabel, Loc)>,
    /// How each reached function was first reached: the handler and the previous function.
    reach: FxHashMap<Node, Via>,
    /// Calls from other files into each function: `(file, ext call index)`.
    callers: FxHashMap<Node, Vec<(u32, u32)>>,
    /// Handlers registered through a wrapper call: the function, the registering file and the
    /// start of the registration.
    wrapped: rustc_hash::FxHashSet<(Node, u32, usize)>,
    /// What constructors receive: per (file, class), the instances callers' `new` hands it, in
    /// file order. Empty while `link` builds it, so lookups made meanwhile find none.
    ctor_args: FxHashMap<(u32, u32), Vec<CtorArg>>,
    /// What the contexts the application gives its GraphQL servers hold: per property, the
    /// file that sets it and the value, in file order.
    gql_contexts: FxHashMap<nodepit_semantic::summary::Atom, Vec<(u32, ExtRef)>>,
    /// What callers hand functions that register routes or listeners: per function, the
    /// instances passed, as for constructors (see `ctor_args`).
    fn_args: FxHashMap<Node, Vec<CtorArg>>,
}

/// One instance a caller hands a constructor: (argument position, the property of an object
/// literal there, calling file, the instance).
type CtorArg = (u32, Option<nodepit_semantic::summary::Atom>, u32, ExtRef);

impl Project {
    /// Links summaries. `resolve` maps a file's import paths (already resolved by the summary's
    /// builder) to files of the project; messages show paths relative to `root`. The result is
    /// the same whatever the order of `files`.
    pub fn link(root: &Path, mut files: Vec<(PathBuf, Arc<Summary>)>) -> Project {
        files.sort_by(|a, b| a.0.cmp(&b.0));
        files.dedup_by(|a, b| a.0 == b.0);
        let index: FxHashMap<PathBuf, u32> = files
            .iter()
            .enumerate()
            .map(|(i, (p, _))| (p.clone(), i as u32))
            .collect();
        let imports = files
            .iter()
            .enumerate()
            .map(|(i, (_, s))| {
                s.imports
                    .iter()
                    // The empty path is the file itself (`SELF_MODULE`).
                    .map(|p| match p.as_os_str().is_empty() {
                        true => Some(i as u32),
                        false => index.get(p).copied(),
                    })
                    .collect()
            })
            .collect();
        let (paths, summaries) = files.into_iter().unzip();
        let mut project = Project {
            root: root.to_path_buf(),
            paths,
            index,
            summaries,
            imports,
            ..Project::default()
        };
        project.ctor_args = project.index_ctor_args();
        for (file, s) in project.summaries.iter().enumerate() {
            for (key, r) in &s.gql_contexts {
                project
                    .gql_contexts
                    .entry(key.clone())
                    .or_default()
                    .push((file as u32, r.clone()));
            }
        }
        project.fn_args = project.index_fn_args();
        project.index_callers();
        project.find_handlers();
        project.propagate_reach();
        project
    }

    /// Whether any file of the project loads the package `name` (`import`, `require`).
    pub fn loads_package(&self, name: &str) -> bool {
        self.summaries.iter().any(|s| {
            s.packages
                .binary_search_by(|p| p.as_str().cmp(name))
                .is_ok()
        })
    }

    /// The project's files, sorted.
    pub fn files(&self) -> &[PathBuf] {
        &self.paths
    }

    /// A path as messages show it: relative to the project root, with forward slashes.
    pub fn display(&self, path: &Path) -> String {
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        rel.to_string_lossy().replace('\\', "/")
    }

    fn file_id(&self, path: &Path) -> Option<u32> {
        self.index.get(path).copied()
    }

    fn loc(&self, file: u32, range: &Range<usize>) -> Loc {
        Loc {
            path: self.paths[file as usize].clone(),
            range: range.clone(),
        }
    }

    fn fn_ref(&self, (file, f): Node) -> FnRef {
        let s = &self.summaries[file as usize].functions[f as usize];
        FnRef {
            name: s.name.as_ref().map(|n| n.to_string()),
            loc: self.loc(file, &s.range),
        }
    }

    /// The function a reference of `file` names, following re-exports.
    fn lookup_fn(&self, file: u32, r: &ExtRef) -> Option<Node> {
        match self.lookup(file, r)? {
            Found::Fn(n) => Some(n),
            Found::Value(..) => None,
        }
    }

    /// The functions of the object a reference ending in [`ANY_KEY`] reads a key of (a
    /// dispatch table, `commands[msg.type]`), in its order; spreads in it are followed.
    fn table_fns(&self, file: u32, r: &ExtRef) -> Vec<Node> {
        let mut table = r.clone();
        table.path.pop();
        let Some(Found::Value(at, Value::Object(props))) = self.lookup(file, &table) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        let mut pending: Vec<(u32, &[(Atom, Value)])> = vec![(at, props)];
        while let Some((at, props)) = pending.pop() {
            for (_, v) in props {
                match v {
                    Value::Fn(f) => found.push((at, *f)),
                    Value::Ext(r) => match self.lookup(at, r) {
                        Some(Found::Fn(n)) => found.push(n),
                        Some(Found::Value(at, Value::Object(more))) if found.len() < MAX_TABLE => {
                            pending.push((at, more))
                        }
                        _ => {}
                    },
                    Value::Object(more) => pending.push((at, more)),
                    _ => {}
                }
            }
            if found.len() >= MAX_TABLE {
                break;
            }
        }
        found.truncate(MAX_TABLE);
        found
    }

    /// What a reference of `file` names, following re-exports.
    fn lookup(&self, file: u32, r: &ExtRef) -> Option<Found<'_>> {
        self.lookup_with(file, r, true)
    }

    fn lookup_with(&self, file: u32, r: &ExtRef, inherit: bool) -> Option<Found<'_>> {
        let target = (*self.imports[file as usize].get(r.import as usize)?)?;
        // A budget of lookups and the modules whose `export *` were searched, so re-export
        // webs and cycles stay cheap.
        let budget = Budget {
            inherit,
            steps: std::cell::Cell::new(MAX_STEPS),
            starred: std::cell::RefCell::new(rustc_hash::FxHashSet::default()),
        };
        self.lookup_in(target, &r.path, r.new_at, 0, &budget)
    }

    /// `[#class<k>, #arg<i>, …rest]` (see `ctor_arg_segment`) or `[#fn<f>, #arg<i>, …rest]`
    /// (see `fn_arg_segment`): `rest` of the instance the project's first caller hands class
    /// `k`'s constructor or function `f` of `file` as argument `i`, as a whole or as the
    /// property `rest[0]` of an object literal. `None` for other paths; `Some(None)` when
    /// nothing is found.
    fn handed_arg_lookup(
        &self,
        file: u32,
        path: &[nodepit_semantic::summary::Atom],
        depth: u32,
        budget: &Budget,
    ) -> Option<Option<Found<'_>>> {
        let first = path.first()?;
        let args = if let Some(k) = first.strip_prefix("#class") {
            let k: u32 = k.parse().ok()?;
            self.summaries[file as usize]
                .classes
                .iter()
                .position(|c| c.id == Some(k))
                .and_then(|c| self.ctor_args.get(&(file, c as u32)))
        } else if let Some(f) = first.strip_prefix("#fn") {
            let f: u32 = f.parse().ok()?;
            self.fn_args.get(&(file, f))
        } else {
            return None;
        };
        let found = (|| {
            let arg: u32 = path.get(1)?.strip_prefix("#arg")?.parse().ok()?;
            let (_, prop, caller, r) = args?.iter().find(|(i, prop, ..)| {
                *i == arg && prop.as_ref().is_none_or(|p| path.get(2) == Some(p))
            })?;
            let target = (*self.imports[*caller as usize].get(r.import as usize)?)?;
            let mut p = r.path.clone();
            let skip = if prop.is_some() { 3 } else { 2 };
            p.extend(path.get(skip..)?.iter().cloned());
            self.lookup_in(target, &p, r.new_at, depth + 1, budget)
        })();
        Some(found)
    }

    fn index_fn_args(&self) -> FxHashMap<Node, Vec<CtorArg>> {
        let mut out: FxHashMap<Node, Vec<CtorArg>> = FxHashMap::default();
        for (file, s) in self.summaries.iter().enumerate() {
            for call in s.ext_calls.iter().filter(|c| !c.arg_instances.is_empty()) {
                let Some(node) = self.lookup_fn(file as u32, &call.callee) else {
                    continue;
                };
                let entry = out.entry(node).or_default();
                for (i, prop, r) in call.arg_instances.iter() {
                    entry.push((*i, prop.clone(), file as u32, r.clone()));
                }
            }
        }
        out
    }

    fn index_ctor_args(&self) -> FxHashMap<(u32, u32), Vec<CtorArg>> {
        let mut out: FxHashMap<(u32, u32), Vec<CtorArg>> = FxHashMap::default();
        for (file, s) in self.summaries.iter().enumerate() {
            for site in &s.news {
                let Some(Found::Value(cf, Value::Class(c))) = self.lookup(file as u32, &site.class)
                else {
                    continue;
                };
                let entry = out.entry((cf, *c)).or_default();
                for (i, a) in site.args.iter().enumerate() {
                    if let Some(r) = a {
                        entry.push((i as u32, None, file as u32, r.clone()));
                    }
                }
                for (i, prop, r) in &site.props {
                    entry.push((*i, Some(prop.clone()), file as u32, r.clone()));
                }
            }
        }
        out
    }

    fn lookup_in(
        &self,
        file: u32,
        path: &[nodepit_semantic::summary::Atom],
        new_at: Option<u32>,
        depth: u32,
        budget: &Budget,
    ) -> Option<Found<'_>> {
        if depth > MAX_LOOKUP || budget.steps.get() == 0 {
            return None;
        }
        budget.steps.set(budget.steps.get() - 1);
        if let Some(found) = self.handed_arg_lookup(file, path, depth, budget) {
            return found;
        }
        if path.first().is_some_and(|p| p == GQL_CONTEXT) {
            // `ctx.reports.find`: `find` of the first context value the project has there.
            // A context built by another module's function is that function's returned object.
            let (key, rest) = path.get(1).map(|k| (k, &path[2..]))?;
            let named = self.gql_contexts.get(key).into_iter().flatten();
            let whole = self
                .gql_contexts
                .get(&nodepit_semantic::summary::Atom::from(SPREAD))
                .into_iter()
                .flatten();
            return named
                .map(|e| (e, false))
                .chain(whole.map(|e| (e, true)))
                .find_map(|((setter, r), whole)| {
                    let target = (*self.imports[*setter as usize].get(r.import as usize)?)?;
                    let mut p = r.path.clone();
                    if whole {
                        p.push(key.clone());
                    }
                    p.extend(rest.iter().cloned());
                    self.lookup_in(target, &p, r.new_at, depth + 1, budget)
                });
        }
        let summary = &self.summaries[file as usize];
        let value = &summary.exports;
        let mut rest = path;
        let mut new_at = new_at.map(|n| n as usize);
        // A CommonJS module imported as a default: the default is `module.exports` itself.
        if !summary.esm && rest.first().is_some_and(|p| p == "default") {
            rest = &rest[1..];
            new_at = new_at.map(|n| n.saturating_sub(1));
        }
        self.walk(file, value, rest, new_at, 0, depth, budget)
    }

    /// The rest of [`Project::lookup_in`]: follows `rest` from `value`, a value of `file`, of
    /// which `consumed` segments of the path were read already.
    #[allow(clippy::too_many_arguments)]
    fn walk<'s>(
        &'s self,
        file: u32,
        mut value: &'s Value,
        mut rest: &[nodepit_semantic::summary::Atom],
        mut new_at: Option<usize>,
        mut consumed: usize,
        depth: u32,
        budget: &Budget,
    ) -> Option<Found<'s>> {
        if depth > MAX_LOOKUP {
            return None;
        }
        let summary = &self.summaries[file as usize];
        loop {
            if new_at == Some(consumed) {
                // A factory: go on in the object it returns.
                if let Value::Fn(f) = value {
                    let made = summary.functions.get(*f as usize)?.returns_object()?;
                    value = made;
                    new_at = None;
                    continue;
                }
                return match value {
                    // Members after `new` are the instance's.
                    Value::Class(c) => self.member(file, *c, true, rest, depth, budget),
                    Value::Ext(r) => {
                        let target = (*self.imports[file as usize].get(r.import as usize)?)?;
                        let mut p = r.path.clone();
                        let at = p.len() as u32;
                        p.extend(rest.iter().cloned());
                        self.lookup_in(target, &p, Some(at), depth + 1, budget)
                    }
                    _ => None,
                };
            }
            if let Value::Ext(r) = value {
                // A value of another module: continue the path there.
                let target = (*self.imports[file as usize].get(r.import as usize)?)?;
                let mut p = r.path.clone();
                let base = p.len();
                p.extend(rest.iter().cloned());
                let new_at = match (r.new_at, new_at) {
                    (Some(n), _) => Some(n),
                    (None, Some(n)) => Some((base + n - consumed) as u32),
                    (None, None) => None,
                };
                return self.lookup_in(target, &p, new_at, depth + 1, budget);
            }
            let Some((seg, tail)) = rest.split_first() else {
                return Some(match value {
                    Value::Fn(f) => Found::Fn((file, *f)),
                    other => Found::Value(file, other),
                });
            };
            match value {
                Value::Object(props) => match props.iter().rev().find(|(k, _)| k == seg) {
                    Some((_, v)) => {
                        value = v;
                        rest = tail;
                        consumed += 1;
                    }
                    None if std::ptr::eq(value, &summary.exports) => {
                        // Not among the module's own names: try its `export *` sources, once
                        // per module and lookup.
                        if !budget.starred.borrow_mut().insert((file, seg.clone())) {
                            return None;
                        }
                        return summary.stars.iter().find_map(|i| {
                            let target = (*self.imports[file as usize].get(*i as usize)?)?;
                            // A module searched already had neither the name nor a way to it.
                            if budget.starred.borrow().contains(&(target, seg.clone())) {
                                return None;
                            }
                            self.lookup_in(
                                target,
                                rest,
                                new_at.map(|n| (n - consumed) as u32),
                                depth + 1,
                                budget,
                            )
                        });
                    }
                    // `{ ...system.Query, ...reports.Query }`: the last spread that has it.
                    None => {
                        return props.iter().rev().filter(|(k, _)| k == SPREAD).find_map(
                            |(_, v)| {
                                // Each spread followed is a step of the lookup's budget.
                                let steps = budget.steps.get().checked_sub(1)?;
                                budget.steps.set(steps);
                                self.walk(file, v, rest, new_at, consumed, depth + 1, budget)
                            },
                        );
                    }
                },
                Value::Class(c) => {
                    // `await SearchClient.connect(url)`: a static factory; go on in what it
                    // returns.
                    if let ([name, tail @ ..], Some(n)) = (rest, new_at) {
                        let made = (n == consumed + 1 && !tail.is_empty())
                            .then(|| summary.classes.get(*c as usize))
                            .flatten()
                            .and_then(|cls| cls.statics.iter().find(|(s, _)| s == name))
                            .and_then(|(_, f)| summary.functions.get(*f as usize))
                            .and_then(|f| f.returns_object());
                        if let Some(made) = made {
                            value = made;
                            rest = tail;
                            consumed += 1;
                            new_at = None;
                            continue;
                        }
                    }
                    return self.member(file, *c, false, rest, depth, budget);
                }
                Value::Instance(c) => return self.member(file, *c, true, rest, depth, budget),
                Value::Fn(_)
                | Value::Unknown
                | Value::Ext(_)
                | Value::Wrapped(_)
                | Value::Promisified(_)
                | Value::ZodSchema { .. } => return None,
            }
        }
    }

    /// A member of a class: static, or of an instance.
    fn member(
        &self,
        file: u32,
        class: u32,
        instance: bool,
        rest: &[nodepit_semantic::summary::Atom],
        depth: u32,
        budget: &Budget,
    ) -> Option<Found<'_>> {
        let c = self.summaries[file as usize].classes.get(class as usize)?;
        // A document a model's finder returns (`User.#query.comparePassword`).
        let (instance, rest) = match rest {
            [q, tail @ ..] if !instance && q == QUERY_RESULT && c.model => (true, tail),
            _ => (instance, rest),
        };
        let [name] = rest else { return None };
        let list = if instance { &c.methods } else { &c.statics };
        if let Some((_, f)) = list.iter().find(|(n, _)| n == name) {
            return Some(Found::Fn((file, *f)));
        }
        // Inherited from a base class of another module.
        let base = c.base.as_ref().filter(|_| budget.inherit)?;
        let target = (*self.imports[file as usize].get(base.import as usize)?)?;
        let mut path = base.path.clone();
        let at = path.len() as u32;
        path.push(name.clone());
        self.lookup_in(target, &path, instance.then_some(at), depth + 1, budget)
    }

    /// The functions of a resolver map (a value of `file`), with their paths (`Query.users`).
    fn resolver_fns(
        &self,
        file: u32,
        value: &Value,
        prefix: &str,
        depth: u32,
        out: &mut Vec<(Node, String)>,
    ) {
        if depth > 8 {
            return;
        }
        match value {
            Value::Fn(f) if !prefix.is_empty() => out.push(((file, *f), prefix.to_string())),
            Value::Object(props) => {
                for (k, v) in props {
                    let path = if k == SPREAD {
                        prefix.to_string()
                    } else if prefix.is_empty() {
                        k.to_string()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    self.resolver_fns(file, v, &path, depth + 1, out);
                }
            }
            Value::Ext(r) => match self.lookup(file, r) {
                Some(Found::Value(g, v)) => self.resolver_fns(g, v, prefix, depth + 1, out),
                Some(Found::Fn(n)) if !prefix.is_empty() => out.push((n, prefix.to_string())),
                _ => {}
            },
            _ => {}
        }
    }

    fn index_callers(&mut self) {
        let mut callers: FxHashMap<Node, Vec<(u32, u32)>> = FxHashMap::default();
        for (file, s) in self.summaries.iter().enumerate() {
            for (i, call) in s.ext_calls.iter().enumerate() {
                if let Some(node) = self.lookup_fn(file as u32, &call.callee) {
                    callers
                        .entry(node)
                        .or_default()
                        .push((file as u32, i as u32));
                }
            }
        }
        self.callers = callers;
    }

    /// What callers in other files pass as a parameter: an app, a router or a socket.
    fn param_kind(
        &self,
        node: Node,
        index: u32,
        prop: Option<&nodepit_semantic::summary::Atom>,
    ) -> Option<ArgKind> {
        let callers = self.callers.get(&node)?;
        callers.iter().find_map(|(file, i)| {
            let call = &self.summaries[*file as usize].ext_calls[*i as usize];
            call.arg_kinds
                .iter()
                .find(|(at, p, _)| *at == index && p.as_ref() == prop)
                .map(|(.., k)| *k)
        })
    }

    /// Every handler of the project: those files found alone, and registrations settled now
    /// that other files are known.
    fn find_handlers(&mut self) {
        let mut handlers = Vec::new();
        let mut wrapped = rustc_hash::FxHashSet::default();
        // Sockets this pass learns of: the first parameter of a `connection` listener on a
        // server a caller passed in (`module.exports = (io) => io.on('connection', (s) => …)`).
        let mut sockets: FxHashMap<Node, Framework> = FxHashMap::default();
        for (file, s) in self.summaries.iter().enumerate() {
            let file = file as u32;
            for (f, label, range) in &s.handlers {
                handlers.push(((file, *f), label.clone(), self.loc(file, range)));
            }
            for reg in &s.registrations {
                if let Target::ExtResolvers(r) = &reg.target {
                    // Every function of another module's resolver map serves requests.
                    let mut fns = Vec::new();
                    let prefix = reg.label.path.clone().unwrap_or_default();
                    match self.lookup(file, r) {
                        Some(Found::Value(g, v)) => self.resolver_fns(g, v, &prefix, 0, &mut fns),
                        Some(Found::Fn(n)) if !prefix.is_empty() => fns.push((n, prefix)),
                        _ => {}
                    }
                    for (node, path) in fns {
                        let mut label = reg.label.clone();
                        label.path = Some(path);
                        handlers.push((node, label, self.loc(file, &reg.range)));
                    }
                    continue;
                }
                let Some((node, wrapped_at_definition)) = self.registered_fn(file, &reg.target)
                else {
                    continue;
                };
                let mut label = reg.label.clone();
                let from_param =
                    reg.on_param
                        .as_ref()
                        .and_then(|(f, i, prop)| match sockets.get(&(file, *f)) {
                            Some(fw) if *i == 0 && prop.is_none() => Some(ArgKind::Socket(*fw)),
                            _ => self.param_kind((file, *f), *i, prop.as_ref()),
                        });
                let is_handler = match from_param {
                    // Routes on a parameter a caller fills with an app or router.
                    Some(ArgKind::Router(fw)) if reg.inferred => {
                        label.framework = fw;
                        true
                    }
                    // Listeners on a parameter a caller fills with a connection's socket.
                    Some(ArgKind::Socket(fw)) if !reg.inferred => {
                        label.framework = fw;
                        true
                    }
                    // The `connection` listener of a server a caller passes in: its socket's
                    // listeners are handlers too.
                    Some(ArgKind::SocketServer(fw))
                        if !reg.inferred
                            && matches!(label.path.as_deref(), Some("connection" | "connect")) =>
                    {
                        label.framework = fw;
                        sockets.insert(node, fw);
                        true
                    }
                    _ if reg.inferred => {
                        // A route on an unknown object: only a handler-shaped function.
                        self.summaries[node.0 as usize].functions[node.1 as usize].handler_shaped
                    }
                    _ => reg.on_param.is_none(),
                };
                if !is_handler {
                    continue;
                }
                if reg.wrapped || wrapped_at_definition {
                    wrapped.insert((node, file, reg.range.start));
                }
                handlers.push((node, label, self.loc(file, &reg.range)));
            }
        }
        // Next.js registers by file name: the route's module is its registration.
        for (file, path) in self.paths.iter().enumerate() {
            let file = file as u32;
            for (f, label) in self.next_routes(file, path) {
                let range = self.summaries[file as usize].functions[f as usize]
                    .range
                    .clone();
                handlers.push(((file, f), label, self.loc(file, &range)));
            }
        }
        // A function registered twice keeps its first registration.
        let mut seen = rustc_hash::FxHashSet::default();
        handlers.retain(|(n, _, _)| seen.insert(*n));
        self.handlers = handlers;
        self.wrapped = wrapped;
    }

    /// The Next.js API routes a file defines by where it sits: the default export of
    /// `pages/api/**` (shaped `(req, res)`), and the method exports (`GET`, `POST`, …) of an App
    /// Router `app/**/route.js`. Pages outside `api/` run at build or render time, not here.
    fn next_routes(&self, file: u32, path: &Path) -> Vec<(u32, HandlerLabel)> {
        const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
        // Most files are neither: a look at the bytes before splitting the path.
        let bytes = path.as_os_str().as_encoded_bytes();
        let under_api = bytes
            .windows(9)
            .any(|w| w == b"pages/api" || w == b"pages\\api");
        if !under_api && path.file_stem().is_none_or(|s| s != "route") {
            return Vec::new();
        }
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        let parts: Vec<&str> = rel.iter().filter_map(|c| c.to_str()).collect();
        let Some((stem, dirs)) = parts
            .split_last()
            .and_then(|(name, dirs)| Some((name.rsplit_once('.')?.0, dirs)))
        else {
            return Vec::new();
        };
        let s = &self.summaries[file as usize];
        let exported = |name: &str| match &s.exports {
            Value::Object(props) => props.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        };
        let label = |method: Option<&str>, route: String| HandlerLabel {
            framework: Framework::Next,
            method: None,
            path: Some(match method {
                Some(m) => format!("{m} {route}"),
                None => route,
            }),
        };
        let mut out = Vec::new();
        if let Some(i) = dirs.windows(2).rposition(|w| w == ["pages", "api"]) {
            let mut route: Vec<&str> = dirs[i + 1..].to_vec();
            if stem != "index" {
                route.push(stem);
            }
            let f = match exported("default").or(match &s.exports {
                v @ Value::Fn(_) => Some(v),
                _ => None,
            }) {
                Some(Value::Fn(f)) if s.functions[*f as usize].handler_shaped => Some(*f),
                Some(Value::Wrapped(f)) => Some(*f),
                _ => None,
            };
            out.extend(f.map(|f| (f, label(None, format!("/{}", route.join("/"))))));
        } else if stem == "route" {
            if let Some(i) = dirs.iter().rposition(|d| *d == "app") {
                // Route groups (`(admin)`) leave the URL.
                let route: Vec<&str> = dirs[i + 1..]
                    .iter()
                    .copied()
                    .filter(|d| !(d.starts_with('(') && d.ends_with(')')))
                    .collect();
                for m in METHODS {
                    if let Some(Value::Fn(f)) = exported(m) {
                        out.push((*f, label(Some(m), format!("/{}", route.join("/")))));
                    }
                }
            }
        }
        out
    }

    /// The function a registration hands the framework, and whether a wrapper the other
    /// module applied stands between them (`exports.list = catchAsync(async (req, res) => …)`).
    fn registered_fn(&self, file: u32, target: &Target) -> Option<(Node, bool)> {
        match target {
            Target::Local(f) => Some(((file, *f), false)),
            Target::Ext(r) => match self.lookup(file, r)? {
                Found::Fn(n) => Some((n, false)),
                Found::Value(g, Value::Wrapped(f)) => Some(((g, *f), true)),
                Found::Value(..) => None,
            },
            Target::ExtFactory(r) => {
                let (g, f) = self.lookup_fn(file, r)?;
                let made = self.summaries[g as usize].functions[f as usize].returns_fn()?;
                Some(((g, made), false))
            }
            Target::ExtResolvers(_) => None,
        }
    }

    /// Breadth-first from every handler, in project order, through same-file reach and calls
    /// into other files, so each function keeps its nearest handler.
    fn propagate_reach(&mut self) {
        let mut reach: FxHashMap<Node, Via> = FxHashMap::default();
        let mut queue = VecDeque::new();
        for (i, (node, _, _)) in self.handlers.iter().enumerate() {
            if let std::collections::hash_map::Entry::Vacant(e) = reach.entry(*node) {
                e.insert((i as u32, None));
                queue.push_back((*node, 0u32));
            }
        }
        while let Some((node, hops)) = queue.pop_front() {
            if hops >= MAX_HOPS {
                continue;
            }
            let handler = reach[&node].0;
            let s = &self.summaries[node.0 as usize];
            let Some(info) = s.functions.get(node.1 as usize) else {
                continue;
            };
            let mut next: Vec<(Node, Option<Loc>)> =
                info.reaches.iter().map(|g| ((node.0, *g), None)).collect();
            for &ci in &info.ext_calls {
                let call = &s.ext_calls[ci as usize];
                let at = Some(self.loc(node.0, &call.range));
                if call.callee.path.last().is_some_and(|k| k == ANY_KEY) {
                    next.extend(
                        self.table_fns(node.0, &call.callee)
                            .into_iter()
                            .map(|g| (g, at.clone())),
                    );
                } else if let Some(g) = self.lookup_fn(node.0, &call.callee) {
                    next.push((g, at));
                }
            }
            for (g, call) in next {
                if let std::collections::hash_map::Entry::Vacant(e) = reach.entry(g) {
                    e.insert((handler, Some((node, call))));
                    queue.push_back((g, hops + 1));
                }
            }
        }
        self.reach = reach;
    }

    /// The handler that reaches function `func` of `file`, with the calls into other files on
    /// the way. `None` when no handler does, or only one in the same file without crossing a
    /// file (the file's own model says that already).
    pub fn reached(&self, file: &Path, func: u32) -> Option<Reached> {
        let node = (self.file_id(file)?, func);
        let (handler, _) = *self.reach.get(&node)?;
        let mut hops = Vec::new();
        let mut at = node;
        for _ in 0..=MAX_HOPS * 4 {
            let Some((_, Some((prev, call)))) = self.reach.get(&at) else {
                break;
            };
            if let Some(call) = call {
                hops.push(Hop {
                    call: call.clone(),
                    callee: self.fn_ref(at),
                });
            }
            at = *prev;
        }
        hops.reverse();
        let (hnode, label, registration) = &self.handlers[handler as usize];
        let wrapped = self.file_id(&registration.path).is_some_and(|rf| {
            self.wrapped
                .contains(&(*hnode, rf, registration.range.start))
        });
        Some(Reached {
            handler: HandlerRef {
                label: label.clone(),
                registration: registration.clone(),
                func: self.fn_ref(*hnode),
                wrapped,
            },
            hops,
        })
    }

    /// A reference written in `file` (module specifier as written, export path, instantiation),
    /// with the file's id.
    fn written_ref(
        &self,
        file: &Path,
        specifier: &str,
        path: &[nodepit_semantic::summary::Atom],
        new_at: Option<u32>,
    ) -> Option<(u32, ExtRef)> {
        let id = self.file_id(file)?;
        let s = &self.summaries[id as usize];
        let import = s.specifiers.iter().find(|(sp, _)| sp == specifier)?.1;
        Some((
            id,
            ExtRef {
                import,
                path: path.to_vec(),
                new_at,
            },
        ))
    }

    /// What calling `path` of the module `specifier` (as written in `file`) gives; `new_at`
    /// marks an instantiation (see [`ExtRef::new_at`]).
    pub fn callee(
        &self,
        file: &Path,
        specifier: &str,
        path: &[nodepit_semantic::summary::Atom],
        new_at: Option<u32>,
    ) -> Option<CalleeFacts> {
        let (id, r) = self.written_ref(file, specifier, path, new_at)?;
        // Not through a base class of another module: whether a base's method can reject
        // often turns on the base's own fields (an API client that retries and swallows
        // errors), which the summaries do not follow; blocking calls are still reached.
        let node = match self.lookup_with(id, &r, false)? {
            Found::Fn(n) => n,
            // `exports.execAsync = promisify(exec)`: a promise that rejects with the
            // callback's error. Its callers are not counted (it has no function node).
            Found::Value(g, Value::Promisified(range)) => {
                return Some(CalleeFacts {
                    func: FnRef {
                        name: path.last().map(|n| n.to_string()),
                        loc: self.loc(g, range),
                    },
                    arity: 0,
                    is_async: false,
                    returns_promise: true,
                    cannot_reject: false,
                    calls: 0,
                    dropped: 0,
                    reject_guards: Vec::new(),
                })
            }
            Found::Value(..) => return None,
        };
        let mut facts = self.facts(node, 0);
        for (file, i) in self.callers.get(&node).map_or(&[][..], Vec::as_slice) {
            let call = &self.summaries[*file as usize].ext_calls[*i as usize];
            if call.is_call {
                facts.calls += 1;
                facts.dropped += u32::from(call.dropped);
            }
        }
        Some(facts)
    }

    /// Whether the validator at `path` of the module `specifier` (as written in `file`) caps
    /// some size: a class-validator DTO class or a zod schema; `None` when it is neither.
    pub fn validator_caps(
        &self,
        file: &Path,
        specifier: &str,
        path: &[nodepit_semantic::summary::Atom],
    ) -> Option<bool> {
        let (id, r) = self.written_ref(file, specifier, path, None)?;
        self.caps_of(id, &r)
    }

    fn caps_of(&self, file: u32, r: &ExtRef) -> Option<bool> {
        match self.lookup(file, r)? {
            Found::Value(g, Value::Class(c)) => Some(
                self.summaries[g as usize]
                    .classes
                    .get(*c as usize)?
                    .caps_sizes,
            ),
            Found::Value(_, Value::ZodSchema { caps }) => Some(*caps),
            _ => None,
        }
    }

    /// Whether evidence of `file` stands: nothing checked it, or what did caps no size.
    fn uncapped(&self, file: u32, o: &ArgOrigin) -> bool {
        o.unless_capped
            .as_ref()
            .is_none_or(|r| self.caps_of(file, r) == Some(false))
    }

    /// Evidence that calling `path` of the module `specifier` (as written in `file`) returns a
    /// collection whose size outside input decides: the function's `return Device.find()`.
    pub fn return_evidence(
        &self,
        file: &Path,
        specifier: &str,
        path: &[nodepit_semantic::summary::Atom],
        new_at: Option<u32>,
    ) -> Option<ArgEvidence> {
        let (id, r) = self.written_ref(file, specifier, path, new_at)?;
        let node = self.lookup_fn(id, &r)?;
        let o = self.summaries[node.0 as usize].functions[node.1 as usize]
            .returns_origin()
            .filter(|o| self.uncapped(node.0, o))?;
        Some(ArgEvidence {
            kind: o.kind,
            what: o.what.clone(),
            missing_bound: o.missing_bound,
            at: self.loc(node.0, &o.range),
            via: Vec::new(),
        })
    }

    /// `None` when calling `path` of the module `specifier` is not a function of the project;
    /// otherwise what [`Project::return_evidence`] says of it.
    pub fn fn_return_evidence(
        &self,
        file: &Path,
        specifier: &str,
        path: &[nodepit_semantic::summary::Atom],
        new_at: Option<u32>,
    ) -> Option<Option<ArgEvidence>> {
        let (id, r) = self.written_ref(file, specifier, path, new_at)?;
        self.lookup_fn(id, &r)?;
        Some(self.return_evidence(file, specifier, path, new_at))
    }

    /// Promise facts of a function, following a returned call into another file.
    fn facts(&self, node: Node, depth: u32) -> CalleeFacts {
        let s = &self.summaries[node.0 as usize];
        let f = &s.functions[node.1 as usize];
        let mut facts = CalleeFacts {
            func: self.fn_ref(node),
            arity: f.arity,
            is_async: f.is_async,
            returns_promise: f.returns_promise,
            cannot_reject: f.cannot_reject,
            calls: 0,
            dropped: 0,
            reject_guards: f.reject_guards().to_vec(),
        };
        // `async function removeFiles(keys) { await removeFile(keys[0]); … }` with `removeFile`
        // catching everything in a third module: it cannot reject either.
        if f.returns_promise && !f.cannot_reject && depth < 8 && !f.rejects_via().is_empty() {
            facts.cannot_reject = f.rejects_via().iter().all(|&ci| {
                let call = &s.ext_calls[ci as usize];
                self.lookup_fn(node.0, &call.callee).is_some_and(|g| {
                    let inner = self.facts(g, depth + 1);
                    inner.returns_promise && inner.cannot_reject
                })
            });
        }
        if !f.returns_promise && depth < 8 {
            if let Some(ci) = f.returns_ext_call() {
                let call = &s.ext_calls[ci as usize];
                if let Some(g) = self.lookup_fn(node.0, &call.callee) {
                    let inner = self.facts(g, depth + 1);
                    facts.returns_promise = inner.returns_promise;
                    facts.cannot_reject = inner.cannot_reject;
                    // The guards name the inner function's parameters, not this one's.
                    facts.reject_guards = Vec::new();
                }
            }
        }
        facts
    }

    /// Evidence that a caller in another file passes outside input of unbounded length as
    /// parameter `index` of function `func` of `file`, directly or through parameters of
    /// functions in between.
    /// With a property `path` (`data.uids` of parameter `data`), only request input and socket
    /// payloads count: every part of them is the client's, while a property of a row is not a row.
    pub fn param_evidence(
        &self,
        file: &Path,
        func: u32,
        index: u32,
        path: &[nodepit_semantic::summary::Atom],
    ) -> Option<ArgEvidence> {
        let node = (self.file_id(file)?, func);
        let mut seen = rustc_hash::FxHashSet::default();
        // A caller may pass the first property on its own (`notify({ userIds: rows })`).
        if let Some((first, rest)) = path.split_first() {
            if let Some(mut e) = self.evidence(node, index, Some(first), 0, &mut seen) {
                if rest.is_empty()
                    || matches!(e.kind, OriginKind::Request | OriginKind::SocketPayload)
                {
                    for seg in rest {
                        e.what.push('.');
                        e.what.push_str(seg);
                    }
                    return Some(e);
                }
            }
            seen.clear();
        }
        let mut e = self.evidence(node, index, None, 0, &mut seen)?;
        if !path.is_empty() {
            if !matches!(e.kind, OriginKind::Request | OriginKind::SocketPayload) {
                return None;
            }
            for seg in path {
                e.what.push('.');
                e.what.push_str(seg);
            }
        }
        Some(e)
    }

    /// A parameter the client fills, of a handler the project found: a GraphQL resolver's
    /// arguments, a socket.io event's payload, a `ws` message.
    fn handler_input(&self, node: Node, index: u32) -> Option<ArgEvidence> {
        let (_, label, _) = self.handlers.iter().find(|(n, _, _)| *n == node)?;
        let event = label.path.as_deref();
        let (kind, what) = match label.framework {
            Framework::GraphQl if index == 1 => (OriginKind::Request, "args"),
            Framework::SocketIo
                if !matches!(
                    event,
                    Some(
                        "connection" | "connect" | "disconnect" | "disconnecting" | "error" | "use"
                    )
                ) =>
            {
                (OriginKind::SocketPayload, "payload")
            }
            Framework::Ws if event == Some("message") && index == 0 => {
                (OriginKind::SocketPayload, "data")
            }
            _ => return None,
        };
        let range = &self.summaries[node.0 as usize].functions[node.1 as usize].range;
        Some(ArgEvidence {
            kind,
            what: what.to_string(),
            missing_bound: None,
            at: self.loc(node.0, range),
            via: Vec::new(),
        })
    }

    /// Evidence about parameter `index` of `node` from its callers; with `prop`, only about
    /// that property of an object literal the callers pass (`{ userIds: req.body.ids }`).
    fn evidence(
        &self,
        node: Node,
        index: u32,
        prop: Option<&nodepit_semantic::summary::Atom>,
        depth: u32,
        seen: &mut rustc_hash::FxHashSet<(Node, u32)>,
    ) -> Option<ArgEvidence> {
        if depth > MAX_HOPS || !seen.insert((node, index)) {
            return None;
        }
        if prop.is_none() {
            if let Some(e) = self.handler_input(node, index) {
                return Some(e);
            }
        }
        let callers = self.callers.get(&node)?;
        for (file, i) in callers {
            let call = &self.summaries[*file as usize].ext_calls[*i as usize];
            if let Some(o) = call
                .arg_origins
                .iter()
                .find(|o| o.index == index && o.prop.as_ref() == prop && self.uncapped(*file, o))
            {
                return Some(ArgEvidence {
                    kind: o.kind,
                    what: o.what.clone(),
                    missing_bound: o.missing_bound,
                    at: self.loc(*file, &o.range),
                    via: vec![self.loc(*file, &call.range)],
                });
            }
        }
        for (file, i) in callers {
            let call = &self.summaries[*file as usize].ext_calls[*i as usize];
            for (arg, f, param, path) in &call.arg_params {
                if *arg != index {
                    continue;
                }
                // `deliver(opts.recipients)` where callers pass `launch({ recipients: … })`:
                // the first segment is a property of their object-literal argument.
                if let Some((first, rest)) = path.split_first() {
                    let mut tried = seen.clone();
                    let found =
                        self.evidence((*file, *f), *param, Some(first), depth + 1, &mut tried);
                    if let Some(mut e) = found.filter(|e| {
                        rest.is_empty()
                            || matches!(e.kind, OriginKind::Request | OriginKind::SocketPayload)
                    }) {
                        for seg in rest {
                            e.what.push('.');
                            e.what.push_str(seg);
                        }
                        e.via.push(self.loc(*file, &call.range));
                        return Some(e);
                    }
                }
                // Passed on whole (`deactivate(opts)`), the property asked about is still the
                // same property of what reaches the parameter.
                let prop = if path.is_empty() { prop } else { None };
                if let Some(mut e) = self.evidence((*file, *f), *param, prop, depth + 1, seen) {
                    // A property of request input is input too; of rows or a listing, it is not
                    // the collection any more.
                    if !path.is_empty() {
                        if !matches!(e.kind, OriginKind::Request | OriginKind::SocketPayload) {
                            continue;
                        }
                        for seg in path {
                            e.what.push('.');
                            e.what.push_str(seg);
                        }
                    }
                    e.via.push(self.loc(*file, &call.range));
                    return Some(e);
                }
            }
        }
        None
    }
}
