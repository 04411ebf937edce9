//! The callback facts the async-callback rules ask: where a function's asynchronous work
//! starts, whether a reducer waits for its accumulator, and the statement after a call.

use nodepit_semantic::{analyze, FnId, SourceType};

/// For each named function: the text of its first asynchronous step, if any.
fn async_steps(src: &str) -> Vec<(String, Option<String>)> {
    analyze(src, SourceType::Js, |model, errors, _| {
        assert!(errors.is_empty(), "{errors:?}");
        let model = model.expect("parses");
        model
            .functions()
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let name = f.name.as_deref()?.to_string();
                let at = model
                    .first_async_step(FnId(i as u32))
                    .map(|span| src[span.lo.0 as usize - 1..span.hi.0 as usize - 1].to_string());
                Some((name, at))
            })
            .collect()
    })
}

#[test]
fn first_async_step_finds_awaits_for_awaits_and_returned_promises() {
    let got = async_steps(
        "async function awaits(db) { log(); await db.save(1); }
         async function loops(src) { for await (const x of src) use(x); }
         async function returns(db) { return db.save(1); }
         async function nothing(list) { list.push(1); }
         async function pushes(list) { return list.push(1); }
         const arrow = async (db) => db.save(2);
         function plain(db) { return db.save(3); }
         function promised() { return fetch('/x'); }
         async function nested(xs) { xs.map(async (x) => { await x; }); }",
    );
    let got: Vec<(&str, Option<&str>)> = got
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("awaits", Some("await db.save(1)")),
            ("loops", Some("for await (const x of src) use(x);")),
            ("returns", Some("db.save(1)")),
            ("nothing", None),
            ("pushes", None),
            ("arrow", Some("db.save(2)")),
            ("plain", None),
            ("promised", Some("fetch('/x')")),
            ("nested", None),
        ]
    );
}

#[test]
fn reducers_that_wait_for_their_accumulator() {
    let src = "const a = async (acc, x) => { acc[x] = await f(x); return acc; };
               const b = async (accP, x) => { const acc = await accP; return acc; };
               const c = async (p, x) => p.then(() => f(x));
               const d = async (acc, x) => { Object.assign(acc, await f(x)); return acc; };
               const e = async ({ total }, x) => total + (await f(x));";
    let got = analyze(src, SourceType::Js, |model, _, _| {
        let model = model.expect("parses");
        (0..model.functions().len())
            .map(|i| model.param_awaited(FnId(i as u32), 0))
            .collect::<Vec<_>>()
    });
    // The fourth function is the `() => f(x)` inside `c`, which has no parameter.
    assert_eq!(
        got,
        [Some(false), Some(true), Some(true), None, Some(false), None]
    );
}

#[test]
fn statement_after_climbs_out_of_blocks() {
    let src = "async function run(xs, res) {
                 if (xs.length) {
                   xs.forEach(async (x) => { await x; });
                 }
                 res.json({ ok: true });
               }";
    let next = analyze(src, SourceType::Js, |model, _, _| {
        let model = model.expect("parses");
        let site = model
            .stmts()
            .iter()
            .find(|s| {
                let r = model.range(s.node.span);
                src[r].starts_with("xs.forEach")
            })
            .expect("the loop statement");
        let next = model
            .statement_after(site.node.span, site.func)
            .expect("a next statement");
        let r = model.range(swc_common::Spanned::span(next));
        src[r].to_string()
    });
    assert_eq!(next, "res.json({ ok: true });");
}
