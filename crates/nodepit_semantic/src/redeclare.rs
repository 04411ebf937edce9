//! Names declared twice where JavaScript forbids it: two lexical declarations (`let`, `const`,
//! `class`, `import`) of one name in one scope, or a lexical declaration that clashes with a
//! `var`, a function or a parameter of that scope. swc parses such code without complaint but
//! Node refuses to load it, so whatever rewrites code (fixes) checks its result with this.
//!
//! It walks the whole program, which the rules never need: only fix verification calls it.

use rustc_hash::FxHashMap;
use swc_atoms::Atom;
use swc_common::Span;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

use crate::model::Model;

/// A name declared a second time in a scope that does not allow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redeclaration {
    /// The name.
    pub name: String,
    /// Byte range of the earlier declaration's name.
    pub first: std::ops::Range<usize>,
    /// Byte range of the later declaration's name.
    pub second: std::ops::Range<usize>,
}

impl Model<'_> {
    /// Every redeclaration in the file, in source order of the later declaration. TypeScript
    /// types, overloads, `declare`d names, namespaces and enums are left out, since they merge;
    /// in TypeScript (`typescript`) an import only clashes with another import, since it may
    /// name a type that a value of the same name sits beside.
    pub fn redeclarations(&self, typescript: bool) -> Vec<Redeclaration> {
        let mut finder = Finder {
            module: matches!(self.program, Program::Module(_)),
            typescript,
            scopes: Vec::new(),
            found: Vec::new(),
        };
        self.program.visit_with(&mut finder);
        let mut out: Vec<Redeclaration> = finder
            .found
            .into_iter()
            .map(|(name, first, second)| Redeclaration {
                name: name.to_string(),
                first: self.range(first),
                second: self.range(second),
            })
            .collect();
        out.sort_by_key(|r| (r.second.start, r.first.start));
        out.dedup();
        out
    }
}

/// How a name was declared, which decides what it may coexist with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `let`, `const`, `using`, `class`.
    Lexical,
    /// An import.
    Import,
    /// A function declaration in a block or at a module's top level. Duplicates of these are
    /// allowed in sloppy-mode blocks, so they are only checked against other kinds.
    BlockFunction,
    /// `var`, or a function declaration at the top of a function or script.
    Var,
    /// A function or catch parameter.
    Param,
}

fn clash(a: Kind, b: Kind, typescript: bool) -> bool {
    use Kind::*;
    match (a, b) {
        (Var | Param, Var | Param) | (BlockFunction, BlockFunction) => false,
        (Import, Import) => true,
        (Import, _) | (_, Import) => !typescript,
        _ => true,
    }
}

#[derive(Default)]
struct Scope {
    /// A function body (or the program, a static block or a namespace): where `var` stops.
    function: bool,
    names: FxHashMap<Atom, Vec<(Kind, Span)>>,
}

struct Finder {
    module: bool,
    typescript: bool,
    scopes: Vec<Scope>,
    found: Vec<(Atom, Span, Span)>,
}

impl Finder {
    fn push(&mut self, function: bool) {
        self.scopes.push(Scope {
            function,
            ..Scope::default()
        });
    }

    fn pop(&mut self) {
        let Some(scope) = self.scopes.pop() else {
            return;
        };
        for (name, decls) in scope.names {
            for (i, (ka, sa)) in decls.iter().enumerate() {
                for (kb, sb) in &decls[i + 1..] {
                    if clash(*ka, *kb, self.typescript) {
                        let (first, second) = if sa.lo <= sb.lo { (sa, sb) } else { (sb, sa) };
                        self.found.push((name.clone(), *first, *second));
                    }
                }
            }
        }
    }

    fn declare(&mut self, id: &Ident, kind: Kind) {
        if kind == Kind::Var {
            // `var` belongs to the function, but also clashes with `let` in every block it
            // passes through on the way there.
            for scope in self.scopes.iter_mut().rev() {
                scope
                    .names
                    .entry(id.sym.clone())
                    .or_default()
                    .push((kind, id.span));
                if scope.function {
                    break;
                }
            }
        } else if let Some(scope) = self.scopes.last_mut() {
            scope
                .names
                .entry(id.sym.clone())
                .or_default()
                .push((kind, id.span));
        }
    }

    fn declare_pat(&mut self, pat: &Pat, kind: Kind) {
        let mut ids = Vec::new();
        binding_idents(pat, &mut ids);
        for id in ids {
            self.declare(id, kind);
        }
    }

    /// Whether the current scope is a function's (or the program's) own top level.
    fn at_function_top(&self) -> bool {
        self.scopes.last().is_some_and(|s| s.function)
    }

    fn stmts(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            s.visit_with(self);
        }
    }
}

fn binding_idents<'p>(pat: &'p Pat, out: &mut Vec<&'p Ident>) {
    match pat {
        Pat::Ident(b) => out.push(&b.id),
        Pat::Array(a) => {
            for p in a.elems.iter().flatten() {
                binding_idents(p, out);
            }
        }
        Pat::Object(o) => {
            for p in &o.props {
                match p {
                    ObjectPatProp::KeyValue(kv) => binding_idents(&kv.value, out),
                    ObjectPatProp::Assign(a) => out.push(&a.key.id),
                    ObjectPatProp::Rest(r) => binding_idents(&r.arg, out),
                }
            }
        }
        Pat::Rest(r) => binding_idents(&r.arg, out),
        Pat::Assign(a) => binding_idents(&a.left, out),
        Pat::Expr(_) | Pat::Invalid(_) => {}
    }
}

impl Visit for Finder {
    fn visit_module(&mut self, m: &Module) {
        self.push(true);
        m.visit_children_with(self);
        self.pop();
    }

    fn visit_script(&mut self, s: &Script) {
        self.push(true);
        s.visit_children_with(self);
        self.pop();
    }

    fn visit_function(&mut self, f: &Function) {
        self.push(true);
        for p in &f.params {
            self.declare_pat(&p.pat, Kind::Param);
        }
        f.decorators.visit_with(self);
        f.params.visit_with(self);
        if let Some(body) = &f.body {
            self.stmts(&body.stmts);
        }
        self.pop();
    }

    fn visit_constructor(&mut self, c: &Constructor) {
        self.push(true);
        for p in &c.params {
            match p {
                ParamOrTsParamProp::Param(p) => self.declare_pat(&p.pat, Kind::Param),
                ParamOrTsParamProp::TsParamProp(p) => match &p.param {
                    TsParamPropParam::Ident(b) => self.declare(&b.id, Kind::Param),
                    TsParamPropParam::Assign(a) => self.declare_pat(&a.left, Kind::Param),
                },
            }
        }
        c.params.visit_with(self);
        if let Some(body) = &c.body {
            self.stmts(&body.stmts);
        }
        self.pop();
    }

    fn visit_arrow_expr(&mut self, a: &ArrowExpr) {
        self.push(true);
        for p in &a.params {
            self.declare_pat(p, Kind::Param);
        }
        a.params.visit_with(self);
        match &*a.body {
            ArrowFunctionBody::FunctionBody(b) => self.stmts(&b.stmts),
            ArrowFunctionBody::Expr(e) => e.visit_with(self),
        }
        self.pop();
    }

    fn visit_static_block(&mut self, b: &StaticBlock) {
        self.push(true);
        self.stmts(&b.body.stmts);
        self.pop();
    }

    fn visit_block_stmt(&mut self, b: &BlockStmt) {
        self.push(false);
        self.stmts(&b.stmts);
        self.pop();
    }

    fn visit_catch_clause(&mut self, c: &CatchClause) {
        // The parameter and the block's own declarations share one scope.
        self.push(false);
        if let Some(p) = &c.param {
            self.declare_pat(p, Kind::Param);
            p.visit_with(self);
        }
        self.stmts(&c.body.stmts);
        self.pop();
    }

    fn visit_for_stmt(&mut self, s: &ForStmt) {
        self.push(false);
        s.visit_children_with(self);
        self.pop();
    }

    fn visit_for_in_stmt(&mut self, s: &ForInStmt) {
        self.push(false);
        s.visit_children_with(self);
        self.pop();
    }

    fn visit_for_of_stmt(&mut self, s: &ForOfStmt) {
        self.push(false);
        s.visit_children_with(self);
        self.pop();
    }

    fn visit_switch_stmt(&mut self, s: &SwitchStmt) {
        s.discriminant.visit_with(self);
        self.push(false);
        s.cases.visit_with(self);
        self.pop();
    }

    fn visit_var_decl(&mut self, v: &VarDecl) {
        if v.declare {
            return;
        }
        let kind = match v.kind {
            VarDeclKind::Var => Kind::Var,
            VarDeclKind::Let | VarDeclKind::Const => Kind::Lexical,
        };
        for d in &v.decls {
            self.declare_pat(&d.name, kind);
        }
        v.decls.visit_with(self);
    }

    fn visit_using_decl(&mut self, u: &UsingDecl) {
        for d in &u.decls {
            self.declare_pat(&d.name, Kind::Lexical);
        }
        u.decls.visit_with(self);
    }

    fn visit_fn_decl(&mut self, f: &FnDecl) {
        // Overloads and `declare function` have no body and merge with the implementation.
        if f.declare || f.function.body.is_none() {
            return;
        }
        let top_of_module = self.module && self.scopes.len() == 1;
        let kind = if self.at_function_top() && !top_of_module {
            Kind::Var
        } else {
            Kind::BlockFunction
        };
        self.declare(&f.ident, kind);
        f.function.visit_with(self);
    }

    fn visit_class_decl(&mut self, c: &ClassDecl) {
        if c.declare {
            return;
        }
        self.declare(&c.ident, Kind::Lexical);
        c.class.visit_with(self);
    }

    fn visit_import_decl(&mut self, i: &ImportDecl) {
        if i.type_only {
            return;
        }
        for s in &i.specifiers {
            match s {
                ImportSpecifier::Named(n) if !n.is_type_only => {
                    self.declare(&n.local, Kind::Import)
                }
                ImportSpecifier::Named(_) => {}
                ImportSpecifier::Default(d) => self.declare(&d.local, Kind::Import),
                ImportSpecifier::Namespace(n) => self.declare(&n.local, Kind::Import),
            }
        }
    }

    fn visit_ts_import_equals_decl(&mut self, d: &TsImportEqualsDecl) {
        if !d.is_type_only {
            self.declare(&d.id, Kind::Import);
        }
    }

    fn visit_export_default_decl(&mut self, d: &ExportDefaultDecl) {
        match &d.decl {
            DefaultDecl::Class(c) => {
                if let Some(id) = &c.ident {
                    self.declare(id, Kind::Lexical);
                }
            }
            DefaultDecl::Fn(f) => {
                if let (Some(id), Some(_)) = (&f.ident, &f.function.body) {
                    self.declare(id, Kind::BlockFunction);
                }
            }
            DefaultDecl::TsInterfaceDecl(_) => {}
        }
        d.visit_children_with(self);
    }

    fn visit_ts_module_decl(&mut self, m: &TsModuleDecl) {
        if m.declare {
            return;
        }
        self.push(true);
        m.body.visit_with(self);
        self.pop();
    }
}

#[cfg(test)]
mod tests {
    use crate::{analyze, SourceType};

    fn names(src: &str, source_type: SourceType) -> Vec<String> {
        analyze(src, source_type, |model, errors, _| {
            assert!(errors.is_empty(), "{errors:?}");
            model
                .expect("parses")
                .redeclarations(source_type == SourceType::Ts)
                .into_iter()
                .map(|r| r.name)
                .collect()
        })
    }

    fn js(src: &str) -> Vec<String> {
        names(src, SourceType::Js)
    }

    #[test]
    fn two_consts_of_one_name_in_one_scope() {
        assert_eq!(
            js("const { pipeline } = require('node:stream');
                const { pipeline } = require('node:stream/promises');"),
            ["pipeline"]
        );
        let found = analyze("let a = 1;\nlet a = 2;\n", SourceType::Js, |m, _, _| {
            m.expect("parses").redeclarations(false)
        });
        assert_eq!(found[0].first, 4..5);
        assert_eq!(found[0].second, 15..16);
    }

    #[test]
    fn imports_clash_with_declarations() {
        let esm = "import { pipeline } from 'node:stream';
                   import { pipeline } from 'node:stream/promises';
                   import fs from 'fs';
                   function fs() {}
                   import { join } from 'path';
                   class join {}";
        assert_eq!(names(esm, SourceType::Mjs), ["pipeline", "fs", "join"]);
    }

    #[test]
    fn lexical_names_clash_with_vars_functions_and_parameters() {
        assert_eq!(
            js("let a; var a;
                function b() {} const b = 1;
                function f(c) { let c; }
                function g() { let d; { var d; } }
                try {} catch (e) { let e; }
                class h {} var h;"),
            ["a", "b", "c", "d", "e", "h"]
        );
    }

    #[test]
    fn what_javascript_allows_is_not_reported() {
        assert_eq!(
            js("var a; var a;
                function b() {} var b; function b() {}
                function f(c) { var c; function c() {} }
                function g() { let d; } function h() { let d; }
                let e; { let e; } function k(e) { { let e; } }
                for (let i = 0; i < 1; i++) { let i; }
                for (const x of []) { const x = 1; }
                try {} catch (err) { var err; }
                if (a) { function m() {} function m() {} }
                const n = function n() { const n = 1; };
                switch (a) { case 1: { let p; } break; case 2: { let p; } }"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn typescript_merges_are_not_redeclarations() {
        let ts = "function over(a: string): void;
                  function over(a: number): void;
                  function over(a: unknown) {}
                  class Box {}
                  interface Box { size: number }
                  enum Color { Red }
                  namespace Color { export const x = 1; }
                  type Id = string;
                  const Id = 'id';
                  declare const env: string;
                  const env2 = env;";
        assert_eq!(names(ts, SourceType::Ts), Vec::<String>::new());
        // The import may be a type only (a Prisma model, say), which a value may sit beside.
        assert_eq!(
            names(
                "import { Row as row } from './db';\nconst row: row = { id: 1 };\nexport {};",
                SourceType::Ts
            ),
            Vec::<String>::new()
        );
        assert_eq!(
            names(
                "import { pipeline } from 'stream';\nimport { pipeline } from 'stream/promises';\nexport {};",
                SourceType::Ts
            ),
            ["pipeline"]
        );
    }

    #[test]
    fn switch_cases_share_one_scope() {
        assert_eq!(
            js("switch (x) { case 1: let a = 1; break; case 2: let a = 2; }"),
            ["a"]
        );
    }
}
