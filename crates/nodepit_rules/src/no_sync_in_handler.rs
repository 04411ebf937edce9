use nodepit_analyzer::{declare_rule, Node, NodeKind, Rule, RuleCx};
use nodepit_semantic::callee_name;
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

fn callee_span(e: &Expr) -> swc_common::Span {
    use swc_common::Spanned;
    e.span()
}

/// The advice for a blocking call, or `None` when the qualified name is not one.
fn async_alternative(q: &str) -> Option<String> {
    let (module, name) = q.rsplit_once('.')?;
    let base = name.strip_suffix("Sync")?;
    match module {
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
            "Use the callback form `zlib.{base}(…)` or a `zlib` stream, which compress on libuv's thread pool."
        )),
        "bcrypt" if matches!(name, "hashSync" | "compareSync" | "genSaltSync") => {
            Some(format!("Use `await bcrypt.{base}(…)`, which hashes off the main thread."))
        }
        _ => None,
    }
}
