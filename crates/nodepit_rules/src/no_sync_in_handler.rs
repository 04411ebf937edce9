use nodepit_analyzer::project::{Project, Reached};
use nodepit_analyzer::{
    declare_rule, Answer, Diagnostic, Node, NodeKind, Question, Rule, RuleCx, Severity,
};
use nodepit_semantic::callee_name;

use crate::reach;
use serde::Deserialize;
use swc_ecma_ast::{Callee, Expr};

/// Flags blocking `*Sync` calls made while serving a request.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoSyncInHandler {}

declare_rule!(NoSyncInHandler, "no-sync-in-handler", Error, fix: false);

impl Rule for NoSyncInHandler {
    fn kinds(&self) -> &'static [NodeKind] {
        &[NodeKind::Call]
    }

    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&["Sync"])
    }

    fn check(&self, node: Node<'_, '_>, cx: &mut RuleCx<'_, '_>) {
        let Node::Call(site) = node else { return };
        let Callee::Expr(callee) = &site.node.callee else {
            return;
        };
        // Cheap spelling filter first; the model decides what the name means.
        if !callee_name(callee).is_some_and(|n| n.ends_with("Sync")) {
            return;
        }
        let model = cx.model();
        let Some(func) = site.func else { return };
        let Some(q) = model.qual(callee) else { return };
        let Some(instead) = async_alternative(&q) else {
            return;
        };
        let Some((handler, reach)) = model.handler_reaching(func) else {
            // No handler of this file reaches it; one in another file may.
            let range = model.range(callee_span(callee));
            let in_fn = model.fn_label(func);
            cx.ask(
                Question::Reached { func: func.0 },
                move |answer, project| {
                    let Answer::Reached(r) = answer else {
                        return None;
                    };
                    Some(cross_file(project, &q, &in_fn, range, instead, r))
                },
            );
            return;
        };
        let place = match reach.helper {
            Some(helper) => format!(
                "in {}, which {} calls",
                model.fn_label(helper),
                handler.describe()
            ),
            None => format!("inside {}", handler.describe()),
        };
        cx.report(
            callee_span(callee),
            format!("`{q}` blocks the event loop {place}, so every other request waits until it finishes."),
        )
        .help(instead)
        .related(handler.registration, handler.registered_here());
    }
}

/// The finding for a blocking call that a handler reaches through other files: inside the
/// handler itself (a controller registered elsewhere), or in a function it calls, naming the
/// calls in between.
fn cross_file(
    project: &Project,
    q: &str,
    in_fn: &str,
    range: std::ops::Range<usize>,
    instead: String,
    r: &Reached,
) -> Diagnostic {
    let (place, _) = reach::place(project, in_fn, &range, r);
    let mut d = Diagnostic::new(
        "",
        Severity::Error,
        range,
        format!(
            "`{q}` blocks the event loop {place}, so every other request waits until it finishes."
        ),
    );
    d.help = Some(instead);
    d.related = reach::related(r);
    d
}

fn callee_span(e: &Expr) -> swc_common::Span {
    use swc_common::Spanned;
    e.span()
}

/// The advice for a blocking call, or `None` when the qualified name is not one.
fn async_alternative(q: &str) -> Option<String> {
    let (module, name) = q.rsplit_once('.')?;
    let base = name.strip_suffix("Sync")?;
    match module {
        // `fs.promises` has no `exists` (`fs.exists` is deprecated), and works on descriptors
        // through `FileHandle` methods rather than `f*` functions.
        "fs" if base == "exists" => Some(
            "Use `await fs.promises.access(…)`, which rejects when the path is missing (`fs.promises` has no `exists`), or check once at startup and reuse the result.".to_owned()
        ),
        "fs" if matches!(
            base,
            "read" | "write" | "readv" | "writev" | "close" | "fstat" | "fsync" | "fdatasync"
                | "ftruncate" | "futimes" | "fchmod" | "fchown"
        ) => Some(
            "Use a `FileHandle` from `await fs.promises.open(…)` (its `read`, `write`, `stat`, `sync`, `close` methods), or the callback form.".to_owned()
        ),
        "fs" => Some(format!(
            "Use `await fs.promises.{base}(…)` (or the callback form), or do it once at startup and reuse the result."
        )),
        "child_process" if matches!(name, "execSync" | "execFileSync" | "spawnSync") => Some(format!(
            "Use the asynchronous `{base}` (promisified with `util.promisify`) so the process runs without blocking other requests."
        )),
        "crypto" if matches!(name, "pbkdf2Sync" | "scryptSync" | "generateKeyPairSync") => Some(format!(
            "Use the callback form `crypto.{base}(…)` (or promisify it), which runs on libuv's thread pool."
        )),
        "zlib" => Some(format!(
            "Use the callback form `zlib.{base}(…)` (or promisify it) or a `zlib` stream: they do the work on libuv's thread pool."
        )),
        "bcrypt" if matches!(name, "hashSync" | "compareSync" | "genSaltSync") => {
            Some(format!("Use `await bcrypt.{base}(…)`, which hashes off the main thread."))
        }
        _ => None,
    }
}
