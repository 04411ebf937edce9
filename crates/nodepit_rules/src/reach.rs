//! How rules word a finding that a request handler of another file reaches: where it sits
//! relative to the handler, and the related locations on the way.

use nodepit_analyzer::project::{Project, Reached};
use nodepit_analyzer::Related;

/// Where `range` (inside the function `in_fn` names) sits for the handler that reaches it:
/// "inside the `GET /x` handler (registered in app.js)", or "in `loadTemplate`, which the
/// `GET /x` handler (registered in app.js) calls through `render` (views.js)". The flag says
/// whether it is inside the handler itself.
pub(crate) fn place(
    project: &Project,
    in_fn: &str,
    range: &std::ops::Range<usize>,
    r: &Reached,
) -> (String, bool) {
    let handler = r.handler.label.handler();
    let registered = project.display(&r.handler.registration.path);
    let f = &r.handler.func.loc;
    let inside = r.hops.is_empty() && f.range.start <= range.start && range.end <= f.range.end;
    if inside {
        let place = format!("inside {} (registered in {registered})", handler.describe());
        return (place, true);
    }
    // The calls on the way, but for a last one that enters the function holding the finding
    // (it may instead enter a function of that file which calls it).
    let last_enters = r.hops.last().is_some_and(|h| {
        let l = &h.callee.loc;
        l.range.start <= range.start && range.end <= l.range.end
    });
    let way = if last_enters {
        &r.hops[..r.hops.len() - 1]
    } else {
        &r.hops[..]
    };
    let between: Vec<String> = way
        .iter()
        .map(|h| {
            let name = h.callee.name.as_deref().unwrap_or("an anonymous function");
            format!("`{name}` ({})", project.display(&h.callee.loc.path))
        })
        .collect();
    let through = match between.is_empty() {
        true => String::new(),
        false => format!(" through {}", between.join(" and ")),
    };
    let place = format!(
        "in {in_fn}, which {} (registered in {registered}) calls{through}",
        handler.describe()
    );
    (place, false)
}

/// The handler's registration and each call on the way, as related locations.
pub(crate) fn related(r: &Reached) -> Vec<Related> {
    let mut out = vec![Related {
        path: Some(r.handler.registration.path.clone()),
        range: r.handler.registration.range.clone(),
        message: r.handler.label.handler().registered_here(),
    }];
    for h in &r.hops {
        let name = h.callee.name.as_deref().unwrap_or("the function");
        out.push(Related {
            path: Some(h.call.path.clone()),
            range: h.call.range.clone(),
            message: format!("`{name}` is called here"),
        });
    }
    out
}
