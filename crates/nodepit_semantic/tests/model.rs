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
