//! Facts the model derives, checked on small real-shaped snippets.

use nodepit_semantic::{analyze, expr_label, Framework, SourceType};
use swc_ecma_ast::{Callee, Expr};

/// Qualified names of every call's callee, in source order.
fn callee_quals(src: &str) -> Vec<Option<String>> {
    analyze(src, SourceType::Ts, |model, errors, _| {
        assert!(errors.is_empty(), "{errors:?}");
        let model = model.expect("parses");
        model
            .calls()
            .iter()
            .map(|c| model.callee_qual(c.node))
            .collect()
    })
}

#[test]
fn names_resolve_through_imports_requires_and_aliases() {
    let q = callee_quals(
        "import { readFile } from 'node:fs/promises';
         import * as path from 'path';
         const fs = require('fs');
         const { execSync: run } = require('node:child_process');
         const fsp = require('fs').promises;
         const { promises: p2 } = fs;
         readFile('a'); path.join('a'); fs.readFileSync('x'); run('ls'); fsp.stat('x'); p2.open('y');
         process.nextTick(() => {});
         globalThis.queueMicrotask(() => {});",
    );
    let q: Vec<_> = q.into_iter().flatten().collect();
    assert_eq!(
        q,
        [
            "require",
            "require",
            "require",
            "fs.promises.readFile",
            "path.join",
            "fs.readFileSync",
            "child_process.execSync",
            "fs.promises.stat",
            "fs.promises.open",
            "process.nextTick",
            "queueMicrotask",
        ]
    );
}

#[test]
fn shadowed_and_local_names_are_not_globals() {
    let q = callee_quals(
        "function readFileSync() {}
         readFileSync();
         function f(process) { process.nextTick(f); }
         { const fetch = () => 1; fetch(); }",
    );
    assert_eq!(q, vec![None, None, None]);
}

#[test]
fn promise_facts() {
    let src = "
        async function a() {}
        function b(): Promise<void> { return a(); }
        /** @returns {Promise<number>} */
        function c() { return x; }
        function d() { return new Promise((r) => r(1)); }
        function e(flag) { if (flag) return a(); }
        const f = async () => {};
        function* g() {}
        async function safe() { try { await a(); } catch (err) { log(err); } }
        a(); b(); c(); d(); e(); f(); g(); safe();";
    analyze(src, SourceType::Ts, |model, _, _| {
        let model = model.unwrap();
        let stmts = model.stmts();
        let promises: Vec<(String, bool)> = stmts
            .iter()
            .filter_map(|s| match &*s.node.expr {
                Expr::Call(c) => Some((
                    match &c.callee {
                        Callee::Expr(e) => expr_label(e),
                        _ => String::new(),
                    },
                    model.is_promise(&s.node.expr, None),
                )),
                _ => None,
            })
            .collect();
        let expect: Vec<(String, bool)> = [
            ("log", false),
            ("a", true),
            ("b", true),
            ("c", true),
            ("d", true),
            ("e", false),
            ("f", true),
            ("g", false),
            ("safe", true),
        ]
        .iter()
        .map(|(n, p)| (n.to_string(), *p))
        .collect();
        assert_eq!(promises, expect);
        let safe = model
            .functions()
            .iter()
            .position(|f| f.name.as_deref() == Some("safe"))
            .unwrap();
        assert!(model.fn_cannot_reject(nodepit_semantic::FnId(safe as u32)));
    });
}

#[test]
fn handlers_are_found_with_method_and_path() {
    let src = "
        const express = require('express');
        const http = require('node:http');
        const app = express();
        const router = express.Router();
        function list(req, res) {}
        app.get('/users', auth, list);
        router.post('/items', (req, res) => {});
        app.route('/book').put((req, res) => {});
        http.createServer((req, res) => {});
        const axios = require('axios');
        axios.get('/api', (x) => {});
        app.get('env');
        module.exports = (api) => { api.delete('/x/:id', (req, res) => {}); };
        function auth(req, res, next) {}";
    analyze(src, SourceType::Js, |model, _, _| {
        let model = model.unwrap();
        let found: Vec<(Framework, String)> = model
            .handlers()
            .iter()
            .map(|h| (h.framework, h.label()))
            .collect();
        assert_eq!(
            found,
            [
                (Framework::Express, "GET /users".to_string()),
                (Framework::Express, "GET /users".to_string()),
                (Framework::Express, "POST /items".to_string()),
                (Framework::Express, "PUT /book".to_string()),
                (Framework::Http, "request handler".to_string()),
                (Framework::Inferred, "DELETE /x/:id".to_string()),
            ]
        );
    });
}

/// Each top-level expression statement of `src` with its label and what `check` says of it.
fn per_statement(
    src: &str,
    source_type: SourceType,
    check: impl Fn(&nodepit_semantic::Model<'_>, &Expr) -> bool,
) -> Vec<(String, bool)> {
    analyze(src, source_type, |model, errors, _| {
        assert!(errors.is_empty(), "{errors:?}");
        let model = model.expect("parses");
        model
            .stmts()
            .iter()
            .filter(|s| s.func.is_none())
            .map(|s| (expr_label(&s.node.expr), check(model, &s.node.expr)))
            .collect()
    })
}

fn labelled(expect: &[(&str, bool)]) -> Vec<(String, bool)> {
    expect.iter().map(|(l, b)| (l.to_string(), *b)).collect()
}

#[test]
fn promises_that_cannot_reject() {
    let src = "
        const { readFile } = require('node:fs/promises');
        const log = require('./log');
        async function guarded() {
          log.debug('start');
          if (!log.enabled) return;
          try { await readFile('a'); } catch (err) { log.warn(err); } finally { log.debug('end'); }
        }
        async function awaitsFirst() { await readFile('a'); try { await readFile('b'); } catch {} }
        async function rethrows() { try { await readFile('a'); } catch (err) { throw err; } }
        async function returnsUnawaited() { try { return readFile('a'); } catch { return ''; } }
        async function nothingAwaited(list) { list.pop(); }
        async function innerGuard() {
          try { try { await readFile('a'); } catch {} } catch (err) { throw err; }
        }
        function cached(v) { return Promise.resolve(v); }
        function orFetch(v) { if (v) return Promise.resolve(v); return fetch('/x'); }
        const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
        const waitOrFail = (ms) => new Promise((resolve, reject) => setTimeout(reject, ms));
        const waitOrThrow = (ms) => new Promise((resolve) => { if (ms < 0) throw new Error('x'); });
        const waitUnused = (ms) => new Promise((resolve, reject) => setTimeout(resolve, ms));
        const waitNested = (s) => new Promise((ok, fail) => s.on('error', (e) => fail(e)));
        async function parsesFirst(s) { const v = JSON.parse(s); try { await readFile(v); } catch {} }
        async function callsBack(cb) { try { await readFile('a'); return cb(1); } catch { return cb(0); } }
        guarded(); awaitsFirst(); rethrows(); returnsUnawaited(); nothingAwaited([]); innerGuard();
        cached(1); orFetch(1); wait(1); waitOrFail(1); waitOrThrow(1);
        waitUnused(1); waitNested(1); callsBack(() => 1); parsesFirst('1');
        Promise.resolve(); Promise.resolve(42); Promise.resolve(readFile('a')); Promise.reject(1);
        Promise.allSettled([readFile('a')]);
        Promise.allSettled([readFile('a')]).then((r) => log.info(r.length));
        Promise.allSettled([readFile('a')]).then((r) => { throw new Error(String(r)); });
        Promise.allSettled([readFile('a')]).then(async (r) => { await readFile(r[0]); });
        Promise.all([1, 2].map(async (n) => { try { await readFile(String(n)); } catch {} }));
        Promise.all([1, 2].map((n) => readFile(String(n))));
        Promise.all([wait(1), cached(2)]);
        readFile('a').catch(() => null);
        wait(5).finally(() => log.info('done'));
        readFile('a').finally(() => log.info('done'));";
    let got = per_statement(src, SourceType::Js, |model, e| {
        model.promise_cannot_reject(e, None)
    });
    assert_eq!(
        got,
        labelled(&[
            ("guarded()", true),
            ("awaitsFirst()", false),
            ("rethrows()", false),
            ("returnsUnawaited()", false),
            ("nothingAwaited(…)", true),
            ("innerGuard()", true),
            ("cached(…)", true),
            ("orFetch(…)", false),
            ("wait(…)", true),
            ("waitOrFail(…)", false),
            ("waitOrThrow(…)", false),
            ("waitUnused(…)", true),
            ("waitNested(…)", false),
            ("callsBack(…)", true),
            ("parsesFirst(…)", false),
            ("Promise.resolve()", true),
            ("Promise.resolve(…)", true),
            ("Promise.resolve(…)", false),
            ("Promise.reject(…)", false),
            ("Promise.allSettled(…)", true),
            ("Promise.allSettled(…).then(…)", true),
            ("Promise.allSettled(…).then(…)", false),
            ("Promise.allSettled(…).then(…)", false),
            ("Promise.all(…)", true),
            ("Promise.all(…)", false),
            ("Promise.all(…)", true),
            ("readFile(…).catch(…)", true),
            ("wait(…).finally(…)", true),
            ("readFile(…).finally(…)", false),
        ])
    );
}

#[test]
fn thenables_of_test_drivers_and_jquery() {
    let receiver = |model: &nodepit_semantic::Model<'_>, e: &Expr| {
        let Expr::Call(c) = e else { return false };
        let Callee::Expr(callee) = &c.callee else {
            return false;
        };
        let Expr::Member(m) = &**callee else {
            return false;
        };
        model.is_foreign_thenable(&m.obj)
    };
    let chains = "
        cy.get('#a').invoke('text').then((t) => t);
        (done ? done : cy.wrap(1)).then(() => 1);
        const header = cy.contains('h1');
        header.next().invoke('text').then(() => 1);";
    assert_eq!(
        per_statement(chains, SourceType::Js, receiver),
        labelled(&[
            ("cy.get(…).invoke(…).then(…)", true),
            ("….then(…)", true),
            ("header.next().invoke(…).then(…)", true),
        ])
    );
    let browser_code = "
        $.ajax('/x').then(() => 1);
        api.get('/x').then(() => 1);
        fetch('/x').then(() => 1);";
    assert_eq!(
        per_statement(browser_code, SourceType::Js, receiver),
        labelled(&[
            ("$.ajax(…).then(…)", true),
            ("api.get(…).then(…)", false),
            ("fetch(…).then(…)", false),
        ])
    );
    let shadowed =
        "function f(cy) { return cy; }\nconst $ = require('zx');\n$.run('x').then(() => 1);";
    assert_eq!(
        per_statement(shadowed, SourceType::Js, receiver),
        labelled(&[("$.run(…).then(…)", false)])
    );
    for src in [
        "const { browser } = require('protractor');\nbrowser.get('/').then(() => 1);",
        "import { Builder } from 'selenium-webdriver/chrome';\ndriver.get('/').then(() => 1);",
        "import 'cypress';\nhelper().then(() => 1);",
        "/// <reference types=\"cypress\" />\nhelper().then(() => 1);",
        "element(by.id('total')).click();\nbrowser.get('/').then(() => 1);",
    ] {
        let got = per_statement(src, SourceType::Ts, receiver);
        let last = got.last().expect("a statement");
        assert!(last.0.ends_with(".then(…)") && last.1, "{src}");
    }
}

#[test]
fn callbacks_that_chain_themselves_terminate() {
    let src = "
        function h(v) { return Promise.resolve(v).then(h); }
        const k = (v) => Promise.resolve(v).then(k);
        Promise.resolve(1).then(h);
        Promise.resolve(1).then(k);";
    let got = per_statement(src, SourceType::Js, |model, e| {
        model.promise_cannot_reject(e, None)
    });
    assert_eq!(
        got,
        labelled(&[
            ("Promise.resolve(…).then(…)", false),
            ("Promise.resolve(…).then(…)", false),
        ])
    );
}

/// For each named function: the kind and text of its first rejection, if any.
fn first_rejections(src: &str) -> Vec<(String, Option<(String, String)>)> {
    analyze(src, SourceType::Js, |model, errors, _| {
        assert!(errors.is_empty(), "{errors:?}");
        let model = model.expect("parses");
        model
            .functions()
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let name = f.name.as_deref()?.to_string();
                let r = model.first_rejection(nodepit_semantic::FnId(i as u32));
                let at = r.map(|r| {
                    let text = &src[r.span.lo.0 as usize - 1..r.span.hi.0 as usize - 1];
                    (format!("{:?}", r.kind), text.to_string())
                });
                Some((name, at))
            })
            .collect()
    })
}

#[test]
fn first_rejection_points_at_what_escapes_every_catch() {
    let got = first_rejections(
        "async function plain(db) { log(); await db.query('x'); await db.end(); }
         async function guarded(db) { try { await db.query('x'); } catch (e) { log(e); } }
         async function rethrows(db) { try { await db.query('x'); } catch (e) { throw new Error('wrapped'); } }
         async function noCatch(db) { try { await db.query('x'); } finally { done(); } }
         async function after(db) { try { await db.query('x'); } catch (e) { log(e); } await db.end(); }
         async function thrower(x) { if (!x) throw new Error('no x'); }
         async function quiet() { await Promise.resolve(1); return 2; }
         async function returns(db) { try { return db.query('x'); } catch (e) { return null; } }
         async function chained(db) { try { return fetch('/x').then((r) => r.json()); } catch (e) { return null; } }
         async function passes(req, res, next) { if (!req.user) return next(new Error('login')); res.end(); }
         async function loads(name) { const mime = (await import('mime')).default; return mime.getType(name); }
         async function parses(s) { return JSON.parse(s); }
         async function streams(src) { for await (const line of src) use(line); }
         async function* gen(db) { yield await db.query('x'); }",
    );
    let kinds: Vec<(&str, Option<(&str, &str)>)> = got
        .iter()
        .map(|(n, r)| {
            (
                n.as_str(),
                r.as_ref().map(|(k, t)| (k.as_str(), t.as_str())),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("plain", Some(("Await", "await db.query('x')"))),
            ("guarded", None),
            ("rethrows", Some(("Throw", "throw new Error('wrapped');"))),
            ("noCatch", Some(("Await", "await db.query('x')"))),
            ("after", Some(("Await", "await db.end()"))),
            ("thrower", Some(("Throw", "throw new Error('no x');"))),
            ("quiet", None),
            ("returns", None),
            (
                "chained",
                Some(("Return", "fetch('/x').then((r) => r.json())"))
            ),
            ("passes", None),
            ("loads", None),
            ("parses", Some(("SyncThrow", "JSON.parse(s)"))),
            (
                "streams",
                Some(("ForAwait", "for await (const line of src) use(line);"))
            ),
            ("gen", None),
        ]
    );
}

#[test]
fn rejections_lists_every_escaping_place_in_order() {
    let src = "async function all(db, s) { await db.a(); try { await db.b(); } catch (e) { log(e); } await db.c(); return fetch('/x').then((r) => r.json()); }
         async function rethrow(db) { try { await db.a(); } catch (e) { await db.undo(); throw e; } }
         async function quietCatch(db) { try { await db.a(); } catch (e) { await db.undo(); } }
         async function finale(db) { try { log(); } finally { await db.close(); } }";
    let got = analyze(src, SourceType::Js, |model, errors, _| {
        assert!(errors.is_empty(), "{errors:?}");
        let model = model.expect("parses");
        (0..model.functions().len())
            .filter_map(|i| {
                let name = model.functions()[i].name.as_deref()?.to_string();
                let texts: Vec<String> = model
                    .rejections(nodepit_semantic::FnId(i as u32))
                    .iter()
                    .map(|r| src[r.span.lo.0 as usize - 1..r.span.hi.0 as usize - 1].to_string())
                    .collect();
                Some((name, texts))
            })
            .collect::<Vec<_>>()
    });
    let want: Vec<(String, Vec<String>)> = [
        (
            "all",
            vec![
                "await db.a()",
                "await db.c()",
                "fetch('/x').then((r) => r.json())",
            ],
        ),
        // The catch runs only when the block rejects; what it does then escapes.
        ("rethrow", vec!["await db.undo()", "throw e;"]),
        ("quietCatch", vec!["await db.undo()"]),
        ("finale", vec!["await db.close()"]),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_string(), v.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn rejection_guards_name_the_parameter_tests_every_place_sits_under() {
    let src = "async function send(type, payload) { try { await post(payload); } catch (e) { return false; } if (payload.notifyAdmin && type) { await users.find(); } return true; }
         async function loose(payload) { if (payload.notifyAdmin) { await users.find(); } await post(payload); }
         async function elseBranch(payload) { if (payload.quiet) { log(); } else { await post(payload); } }
         async function nested(p) { if (p.image) { if (p.admins) { await users.find(); } await fetchImage(p.image); } }
         async function quiet(p) { try { await post(p); } catch (e) { return false; } }";
    let got = analyze(src, SourceType::Js, |model, errors, _| {
        assert!(errors.is_empty(), "{errors:?}");
        let model = model.expect("parses");
        (0..model.functions().len())
            .filter_map(|i| {
                let name = model.functions()[i].name.as_deref()?.to_string();
                let guards = model
                    .rejection_guards(nodepit_semantic::FnId(i as u32))
                    .map(|g| {
                        g.iter()
                            .map(|(i, p)| format!("{i}.{p}"))
                            .collect::<Vec<_>>()
                    });
                Some((name, guards))
            })
            .collect::<Vec<_>>()
    });
    let want: Vec<(String, Option<Vec<String>>)> = vec![
        ("send".into(), Some(vec!["1.notifyAdmin".into()])),
        // The `post` after the branch rejects whatever the payload says.
        ("loose".into(), None),
        ("elseBranch".into(), None),
        // The innermost test is enough for the first place; the outer one covers both.
        ("nested".into(), Some(vec!["0.image".into()])),
        // Nothing can reject, so there is nothing to guard.
        ("quiet".into(), None),
    ];
    assert_eq!(got, want);
}
