//! Where a collection's length comes from, checked on small real-shaped snippets: the value
//! mapped by the last `.map(…)` call of each snippet.

use nodepit_semantic::{analyze, member_name, unwrap_expr, OriginKind, SourceType};
use swc_ecma_ast::{Callee, Expr};

/// The origin of the receiver of the last `.map(…)` call, as `(kind, what)`.
fn origin_of_last_map(src: &str) -> Option<(OriginKind, String)> {
    analyze(src, SourceType::Ts, |model, errors, _| {
        assert!(errors.is_empty(), "{errors:?}");
        let model = model.expect("parses");
        let site = model
            .calls()
            .iter()
            .rfind(|c| match &c.node.callee {
                Callee::Expr(e) => {
                    matches!(unwrap_expr(e), Expr::Member(m) if member_name(&m.prop) == Some("map"))
                }
                _ => false,
            })
            .expect("a .map call");
        let Callee::Expr(callee) = &site.node.callee else {
            unreachable!()
        };
        let Expr::Member(m) = unwrap_expr(callee) else {
            unreachable!()
        };
        model.origin(&m.obj, site.func).map(|o| (o.kind, o.what))
    })
}

#[test]
fn request_input_of_handlers_and_req_parameters() {
    let express = "import express from 'express';
        const app = express();
        app.post('/x', (req, res) => { const { ids } = req.body; ids.map((id) => id); });";
    assert_eq!(
        origin_of_last_map(express),
        Some((OriginKind::Request, "req.body.ids".into()))
    );
    // A helper a router hands the request to, by the `req` convention.
    let helper = "function build(router, req) { return req.body.ids.map((id) => id); }";
    assert_eq!(
        origin_of_last_map(helper),
        Some((OriginKind::Request, "req.body.ids".into()))
    );
    let not_a_request = "function build(message) { return message.body.ids.map((id) => id); }";
    assert_eq!(origin_of_last_map(not_a_request), None);
    let set_by_middleware = "function roles(req) { return req.user.roles.map((r) => r); }";
    assert_eq!(origin_of_last_map(set_by_middleware), None);
    let koa_response = "import Koa from 'koa';
        new Koa().use(async (ctx) => { ctx.body.items.map((i) => i); });";
    assert_eq!(origin_of_last_map(koa_response), None);
}

#[test]
fn evidence_follows_parameters_of_same_file_helpers() {
    let src = "import express from 'express';
        async function archive(list) { return list.filter(Boolean).map((x) => x); }
        express().post('/a', async (req, res) => { await archive(req.query.tags.split(',')); });";
    assert_eq!(
        origin_of_last_map(src),
        Some((OriginKind::Request, "req.query.tags".into()))
    );
}

#[test]
fn unbounded_queries_and_their_bounds() {
    let sql = "async function f(pool) {
        const { rows } = await pool.query('SELECT id FROM orders WHERE status = $1');
        rows.map((r) => r); }";
    assert_eq!(
        origin_of_last_map(sql).map(|o| o.0),
        Some(OriginKind::QueryRows)
    );
    for bounded in [
        "async function f(pool) { const { rows } = await pool.query('SELECT id FROM orders LIMIT 10'); rows.map((r) => r); }",
        "async function f(pool) { const { rows } = await pool.query('SELECT * FROM users WHERE id = $1'); rows.map((r) => r); }",
        "async function f(Order) { const xs = await Order.find({ status: 'open' }).limit(5); xs.map((r) => r); }",
        "async function f(User) { const xs = await User.findAll({ where: { teamId: 1 } }); xs.map((r) => r); }",
        "async function f(prisma) { const xs = await prisma.post.findMany({ take: 20 }); xs.map((r) => r); }",
        "async function f(redis, id) { const xs = await redis.smembers(`user:${id}:roles`); xs.map((r) => r); }",
        "async function f(rows) { rows.slice(0, 10).map((r) => r); }",
    ] {
        assert_eq!(origin_of_last_map(bounded), None, "{bounded}");
    }
}

#[test]
fn listings_lines_and_shipped_folders() {
    let listing = "import { readdir } from 'node:fs/promises';
        export async function f(dir: string) { (await readdir(dir)).map((n) => n); }";
    assert_eq!(
        origin_of_last_map(listing).map(|o| o.0),
        Some(OriginKind::Directory)
    );
    let shipped = "import { readdir } from 'node:fs/promises';
        export async function f() { (await readdir(`${__dirname}/migrations`)).map((n) => n); }";
    assert_eq!(origin_of_last_map(shipped), None);
    let lines = "export function f(text: string) { text.split('\\n').map((l) => l); }";
    assert_eq!(
        origin_of_last_map(lines).map(|o| o.0),
        Some(OriginKind::Lines)
    );
}
