//! `FnSummary::arity` is a function's `length`: what Express counts to tell error middleware
//! from ordinary middleware.

use nodepit_semantic::{analyze, SourceType};

#[test]
fn arity_counts_parameters_before_the_first_default_or_rest() {
    let src = "
        function errors(err, req, res, next) {}
        const trimmed = (err, req, res) => {};
        function defaulted(err, req, res, next = () => {}) {}
        function rest(err, ...more) {}
        function typed(err, req, res, next) {}
    ";
    let arities = analyze(src, SourceType::Js, |model, _, _| {
        let Some(model) = model else {
            return Vec::new();
        };
        let summary = model.summary(|_| None);
        summary
            .functions
            .iter()
            .filter(|f| f.name.is_some())
            .map(|f| (f.name.as_ref().map(|n| n.to_string()), f.arity))
            .collect::<Vec<_>>()
    });
    let want = [
        ("errors", 4),
        ("trimmed", 3),
        ("defaulted", 3),
        ("rest", 1),
        ("typed", 4),
    ];
    for (name, arity) in want {
        assert!(
            arities.contains(&(Some(name.to_string()), arity)),
            "{name}: want {arity} in {arities:?}"
        );
    }
}
