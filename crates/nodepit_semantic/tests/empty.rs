//! Empty handlers: comments inside and after them, do-nothing functions, generated files.

use nodepit_semantic::{analyze, SourceType};
use swc_ecma_ast::{Callee, Expr};

/// For every `x.catch(arg)` call, whether its argument is a do-nothing function.
fn noop_args(src: &str) -> Vec<bool> {
    analyze(src, SourceType::Js, |model, errors, _| {
        assert!(errors.is_empty(), "{errors:?}");
        let model = model.expect("parses");
        model
            .calls()
            .iter()
            .filter(|c| match &c.node.callee {
                Callee::Expr(e) => matches!(&**e, Expr::Member(m) if m.prop.as_ident().is_some_and(|p| p.sym == "catch")),
                _ => false,
            })
            .map(|c| model.is_noop(&c.node.args[0].expr, c.func))
            .collect()
    })
}

#[test]
fn do_nothing_functions_are_resolved_through_names_and_packages() {
    let found = noop_args(
        "const _ = require('lodash');
         const { noop } = require('lodash');
         const local = () => {};
         function named() {}
         function logs(e) { console.error(e); }
         const commented = () => { /* expected when offline */ };
         p.catch(() => {});
         p.catch(_.noop);
         p.catch(noop);
         p.catch(local);
         p.catch(named);
         p.catch(logs);
         p.catch(commented);
         p.catch(() => null);
         p.catch(function (e) { throw e; });",
    );
    assert_eq!(
        found,
        [true, true, true, true, true, false, false, false, false]
    );
}

#[test]
fn a_noop_of_the_project_or_a_parameter_is_not_assumed() {
    let found = noop_args(
        "const { noop } = require('./util');
         function run(p, ignore) { p.catch(ignore); p.catch(noop); }",
    );
    assert_eq!(found, [false, false]);
}

#[test]
fn comments_inside_and_after_a_span() {
    let src = "try { a(); } catch {}\ntry { b(); } catch {} // gone already\ntry { c(); } catch {\n  // retried by the caller\n}\n";
    let out = analyze(src, SourceType::Js, |model, _, _| {
        let model = model.expect("parses");
        model
            .tries()
            .iter()
            .map(|t| {
                let body = t.node.handler.as_ref().expect("catch").body.span;
                (
                    model.has_comment_within(body),
                    model.has_trailing_comment(body),
                )
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(out, [(false, false), (false, true), (true, false)]);
}

#[test]
fn a_line_longer_than_a_thousand_characters_marks_a_generated_file() {
    let long = format!("var a=[{}];\n", "1,".repeat(600));
    let minified = analyze(&long, SourceType::Js, |m, _, _| {
        m.expect("parses").is_minified()
    });
    let normal = analyze("const a = 1;\n", SourceType::Js, |m, _, _| {
        m.expect("parses").is_minified()
    });
    assert!(minified);
    assert!(!normal);
}
