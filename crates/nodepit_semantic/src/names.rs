//! Small syntactic helpers shared by the model and the rules.

use swc_atoms::Atom;
use swc_ecma_ast::{
    CallExpr, Callee, Expr, Id, Ident, Lit, MemberExpr, MemberProp, PropName, UnaryOp,
};
use swc_ecma_visit::{Visit, VisitWith};

/// Strips parentheses and TypeScript-only wrappers (`as`, `!`, `satisfies`, `<T>x`).
pub fn unwrap_expr(mut e: &Expr) -> &Expr {
    loop {
        e = match e {
            Expr::Paren(p) => &p.expr,
            Expr::TsAs(x) => &x.expr,
            Expr::TsNonNull(x) => &x.expr,
            Expr::TsSatisfies(x) => &x.expr,
            Expr::TsTypeAssertion(x) => &x.expr,
            Expr::TsConstAssertion(x) => &x.expr,
            Expr::TsInstantiation(x) => &x.expr,
            _ => return e,
        }
    }
}

/// The property name of `obj.name` or `obj["name"]`, when it is static.
pub fn member_name(prop: &MemberProp) -> Option<&str> {
    match prop {
        MemberProp::Ident(id) => Some(&id.sym),
        MemberProp::Computed(c) => static_string(&c.expr),
        MemberProp::PrivateName(_) => None,
    }
}

/// A method call's member callee and its static name (`m` and `name` in `recv.name(…)`); `None`
/// when the callee is not a member or its name is not static.
pub fn method_call(call: &CallExpr) -> Option<(&MemberExpr, &str)> {
    let Callee::Expr(callee) = &call.callee else {
        return None;
    };
    let Expr::Member(m) = unwrap_expr(callee) else {
        return None;
    };
    Some((m, member_name(&m.prop)?))
}

/// A callee's last name as spelled (`f` in `f()`, `g` in `a.b.g()`): a cheap filter to apply
/// before resolving what the name refers to.
pub fn callee_name(callee: &Expr) -> Option<&str> {
    match unwrap_expr(callee) {
        Expr::Ident(i) => Some(&i.sym),
        Expr::Member(m) => member_name(&m.prop),
        _ => None,
    }
}

/// Whether an expression is `null`, `undefined` or `void …`.
pub fn is_nullish(e: &Expr) -> bool {
    match unwrap_expr(e) {
        Expr::Lit(Lit::Null(_)) => true,
        Expr::Ident(i) => i.sym == "undefined",
        Expr::Unary(u) => u.op == UnaryOp::Void,
        _ => false,
    }
}

/// The value of a string literal or a template literal without substitutions.
pub fn static_string(e: &Expr) -> Option<&str> {
    match unwrap_expr(e) {
        Expr::Lit(Lit::Str(s)) => s.value.as_atom().map(|a| a.as_str()),
        Expr::Tpl(t) if t.exprs.is_empty() => t.quasis.first().map(|q| q.raw.as_str()),
        _ => None,
    }
}

/// [`static_string`] as the atom the syntax tree holds, which a clone shares instead of
/// interning the text again.
pub fn static_atom(e: &Expr) -> Option<Atom> {
    match unwrap_expr(e) {
        Expr::Lit(Lit::Str(s)) => s.value.as_atom().cloned(),
        Expr::Tpl(t) if t.exprs.is_empty() => t.quasis.first().map(|q| q.raw.clone()),
        _ => None,
    }
}

/// A property key's static name.
pub(crate) fn prop_name(key: &PropName) -> Option<&str> {
    match key {
        PropName::Ident(id) => Some(&id.sym),
        PropName::Str(s) => s.value.as_atom().map(|a| a.as_str()),
        PropName::Computed(c) => static_string(&c.expr),
        PropName::Num(_) | PropName::BigInt(_) => None,
    }
}

/// A property key's static name as an atom, sharing the key's own atom when it has one.
pub(crate) fn prop_atom(key: &PropName) -> Option<Atom> {
    match key {
        PropName::Ident(id) => Some(id.sym.clone()),
        PropName::Str(s) => s.value.as_atom().cloned(),
        _ => prop_name(key).map(Atom::from),
    }
}

/// The canonical dotted name of a module specifier, so `node:fs/promises`, `fs/promises` and
/// `require('fs').promises` all become `fs.promises`, and drop-in forks share their original's name.
pub fn normalize_module(specifier: &str) -> String {
    let s = specifier.strip_prefix("node:").unwrap_or(specifier);
    let s = match s {
        "fs-extra" | "graceful-fs" => "fs",
        "fs-extra/esm" => "fs",
        // Forks and rewrites with the same `hashSync`/`compareSync` API.
        "bcryptjs" | "bcrypt-nodejs" | "@node-rs/bcrypt" => "bcrypt",
        "@hapi/hapi" => "hapi",
        "@koa/router" => "koa-router",
        other => other,
    };
    for base in ["fs", "timers", "stream", "dns", "readline"] {
        if s.strip_prefix(base) == Some("/promises") {
            return format!("{base}.promises");
        }
    }
    s.to_string()
}

/// Whether a module specifier points into the project rather than at a package.
pub(crate) fn is_relative(module: &str) -> bool {
    module.starts_with('.') || module.starts_with('/')
}

/// A short source-like label for an expression, for messages: `fs.promises.readFile`,
/// `this.save`, `fetch(…).then`.
pub fn expr_label(e: &Expr) -> String {
    let mut out = String::new();
    write_label(e, &mut out, 0);
    if out.chars().count() > 60 {
        let cut: String = out.chars().take(57).collect();
        return format!("{cut}…");
    }
    out
}

fn write_label(e: &Expr, out: &mut String, depth: u32) {
    if depth > 8 {
        out.push('…');
        return;
    }
    match unwrap_expr(e) {
        Expr::Ident(i) => out.push_str(&i.sym),
        Expr::This(_) => out.push_str("this"),
        Expr::Member(m) => {
            write_label(&m.obj, out, depth + 1);
            match (member_name(&m.prop), &m.prop) {
                (Some(name), _)
                    if name
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '$') =>
                {
                    out.push('.');
                    out.push_str(name);
                }
                // `this.#storage`
                (_, MemberProp::PrivateName(p)) => {
                    out.push_str(".#");
                    out.push_str(&p.name);
                }
                _ => out.push_str("[…]"),
            }
        }
        Expr::Call(c) => {
            match &c.callee {
                swc_ecma_ast::Callee::Expr(callee) => write_label(callee, out, depth + 1),
                swc_ecma_ast::Callee::Super(_) => out.push_str("super"),
                swc_ecma_ast::Callee::Import(_) => out.push_str("import"),
            }
            out.push_str(if c.args.is_empty() { "()" } else { "(…)" });
        }
        Expr::New(n) => {
            out.push_str("new ");
            write_label(&n.callee, out, depth + 1);
            out.push_str("(…)");
        }
        Expr::Arrow(a) => out.push_str(if a.is_async {
            "async () => …"
        } else {
            "() => …"
        }),
        Expr::Fn(f) => match &f.ident {
            Some(i) => out.push_str(&i.sym),
            None => out.push_str("function"),
        },
        Expr::Lit(Lit::Str(_)) => out.push_str("'…'"),
        Expr::Array(a) => match a.elems.as_slice() {
            [Some(el)] if el.spread.is_some() => {
                out.push_str("[...");
                write_label(&el.expr, out, depth + 1);
                out.push(']');
            }
            _ => out.push_str("[…]"),
        },
        _ => out.push('…'),
    }
}

/// Whether `node` uses the binding `target` anywhere inside it.
pub(crate) fn mentions<N: VisitWith<Finder> + ?Sized>(node: &N, target: &Id) -> bool {
    let mut f = Finder {
        target: target.clone(),
        found: false,
    };
    node.visit_with(&mut f);
    f.found
}

/// The visitor behind [`mentions`].
pub(crate) struct Finder {
    target: Id,
    found: bool,
}

impl Visit for Finder {
    fn visit_ident(&mut self, i: &Ident) {
        self.found |= i.to_id() == self.target;
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_module;

    #[test]
    fn module_names() {
        assert_eq!(normalize_module("node:fs/promises"), "fs.promises");
        assert_eq!(normalize_module("fs"), "fs");
        assert_eq!(normalize_module("node:stream/promises"), "stream.promises");
        assert_eq!(normalize_module("bcryptjs"), "bcrypt");
        assert_eq!(normalize_module("express"), "express");
    }
}
