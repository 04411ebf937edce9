use nodepit_analyzer::{
    declare_rule, Answer, Diagnostic, Node, NodeKind, Question, Rule, RuleCx, Severity,
};
use nodepit_semantic::{expr_label, method_call, CallbackRef, FnId, Model};
use serde::Deserialize;

/// Flags async functions given to array methods that read their result synchronously:
/// predicates and comparators (a promise is truthy, and `NaN` as a number), and reducers that
/// never wait for their accumulator.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoAsyncPredicate {}

declare_rule!(NoAsyncPredicate, "no-async-predicate", Error, fix: false);

impl Rule for NoAsyncPredicate {
    fn kinds(&self) -> &'static [NodeKind] {
        &[NodeKind::Call]
    }

    fn needles(&self) -> Option<&'static [&'static str]> {
        Some(&[
            "filter", "some", "every", "find", "sort", "Sorted", "reduce",
        ])
    }

    fn check(&self, node: Node<'_, '_>, cx: &mut RuleCx<'_, '_>) {
        let Node::Call(site) = node else { return };
        let call = site.node;
        let Some((member, method)) = method_call(call) else {
            return;
        };
        let Some(what) = Method::of(method) else {
            return;
        };
        // The callback comes first; library helpers take the list first
        // (`Bluebird.filter(xs, fn)`, `_.some(xs, fn)`) and some await their callbacks.
        if !(1..=2).contains(&call.args.len()) || call.args[0].spread.is_some() {
            return;
        }
        let model = cx.model();
        let scope = site.func;
        // A promise's own `filter`/`reduce` (Bluebird) waits for its callbacks, and so does a
        // library collection whose result is awaited (`await rows.filter(async …)`).
        if model.is_promise(&member.obj, scope)
            || crate::no_async_foreach::is_bluebird(model, &member.obj)
        {
            return;
        }
        // An array's `filter` returns an array, so an `await` in front of it changes nothing.
        if what != Method::Reduce
            && model.is_awaited(call.span, scope)
            && !crate::no_async_foreach::iterates_values(model, &member.obj, 0)
        {
            return;
        }
        let Some(callback) = model.callback_ref(&call.args[0].expr, scope) else {
            return;
        };
        let (callback, name) = match callback {
            CallbackRef::Local(f) => {
                if let Some(message) = local_finding(model, f, what, method) {
                    let span = model.function(f).span;
                    cx.report(call.span, message).help(what.help()).related(
                        span,
                        match what {
                            Method::Reduce => "this reducer returns a promise",
                            _ => "this callback returns a promise",
                        },
                    );
                    return;
                }
                // `(u) => isActive(u)`: a wrapper around another module's function.
                match model.returned_external_call(f) {
                    Some(found) if !model.function(f).is_async => found,
                    _ => return,
                }
            }
            external => (external, expr_label(&call.args[0].expr)),
        };
        let CallbackRef::External {
            specifier,
            path,
            new_at,
        } = callback
        else {
            return;
        };
        // Whether another module's reducer awaits its accumulator is not in its summary.
        if what == Method::Reduce || !cx.is_project_module(&specifier) {
            return;
        }
        let range = model.range(call.span);
        let method = method.to_string();
        let question = Question::Callee {
            specifier,
            path,
            new_at,
        };
        cx.ask(question, move |answer, _| {
            let Answer::Callee(f) = answer else {
                return None;
            };
            if !f.returns_promise {
                return None;
            }
            let mut d = Diagnostic::new(
                "",
                Severity::Error,
                range,
                what.message(&method, &format!("`{name}`")),
            );
            d.help = Some(what.help().to_string());
            Some(d)
        });
    }
}

/// The message for a callback of this file, or `None` when it is fine.
fn local_finding(model: &Model<'_>, f: FnId, what: Method, method: &str) -> Option<String> {
    let info = model.function(f);
    if info.is_generator || !model.fn_returns_promise(f) {
        return None;
    }
    if what == Method::Reduce {
        // Awaiting the accumulator (`await acc`, `acc.then(…)`) is the correct sequential
        // reduce; a reducer whose accumulator is not a plain name is left alone.
        if !info.is_async || model.param_awaited(f, 0)? {
            return None;
        }
        let acc = info.node.param_name(0).unwrap_or("acc");
        return Some(format!(
            "This async reducer never awaits its accumulator `{acc}`: from the second element on, `{acc}` is the promise of the previous step, not its value, so what the reducer reads from or writes to it is lost, the steps run at once, and only the last step's failure reaches the caller."
        ));
    }
    Some(what.message(method, "its callback"))
}

/// The array methods that use their callback's return value at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Filter,
    Some,
    Every,
    Find,
    FindIndex,
    FindLast,
    FindLastIndex,
    Sort,
    Reduce,
}

impl Method {
    fn of(name: &str) -> Option<Self> {
        Some(match name {
            "filter" => Self::Filter,
            "some" => Self::Some,
            "every" => Self::Every,
            "find" => Self::Find,
            "findIndex" => Self::FindIndex,
            "findLast" => Self::FindLast,
            "findLastIndex" => Self::FindLastIndex,
            "sort" | "toSorted" => Self::Sort,
            "reduce" | "reduceRight" => Self::Reduce,
            _ => return None,
        })
    }

    /// What the method does with a promise for an answer; `who` names the callback.
    fn message(self, method: &str, who: &str) -> String {
        let outcome = match self {
            Self::Filter => "so every element is kept",
            Self::Some => "so it is true for any non-empty list",
            Self::Every => "so it is always true",
            Self::Find => "so it always returns the first element",
            Self::FindIndex => "so it always returns 0 (or -1 for an empty list)",
            Self::FindLast => "so it always returns the last element",
            Self::FindLastIndex => "so it always returns the last index",
            Self::Sort => {
                return format!("`{method}` reads the promise {who} returns as a number, `NaN`, which counts as \"equal\", so the list keeps its order and is never sorted.")
            }
            Self::Reduce => "",
        };
        format!("`{method}` does not wait for the promise {who} returns: any promise counts as true, {outcome}.")
    }

    fn help(self) -> &'static str {
        match self {
            Self::Sort => "Fetch the sort keys first (`await Promise.all(xs.map(…))`), then sort with a synchronous comparator.",
            Self::Reduce => "Await the accumulator first (`const acc = await accP;`), or use a `for…of` loop with `await`.",
            _ => "Resolve the answers first, then use them: `const keep = await Promise.all(xs.map(check)); xs.filter((_, i) => keep[i])`, or a `for…of` loop with `await`.",
        }
    }
}
