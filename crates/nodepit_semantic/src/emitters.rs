//! Which expressions are event emitters (so a listener's returned promise is dropped), and which
//! of them were told to route a rejected listener to `'error'` (`captureRejections`).

use swc_ecma_ast::*;

use crate::handlers::{object_prop, Framework};
use crate::model::*;
use crate::names::{member_name, unwrap_expr};

/// The kind of emitter a listener is registered on, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmitterKind {
    /// The global `process`.
    Process,
    /// A Node stream (sockets and HTTP messages included).
    Stream,
    /// A socket.io server or a client's socket.
    SocketIo,
    /// A `ws` server or socket.
    Ws,
    /// A child process (or a cluster worker).
    ChildProcess,
    /// A `worker_threads` worker.
    Worker,
    /// An `http`/`https`/`http2`/`net`/`tls` server, or a `dgram` socket.
    Server,
    /// Another emitter made by Node's modules (`readline` interfaces, `fs.watch` watchers).
    NodeEmitter,
    /// `new EventEmitter()`, or an instance (or `this`) of a class that extends it.
    EventEmitter,
}

impl EmitterKind {
    /// What the emitter is, for messages (`None` for `process`, whose name says it).
    pub fn noun(self) -> Option<&'static str> {
        Some(match self {
            Self::Process => return None,
            Self::Stream => "a stream",
            Self::SocketIo => "socket.io",
            Self::Ws => "a WebSocket",
            Self::ChildProcess => "a child process",
            Self::Worker => "a worker thread",
            Self::NodeEmitter => "a Node emitter",
            Self::Server => "a server",
            Self::EventEmitter => "an EventEmitter",
        })
    }
}

/// A `new X(…)` expression and the function it sits in.
pub type NewSite<'a> = (&'a NewExpr, Option<FnId>);

/// How many aliases and class ancestors are followed.
const MAX_DEPTH: u32 = 12;

impl<'a> Model<'a> {
    /// Every `new X(…)` whose callee is a name or a member, with the function it sits in, in
    /// source order.
    pub fn news(&self) -> &[NewSite<'a>] {
        &self.news
    }

    /// The kind of emitter an expression is, when this file shows it: `process`, a stream, a
    /// socket.io or `ws` server or socket, a child process, a server of Node's modules, or an
    /// `EventEmitter` (or a subclass of one, `this` inside it included).
    pub fn emitter_kind(&self, e: &Expr, scope: Option<FnId>) -> Option<EmitterKind> {
        self.emitter_at(e, scope, 0)
    }

    fn emitter_at(&self, e: &Expr, scope: Option<FnId>, depth: u32) -> Option<EmitterKind> {
        if depth > MAX_DEPTH {
            return None;
        }
        let e = unwrap_expr(e);
        if let Some(fw) = self.socket_server(e).or_else(|| self.socket_kind(e)) {
            return match fw {
                Framework::SocketIo => Some(EmitterKind::SocketIo),
                _ => Some(EmitterKind::Ws),
            };
        }
        match e {
            // `emitter.on('a', f).on('b', g)` registers both on `emitter`.
            Expr::Call(c) => {
                if let Some(recv) = self.chained_receiver(c) {
                    return self.emitter_at(recv, scope, depth + 1);
                }
            }
            Expr::This(_) => {
                if let Some(ThisRef::Class(c)) = scope.and_then(|f| self.this_class(f)) {
                    return self
                        .class_is_emitter(c)
                        .then_some(EmitterKind::EventEmitter);
                }
            }
            Expr::New(n) => {
                if let Some(c) = self.class_of(&n.callee) {
                    if self.class_is_emitter(c) {
                        return Some(EmitterKind::EventEmitter);
                    }
                }
            }
            Expr::Ident(id) => {
                if let Some(init) = self.const_init(id) {
                    if let Some(k) = self.emitter_at(init, scope, depth + 1) {
                        return Some(k);
                    }
                }
            }
            _ => {}
        }
        if self.is_stream(e) {
            return Some(EmitterKind::Stream);
        }
        self.qual(e).and_then(|q| emitter_qual(&q))
    }

    /// The class `this` is an instance of inside `f` (arrows see their parent's `this`).
    fn this_class(&self, f: FnId) -> Option<ThisRef<'a>> {
        for g in self.ancestors(f) {
            let info = self.function(g);
            if let FnNode::Arrow(_) = info.node {
                continue;
            }
            return info.this_ref;
        }
        None
    }

    /// Whether a class of this file extends `EventEmitter` (or a stream class), directly or
    /// through other classes of this file.
    fn class_is_emitter(&self, c: ClassId) -> bool {
        let mut class = c;
        for _ in 0..MAX_DEPTH {
            let Some(sup) = self.class(class).node.super_class.as_deref() else {
                return false;
            };
            if self
                .qual(sup)
                .is_some_and(|q| is_emitter_class(&q) || q.starts_with("stream."))
            {
                return true;
            }
            match self.class_of(sup) {
                Some(next) => class = next,
                None => return false,
            }
        }
        false
    }

    /// Whether a rejected listener on this emitter is routed to its `'error'` event instead of
    /// becoming an unhandled rejection: created with `{ captureRejections: true }` (directly or
    /// by its class's `super(…)`), or the file turns on `EventEmitter.captureRejections`.
    pub fn captures_rejections(&self, e: &Expr, scope: Option<FnId>) -> bool {
        self.captures_globally() || self.captures_at(e, scope, 0)
    }

    fn captures_at(&self, e: &Expr, scope: Option<FnId>, depth: u32) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match unwrap_expr(e) {
            Expr::New(n) => {
                let opts = n.args.as_ref().and_then(|a| a.first());
                if opts.is_some_and(|o| capture_option(&o.expr)) {
                    return true;
                }
                self.class_of(&n.callee)
                    .is_some_and(|c| self.class_captures(c))
            }
            Expr::Ident(id) => self
                .const_init(id)
                .is_some_and(|init| self.captures_at(init, scope, depth + 1)),
            Expr::Call(c) => self
                .chained_receiver(c)
                .is_some_and(|r| self.captures_at(r, scope, depth + 1)),
            Expr::This(_) => matches!(
                scope.and_then(|f| self.this_class(f)),
                Some(ThisRef::Class(c)) if self.class_captures(c)
            ),
            _ => false,
        }
    }

    /// Whether a class (or one of its ancestors in this file) calls `super({ captureRejections:
    /// true })` in its constructor.
    fn class_captures(&self, c: ClassId) -> bool {
        let mut class = c;
        for _ in 0..MAX_DEPTH {
            let node = self.class(class).node;
            let ctor = node.body.iter().find_map(|m| match m {
                ClassMember::Constructor(k) => k.body.as_ref(),
                _ => None,
            });
            let super_captures = ctor.is_some_and(|body| {
                body.stmts.iter().any(|s| match s {
                    Stmt::Expr(es) => matches!(unwrap_expr(&es.expr), Expr::Call(call)
                        if matches!(call.callee, Callee::Super(_))
                            && call.args.first().is_some_and(|a| capture_option(&a.expr))),
                    _ => false,
                })
            });
            if super_captures {
                return true;
            }
            match node.super_class.as_deref().and_then(|s| self.class_of(s)) {
                Some(next) => class = next,
                None => return false,
            }
        }
        false
    }

    /// Whether a statement of the file sets `EventEmitter.captureRejections = true` (or
    /// `events.captureRejections`), which every emitter created afterwards inherits.
    fn captures_globally(&self) -> bool {
        self.stmts().iter().any(|s| {
            let Expr::Assign(a) = unwrap_expr(&s.node.expr) else {
                return false;
            };
            let Some(m) = a.left.as_simple().and_then(|t| t.as_member()) else {
                return false;
            };
            member_name(&m.prop) == Some("captureRejections")
                && is_true(&a.right)
                && self.qual(&m.obj).is_some_and(|q| is_emitter_class(&q))
        })
    }
}

fn is_true(e: &Expr) -> bool {
    matches!(unwrap_expr(e), Expr::Lit(Lit::Bool(b)) if b.value)
}

/// `{ captureRejections: true }`.
fn capture_option(e: &Expr) -> bool {
    let Expr::Object(o) = unwrap_expr(e) else {
        return false;
    };
    object_prop(o, "captureRejections").is_some_and(is_true)
}

/// The `EventEmitter` class of `events` (and the drop-in `eventemitter3`), however imported.
fn is_emitter_class(q: &str) -> bool {
    matches!(
        q,
        "events"
            | "events.EventEmitter"
            | "events.default"
            | "events.EventEmitter.EventEmitter"
            | "eventemitter3"
            | "eventemitter3.EventEmitter"
    )
}

/// Emitters made by Node's modules (and `ws`), by the qualified name of what made them.
fn emitter_qual(q: &str) -> Option<EmitterKind> {
    if q == "process" {
        return Some(EmitterKind::Process);
    }
    let made_by = q.strip_suffix("()")?;
    if made_by.contains("()") {
        return None;
    }
    if is_emitter_class(made_by) {
        return Some(EmitterKind::EventEmitter);
    }
    Some(match made_by {
        "child_process.spawn"
        | "child_process.fork"
        | "child_process.exec"
        | "child_process.execFile"
        | "cluster.fork" => EmitterKind::ChildProcess,
        "worker_threads.Worker" => EmitterKind::Worker,
        "ws" | "ws.WebSocket" | "ws.default" => EmitterKind::Ws,
        "http.createServer"
        | "https.createServer"
        | "http2.createServer"
        | "http2.createSecureServer"
        | "http.Server"
        | "https.Server"
        | "net.createServer"
        | "net.Server"
        | "tls.createServer"
        | "dgram.createSocket" => EmitterKind::Server,
        "readline.createInterface" | "fs.watch" => EmitterKind::NodeEmitter,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::EmitterKind;
    use crate::{analyze, SourceType};

    /// The emitter kind of the receiver of each `.on(...)` call, and whether it captures
    /// rejections, in source order.
    fn receivers(src: &str) -> Vec<(Option<EmitterKind>, bool)> {
        analyze(src, SourceType::Js, |model, errors, _| {
            assert!(errors.is_empty(), "{errors:?}");
            let model = model.expect("parses");
            model
                .calls()
                .iter()
                .filter_map(|c| {
                    let (m, name) = crate::method_call(c.node)?;
                    (name == "on").then(|| {
                        (
                            model.emitter_kind(&m.obj, c.func),
                            model.captures_rejections(&m.obj, c.func),
                        )
                    })
                })
                .collect()
        })
    }

    #[test]
    fn emitters_by_origin() {
        use EmitterKind::*;
        let found = receivers(
            "const { EventEmitter } = require('node:events');
             const { spawn } = require('child_process');
             const http = require('http');
             process.on('SIGTERM', f);
             const bus = new EventEmitter();
             bus.on('a', f);
             const safe = new EventEmitter({ captureRejections: true });
             safe.on('a', f);
             spawn('ls').on('exit', f);
             http.createServer(h).on('error', f);
             class Jobs extends EventEmitter {
               constructor() { super({ captureRejections: true }); }
               start() { this.on('tick', f); }
             }
             new Jobs().on('x', f);
             bot.on('message', f);
             function wire(process) { process.on('x', f); }",
        );
        assert_eq!(
            found,
            [
                (Some(Process), false),
                (Some(EventEmitter), false),
                (Some(EventEmitter), true),
                (Some(ChildProcess), false),
                (Some(Server), false),
                (Some(EventEmitter), true),
                (Some(EventEmitter), true),
                (None, false),
                (None, false),
            ]
        );
    }

    #[test]
    fn global_capture_rejections() {
        let found = receivers(
            "const EventEmitter = require('events');
             EventEmitter.captureRejections = true;
             const bus = new EventEmitter();
             bus.on('a', f);",
        );
        assert_eq!(found, [(Some(EmitterKind::EventEmitter), true)]);
    }
}
