use nodepit_analyzer::project::{Project, Reached};
use nodepit_analyzer::{
    declare_rule, Answer, Diagnostic, Node, NodeKind, Question, Rule, RuleCx, Severity,
};
use nodepit_semantic::{member_name, static_string, unwrap_expr, FnId, Model};
use serde::Deserialize;
use swc_common::Spanned;
use swc_ecma_ast::{Callee, Expr, Program};

use crate::reach;

/// Flags `process.exit()` reached while serving a request.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoProcessExitInHandler {}

declare_rule!(
    NoProcessExitInHandler,
    "no-process-exit-in-handler",
    Error,
    fix: false
);

const HELP: &str = "Answer this request with an error status (or pass the error to `next(err)`); to shut down, stop accepting with `server.close()`, let the requests in flight finish, set `process.exitCode` and let the event loop drain.";

impl Rule for NoProcessExitInHandler {
    fn kinds(&self) -> &'static [NodeKind] {
        &[NodeKind::Call]
    }

    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["exit"])
    }

    fn check(&self, node: Node<'_, '_>, cx: &mut RuleCx<'_, '_>) {
        let Node::Call(site) = node else { return };
        let Callee::Expr(callee) = &site.node.callee else {
            return;
        };
        // Cheap spelling filter first (`process.exit`, or `exit` imported from `node:process`);
        // the model decides that it is Node's.
        let spelled = match unwrap_expr(callee) {
            Expr::Member(m) => member_name(&m.prop) == Some("exit"),
            Expr::Ident(id) => id.sym == "exit",
            _ => false,
        };
        if !spelled {
            return;
        }
        let model = cx.model();
        if model.callee_qual(site.node).as_deref() != Some("process.exit") {
            return;
        }
        // Top-level code runs at startup, not per request.
        let Some(func) = site.func else { return };
        if is_cli_or_worker(model)
            || on_shutdown_path(model, func)
            || closes_server_first(model, func, site.node.span.lo)
        {
            return;
        }
        let span = callee.span();
        let Some((handler, reach)) = model.handler_reaching(func) else {
            // No handler of this file reaches it; one in another file may.
            let range = model.range(span);
            let in_fn = model.fn_label(func);
            cx.ask(
                Question::Reached { func: func.0 },
                move |answer, project| {
                    let Answer::Reached(r) = answer else {
                        return None;
                    };
                    Some(cross_file(project, &in_fn, range, r))
                },
            );
            return;
        };
        let place = match reach.helper {
            Some(helper) => format!(
                "in {}, which {} calls,",
                model.fn_label(helper),
                handler.describe()
            ),
            None => format!("inside {}", handler.describe()),
        };
        cx.report(span, message(&place))
            .help(HELP)
            .related(handler.registration, handler.registered_here());
    }
}

fn message(place: &str) -> String {
    format!(
        "`process.exit` {place} ends the whole process at once, cutting off every other request and connection it is serving."
    )
}

/// Files that are not servers: a CLI script (`#!` line) or a `worker_threads` worker, whose
/// exit ends only that worker.
fn is_cli_or_worker(model: &Model<'_>) -> bool {
    let shebang = match model.program() {
        Program::Script(s) => s.shebang.is_some(),
        Program::Module(m) => m.shebang.is_some(),
    };
    shebang
        || ["parentPort", "workerData", "isMainThread"]
            .iter()
            .any(|name| {
                model
                    .qual_of_name(name)
                    .is_some_and(|q| q.starts_with("worker_threads."))
            })
}

/// Whether the exit sits in a callback that runs on the way out rather than per request:
/// a `process.on(…)` listener (signals, `uncaughtException`), or the callback of
/// `server.close(…)`, which runs once the requests in flight have finished.
fn on_shutdown_path(model: &Model<'_>, func: FnId) -> bool {
    model.ancestors(func).any(|f| {
        let Some((ci, _)) = model.function(f).passed_to else {
            return false;
        };
        let call = model.calls()[ci as usize].node;
        let Callee::Expr(callee) = &call.callee else {
            return false;
        };
        let Expr::Member(m) = unwrap_expr(callee) else {
            return false;
        };
        match member_name(&m.prop) {
            Some("close") => true,
            Some("on" | "once" | "addListener" | "prependListener") => {
                model.qual(&m.obj).as_deref() == Some("process")
                    || call
                        .args
                        .first()
                        .and_then(|a| static_string(&a.expr))
                        .is_some_and(|e| e.starts_with("SIG") || e == "uncaughtException")
            }
            _ => false,
        }
    })
}

/// Whether the function closes a server before it exits (`server.close(); … process.exit(0)`):
/// a deliberate hand-over, such as a setup wizard that starts the real server and leaves, which
/// has already stopped taking new requests.
fn closes_server_first(model: &Model<'_>, func: FnId, exit_at: swc_common::BytePos) -> bool {
    model.function(func).calls.iter().any(|&ci| {
        let call = model.calls()[ci as usize].node;
        if call.span.lo >= exit_at {
            return false;
        }
        let Callee::Expr(callee) = &call.callee else {
            return false;
        };
        let Expr::Member(m) = unwrap_expr(callee) else {
            return false;
        };
        if member_name(&m.prop) != Some("close") {
            return false;
        }
        let is_server = |q: &str| {
            q.ends_with(".listen()") || q.ends_with("createServer()") || q.ends_with("Server()")
        };
        // The model knows the value, or the receiver is named as a server (`server`,
        // `httpServer`, `this.server`) when its value is assigned out of sight.
        model.qual(&m.obj).is_some_and(|q| is_server(&q))
            || match unwrap_expr(&m.obj) {
                Expr::Ident(id) => id.sym.to_ascii_lowercase().ends_with("server"),
                Expr::Member(inner) => member_name(&inner.prop)
                    .is_some_and(|n| n.to_ascii_lowercase().ends_with("server")),
                _ => false,
            }
    })
}

/// The finding for an exit that a handler of another file reaches: inside the handler itself
/// (a controller registered elsewhere), or in a function it calls, naming the calls between.
fn cross_file(
    project: &Project,
    in_fn: &str,
    range: std::ops::Range<usize>,
    r: &Reached,
) -> Diagnostic {
    let (place, inside) = reach::place(project, in_fn, &range, r);
    let place = if inside { place } else { format!("{place},") };
    let mut d = Diagnostic::new("", Severity::Error, range, message(&place));
    d.help = Some(HELP.to_string());
    d.related = reach::related(r);
    d
}
