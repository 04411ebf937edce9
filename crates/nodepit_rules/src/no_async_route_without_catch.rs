use crate::quiet::{can_reject, Pending, Verdict};
use nodepit_analyzer::project::Reached;
use nodepit_analyzer::{
    declare_rule, Answer, Diagnostic, Edit, Fix, Node, NodeKind, Question, Related, Rule, RuleCx,
    Severity,
};
use nodepit_semantic::summary::{Atom, Handover};
use nodepit_semantic::{FnId, FnNode, Framework, Model, Rejection, RejectionKind};
use serde::Deserialize;
use swc_common::{Span, Spanned};
use swc_ecma_ast::{ArrowFunctionBody, Callee, Pat};

/// Flags async Express 4 route handlers and middleware whose promise can reject with nothing
/// to pass the error to `next`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoAsyncRouteWithoutCatch {}

declare_rule!(
    NoAsyncRouteWithoutCatch,
    "no-async-route-without-catch",
    Error,
    fix: true
);

/// Loaded once anywhere, it patches Express 4's router to forward rejected promises.
const ASYNC_ERRORS: &str = "express-async-errors";

const CONSEQUENCE: &str = "on Express 4 a rejection here never reaches the error middleware: the request hangs until the client times out, and the unhandled rejection ends the process unless an `unhandledRejection` listener keeps it alive";

const HELP: &str = "Catch inside the handler and pass the error on (`try { … } catch (err) { next(err); }`), register it through a wrapper that adds `.catch(next)`, load `express-async-errors` once at startup, or move to Express 5, which forwards rejected promises itself.";

/// What the nearest package.json says about Express.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    /// A major version before 5.
    Four,
    /// Express 5 or later: rejections reach the error middleware.
    FiveOrLater,
    /// No package.json lists express, or its range names no major.
    Unknown,
}

impl Rule for NoAsyncRouteWithoutCatch {
    fn kinds(&self) -> &'static [NodeKind] {
        &[NodeKind::Call]
    }

    fn needles(&self) -> Option<&'static [&'static str]> {
        // A file linted alone can only show a handler on an app or router it makes itself;
        // in a project the needle gate is skipped and controllers of other files are asked.
        Some(&["express"])
    }

    fn check(&self, node: Node<'_, '_>, cx: &mut RuleCx<'_, '_>) {
        let Node::Call(site) = node else { return };
        let model = cx.model();
        // The decision is about functions, not calls: it runs once per file, at its first call
        // (a handler that can reject has a call in its file: its registration or an await).
        if !model.calls().first().is_some_and(|c| std::ptr::eq(c, site)) {
            return;
        }
        // A test suite's app serves the suite's own requests: no user waits on a hung one.
        if model.is_test_suite() {
            return;
        }
        let version = express_version(cx);
        if version == Version::FiveOrLater {
            return;
        }
        let loaded = model.loaded_packages();
        let loads = |p: &str| loaded.iter().any(|l| l == p);
        if loads(ASYNC_ERRORS) || loads("restify") && !loads("express") {
            return;
        }
        for (i, info) in model.functions().iter().enumerate() {
            if !info.is_async || info.is_generator {
                continue;
            }
            let f = FnId(i as u32);
            match model.handler_reaching(f).filter(|(h, _)| h.func == f) {
                Some((h, _)) => {
                    if !express_handler(h.framework, info.node)
                        || !handed_as_is(model, h.registration, f)
                    {
                        continue;
                    }
                    let Some(verdict) = can_reject(cx, model, f) else {
                        continue;
                    };
                    let d = finding(model, f, &h.describe(), verdict.first(), version)
                        .with_related(Related {
                            path: None,
                            range: model.range(h.registration),
                            message: h.registered_here(),
                        });
                    match verdict {
                        Verdict::Rejects(_) => report(cx, d),
                        Verdict::IfCalleesCan(pending) => {
                            // The project knows this file's path, which the callee facts need.
                            let own = model.range(info.span);
                            let pending = Pending::new(model, pending);
                            cx.ask(Question::Reached { func: f.0 }, move |answer, project| {
                                let Answer::Reached(r) = answer else {
                                    return None;
                                };
                                if r.handler.func.loc.range != own
                                    || project.loads_package(ASYNC_ERRORS)
                                {
                                    return None;
                                }
                                settle(d, pending, &r.handler.func.loc.path, project)
                            });
                        }
                    }
                }
                None if cx.in_project() && express_params(info.node) => {
                    let Some(verdict) = can_reject(cx, model, f) else {
                        continue;
                    };
                    // A handler registered by another file, or on an app or router this file
                    // is handed: the project knows.
                    let d = finding(model, f, "", verdict.first(), version);
                    let own = model.range(info.span);
                    let pending = match verdict {
                        Verdict::Rejects(_) => None,
                        Verdict::IfCalleesCan(p) => Some(Pending::new(model, p)),
                    };
                    cx.ask(Question::Reached { func: f.0 }, move |answer, project| {
                        let Answer::Reached(r) = answer else {
                            return None;
                        };
                        if !is_this_handler(r, &own) || project.loads_package(ASYNC_ERRORS) {
                            return None;
                        }
                        let d = match pending {
                            Some(p) => settle(d, p, &r.handler.func.loc.path, project)?,
                            None => d,
                        };
                        Some(cross_file(d, r, project))
                    });
                }
                None => {}
            }
        }
    }
}

/// Reports a finding of this file, unless another file of the project loads
/// `express-async-errors`.
fn report(cx: &mut RuleCx<'_, '_>, d: Diagnostic) {
    if !cx.in_project() {
        cx.report_diagnostic(d);
        return;
    }
    cx.ask(
        Question::Loaded {
            package: Atom::from(ASYNC_ERRORS),
        },
        move |answer, _| match answer {
            Answer::Loaded(false) => Some(d),
            _ => None,
        },
    );
}

/// The finding for a handler another file registers: named after its route, pointing at the
/// registration.
fn cross_file(
    mut d: Diagnostic,
    r: &Reached,
    project: &nodepit_analyzer::project::Project,
) -> Diagnostic {
    let handler = r.handler.label.handler();
    let registered = project.display(&r.handler.registration.path);
    d.message = d.message.replacen(
        "{handler}",
        &format!(
            "{} (registered in {registered})",
            capitalized(&handler.describe())
        ),
        1,
    );
    d.related.push(Related {
        path: Some(r.handler.registration.path.clone()),
        range: r.handler.registration.range.clone(),
        message: handler.registered_here(),
    });
    d
}

/// Whether the project's answer says the function is itself an Express handler, handed to the
/// router as it is.
fn is_this_handler(r: &Reached, own: &std::ops::Range<usize>) -> bool {
    r.hops.is_empty()
        && r.handler.func.loc.range == *own
        && !r.handler.wrapped
        && matches!(
            r.handler.label.framework,
            Framework::Express | Framework::Inferred
        )
}

/// The diagnostic, with `{handler}` left in the message when the handler's description comes
/// from the project.
fn finding(
    model: &Model<'_>,
    f: FnId,
    describe: &str,
    rejection: Rejection,
    version: Version,
) -> Diagnostic {
    let info = model.function(f);
    let (head, body) = head_and_body(model, info.node, info.span);
    let who = if describe.is_empty() {
        "{handler}".to_string()
    } else {
        capitalized(describe)
    };
    let assumed = match version {
        Version::Unknown => {
            " (no package.json here lists `express` with a version, so this assumes Express 4)"
        }
        _ => "",
    };
    let mut d = Diagnostic::new(
        "",
        Severity::Error,
        head,
        format!("{who} is async and can reject, and {CONSEQUENCE}{assumed}."),
    );
    d.help = Some(HELP.to_string());
    d.related.push(Related {
        path: None,
        range: model.range(rejection.span),
        message: rejection_note(rejection.kind).to_string(),
    });
    // A returned promise escapes a `try` around it, so wrapping the body would not help there.
    if rejection.kind != RejectionKind::Return {
        if let Some(fix) = body.and_then(|b| wrap_fix(model, info.node, b)) {
            d.fixes.push(fix);
        }
    }
    d
}

/// The finding, pointing at the first place whose callee can reject (or is unknown to the
/// project), or `None` when none can.
fn settle(
    mut d: Diagnostic,
    pending: Pending,
    file: &std::path::Path,
    project: &nodepit_analyzer::project::Project,
) -> Option<Diagnostic> {
    let range = pending.loud(file, project)?;
    if let Some(first) = d.related.first_mut() {
        first.range = range;
    }
    Some(d)
}

/// "the `GET /x` handler" → "The `GET /x` handler".
fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn rejection_note(kind: RejectionKind) -> &'static str {
    match kind {
        RejectionKind::Await => {
            "this `await` can reject outside any `try` that passes the error on"
        }
        RejectionKind::ForAwait => {
            "this `for await` can reject outside any `try` that passes the error on"
        }
        RejectionKind::Throw => "this `throw` rejects the handler's promise",
        RejectionKind::SyncThrow => {
            "this call can throw outside any `try`, which rejects the handler's promise"
        }
        RejectionKind::Return => "the promise returned here can reject",
    }
}

/// The head of the function (from its start to its body) and its block body, when it has one.
fn head_and_body(
    model: &Model<'_>,
    node: FnNode<'_>,
    span: Span,
) -> (std::ops::Range<usize>, Option<Span>) {
    let body = match node {
        FnNode::Function(func) => func.body.as_ref().map(|b| b.span),
        FnNode::Arrow(a) => match &*a.body {
            ArrowFunctionBody::FunctionBody(b) => Some(b.span),
            ArrowFunctionBody::Expr(e) => {
                let start = model.range(span).start;
                return (start..model.range(e.span()).start, None);
            }
        },
        FnNode::Constructor(c) => c.body.as_ref().map(|b| b.span),
    };
    let start = model.range(span).start;
    let end = body.map_or(model.range(span).end, |b| model.range(b).start);
    (start..end.max(start), body)
}

/// Wraps the block body in `try { … } catch (err) { next(err); }`, adding a `next` parameter
/// after `(req, res)`. Unsafe: the handler then answers errors through the error middleware.
fn wrap_fix(model: &Model<'_>, node: FnNode<'_>, body: Span) -> Option<Fix> {
    let params = node.params();
    let mut edits = Vec::new();
    let next = match params.len() {
        2 => {
            let end = param_end(params[1]);
            let at = model.range(Span::new(end, end)).start;
            edits.push(Edit {
                range: at..at,
                text: ", next".to_string(),
            });
            "next".to_string()
        }
        3 | 4 => node.param_name(params.len() - 1)?.to_string(),
        _ => return None,
    };
    let r = model.range(body);
    // The `catch` goes right after the last statement, so the closing brace keeps its line
    // and indentation.
    let last = node.body_stmts()?.last()?;
    let end = model.range(last.span()).end;
    edits.push(Edit {
        range: r.start + 1..r.start + 1,
        text: "\n  try {".to_string(),
    });
    edits.push(Edit {
        range: end..end,
        text: format!("\n  }} catch (err) {{\n    {next}(err);\n  }}"),
    });
    Some(Fix {
        message: format!("Wrap the body in `try {{ … }} catch (err) {{ {next}(err); }}`"),
        edits,
        safe: false,
    })
}

/// Where a parameter ends, type annotation included.
fn param_end(p: &Pat) -> swc_common::BytePos {
    match p {
        Pat::Ident(b) => b
            .type_ann
            .as_ref()
            .map_or(b.id.span.hi, |t| t.span.hi.max(b.id.span.hi)),
        other => other.span().hi,
    }
}

/// Whether a handler of this file's own table is an Express one: registered on an Express app
/// or router, or on an object of another file with Express-style parameters.
fn express_handler(framework: Framework, node: FnNode<'_>) -> bool {
    match framework {
        Framework::Express => true,
        Framework::Inferred => express_params(node),
        _ => false,
    }
}

/// `(req, res)`, `(req, res, next)`, `(err, req, res, next)`: what Express passes, and not
/// what Koa (`ctx`), Fastify (`reply`) or hapi (`h`) do.
fn express_params(node: FnNode<'_>) -> bool {
    let name = |i| node.param_name(i);
    let res = |n: Option<&str>| matches!(n, Some("res" | "response" | "_res"));
    match node.param_count() {
        2 | 3 => res(name(1)),
        4 => res(name(2)),
        _ => false,
    }
}

/// Whether the registration hands the router the async function itself (or what a factory of
/// this file returns), or a wrapper of this file that leaves its promise unhandled.
fn handed_as_is(model: &Model<'_>, registration: Span, f: FnId) -> bool {
    match model.handover(registration, f) {
        Some(Handover::Direct) => true,
        Some(Handover::Wrapped(Some(w))) => !wrapper_consumes(model, w),
        // A wrapper of another module or package, or a shape not seen: assume it handles
        // the promise, as `express-async-handler` does.
        Some(Handover::Wrapped(None)) | None => false,
    }
}

/// Whether a wrapper of this file handles the promise of the function it is given: the
/// function it returns attaches a rejection handler (`fn(req, res, next).catch(next)`,
/// `Promise.resolve(…).catch(next)`, `.then(ok, next)`), or awaits inside a `try` whose
/// `catch` cannot throw, so its own promise cannot reject.
fn wrapper_consumes(model: &Model<'_>, w: FnId) -> bool {
    let Some(inner) = model.returned_fn(w).map(FnId) else {
        // Not a shape this rule knows: stay silent.
        return true;
    };
    let info = model.function(inner);
    if info.is_async && model.first_rejection(inner).is_none() {
        return true;
    }
    let calls = model.calls();
    info.calls.iter().any(|&ci| {
        let call = calls[ci as usize].node;
        let Callee::Expr(callee) = &call.callee else {
            return false;
        };
        match nodepit_semantic::callee_name(callee) {
            Some("catch") => !call.args.is_empty(),
            Some("then") => call.args.len() >= 2,
            _ => false,
        }
    })
}

/// The Express major version the file's nearest package.json declares.
fn express_version(cx: &RuleCx<'_, '_>) -> Version {
    let Some(range) = cx.dependency_version("express") else {
        // A NestJS app gets Express through its platform package: version 11 of it brings
        // Express 5, earlier ones Express 4.
        return match cx.dependency_major("@nestjs/platform-express") {
            Some(m) if m >= 11 => Version::FiveOrLater,
            Some(_) => Version::Four,
            None => Version::Unknown,
        };
    };
    match cx.dependency_major("express") {
        Some(m) if m >= 5 => Version::FiveOrLater,
        Some(_) => Version::Four,
        // `latest` and `next` install Express 5 since it became the default.
        None if matches!(range.trim(), "latest" | "next") => Version::FiveOrLater,
        None => Version::Unknown,
    }
}

trait WithRelated {
    fn with_related(self, r: Related) -> Self;
}

impl WithRelated for Diagnostic {
    fn with_related(mut self, r: Related) -> Self {
        self.related.push(r);
        self
    }
}
