//! Module resolution against an in-memory file system: one small project per case.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use nodepit_project::{FileSystem, Resolver};

/// Files by absolute path; folders exist implicitly.
#[derive(Default)]
struct MemFs(RwLock<BTreeMap<PathBuf, String>>);

impl MemFs {
    fn set(&self, path: &str, text: &str) {
        self.0.write().unwrap().insert(path.into(), text.into());
    }
}

impl FileSystem for MemFs {
    fn is_file(&self, path: &Path) -> bool {
        self.0.read().unwrap().contains_key(path)
    }

    fn read_to_string(&self, path: &Path) -> Option<String> {
        self.0.read().unwrap().get(path).cloned()
    }
}

/// A resolver over `files` (`(path, text)`), with every folder holding a named package.json
/// registered as a workspace package.
fn project(files: &[(&str, &str)]) -> (Resolver, Arc<MemFs>) {
    let fs = Arc::new(MemFs::default());
    for (path, text) in files {
        fs.set(path, text);
    }
    let mut resolver = Resolver::new(fs.clone());
    for (path, _) in files {
        if let Some(dir) = path.strip_suffix("/package.json") {
            resolver.add_package(Path::new(dir));
        }
    }
    (resolver, fs)
}

/// What `specifier`, written in `from`, resolves to, as a string for short assertions.
fn resolve(resolver: &Resolver, from: &str, specifier: &str) -> Option<String> {
    let found = resolver.resolve(Path::new(from), specifier)?;
    Some(found.to_string_lossy().into_owned())
}

#[track_caller]
fn check(files: &[(&str, &str)], from: &str, cases: &[(&str, Option<&str>)]) {
    let (resolver, _) = project(files);
    for (specifier, expected) in cases {
        let found = resolve(&resolver, from, specifier);
        assert_eq!(found.as_deref(), *expected, "{specifier} from {from}");
    }
}

#[test]
fn relative_files_extensions_and_index() {
    let files = [
        ("/app/src/main.js", ""),
        ("/app/src/a.js", ""),
        ("/app/src/b.ts", ""),
        ("/app/src/b.js", ""),
        ("/app/src/c.mjs", ""),
        ("/app/src/user.service.ts", ""),
        ("/app/src/data.json", "{}"),
        ("/app/src/routes/index.js", ""),
        ("/app/src/lib/util.cjs", ""),
        ("/app/src/config", "extensionless"),
        ("/app/src/config.js", ""),
        ("/app/index.ts", ""),
        ("/abs/x.tsx", ""),
    ];
    check(
        &files,
        "/app/src/main.js",
        &[
            ("./a", Some("/app/src/a.js")),
            ("./a.js", Some("/app/src/a.js")),
            // Both exist: the TypeScript source wins.
            ("./b", Some("/app/src/b.ts")),
            // Written with its extension: that exact file.
            ("./b.js", Some("/app/src/b.js")),
            ("./c", Some("/app/src/c.mjs")),
            // A dot inside the name is not an extension.
            ("./user.service", Some("/app/src/user.service.ts")),
            ("./data.json", Some("/app/src/data.json")),
            ("./routes", Some("/app/src/routes/index.js")),
            ("./routes/", Some("/app/src/routes/index.js")),
            ("./lib/../lib/util", Some("/app/src/lib/util.cjs")),
            ("./config", Some("/app/src/config")),
            ("..", Some("/app/index.ts")),
            ("../index", Some("/app/index.ts")),
            (".", None),
            ("/abs/x", Some("/abs/x.tsx")),
            ("./missing", None),
            ("./a.js?raw", None),
            ("./b?worker", None),
        ],
    );
}

#[test]
fn javascript_written_imports_of_typescript_files() {
    let files = [
        ("/app/src/main.ts", ""),
        ("/app/src/a.ts", ""),
        ("/app/src/view.tsx", ""),
        ("/app/src/esm.mts", ""),
        ("/app/src/cjs.cts", ""),
        ("/app/src/both.ts", ""),
        ("/app/src/both.js", ""),
    ];
    check(
        &files,
        "/app/src/main.ts",
        &[
            ("./a.js", Some("/app/src/a.ts")),
            ("./view.js", Some("/app/src/view.tsx")),
            ("./view.jsx", Some("/app/src/view.tsx")),
            ("./esm.mjs", Some("/app/src/esm.mts")),
            ("./cjs.cjs", Some("/app/src/cjs.cts")),
            ("./both.js", Some("/app/src/both.js")),
            ("./esm.js", None),
        ],
    );
}

#[test]
fn folder_main_is_probed_like_a_file() {
    let files = [
        ("/app/main.js", ""),
        ("/app/plugin/package.json", r#"{ "main": "./lib/entry" }"#),
        ("/app/plugin/lib/entry.js", ""),
        ("/app/plugin/index.js", ""),
        ("/app/folder/package.json", r#"{ "main": "dist/index.js" }"#),
        ("/app/folder/src/index.ts", ""),
        ("/app/broken/package.json", r#"{ "main": "nowhere.js" }"#),
        ("/app/broken/index.js", ""),
        ("/app/loop/package.json", r#"{ "main": "." }"#),
        (
            "/app/loop/inner/package.json",
            r#"{ "main": "../../loop" }"#,
        ),
    ];
    check(
        &files,
        "/app/main.js",
        &[
            ("./plugin", Some("/app/plugin/lib/entry.js")),
            ("./folder", Some("/app/folder/src/index.ts")),
            ("./broken", Some("/app/broken/index.js")),
            ("./loop", None),
            ("./loop/inner", None),
        ],
    );
}

#[test]
fn declarations_and_node_modules_are_never_returned() {
    let files = [
        ("/app/src/main.ts", ""),
        ("/app/src/types.d.ts", ""),
        ("/app/src/shapes.d.ts", ""),
        ("/app/src/decl/index.d.ts", ""),
        ("/app/node_modules/express/index.js", ""),
        (
            "/app/node_modules/express/package.json",
            r#"{ "name": "express" }"#,
        ),
    ];
    check(
        &files,
        "/app/src/main.ts",
        &[
            ("./types.d.ts", None),
            ("./types", None),
            ("./shapes.d", None),
            ("./decl", None),
            ("../node_modules/express", None),
            ("../node_modules/express/index.js", None),
            ("express", None),
        ],
    );
}

#[test]
fn builtins_and_third_party_packages_resolve_to_nothing() {
    let files = [
        (
            "/app/tsconfig.json",
            r#"{ "compilerOptions": { "baseUrl": "." } }"#,
        ),
        ("/app/main.ts", ""),
        // A file named like a built-in beside baseUrl must not capture `fs`.
        ("/app/fs.ts", ""),
        ("/app/events/index.ts", ""),
    ];
    check(
        &files,
        "/app/main.ts",
        &[
            ("fs", None),
            ("node:fs", None),
            ("fs/promises", None),
            ("node:fs/promises", None),
            ("node:test", None),
            ("events", None),
            ("express", None),
            ("@nestjs/common", None),
            ("@scope", None),
            ("", None),
        ],
    );
}

const SHARED: &str = r#"{
  "name": "@acme/shared",
  "exports": {
    ".": { "types": "./dist/index.d.ts", "import": "./dist/esm/index.js", "require": "./dist/cjs/index.js" },
    "./utils": "./dist/utils.js",
    "./config/*": { "node": { "import": "./dist/config/*.mjs", "default": "./dist/config/*.js" } },
    "./internal/*": null,
    "./package.json": "./package.json"
  }
}"#;

#[test]
fn workspace_package_exports_fall_back_to_sources_when_not_built() {
    let files = [
        ("/repo/apps/api/src/main.ts", ""),
        ("/repo/packages/shared/package.json", SHARED),
        ("/repo/packages/shared/src/index.ts", ""),
        ("/repo/packages/shared/src/utils.ts", ""),
        ("/repo/packages/shared/src/config/db.ts", ""),
        ("/repo/packages/shared/src/internal/secret.ts", ""),
        ("/repo/packages/shared/src/other.ts", ""),
    ];
    check(
        &files,
        "/repo/apps/api/src/main.ts",
        &[
            ("@acme/shared", Some("/repo/packages/shared/src/index.ts")),
            (
                "@acme/shared/utils",
                Some("/repo/packages/shared/src/utils.ts"),
            ),
            (
                "@acme/shared/config/db",
                Some("/repo/packages/shared/src/config/db.ts"),
            ),
            // Not exported: the file itself, as TypeScript's older resolution would find it.
            (
                "@acme/shared/src/other",
                Some("/repo/packages/shared/src/other.ts"),
            ),
            ("@acme/shared/missing", None),
            (
                "@acme/shared/package.json",
                Some("/repo/packages/shared/package.json"),
            ),
        ],
    );
}

#[test]
fn workspace_package_exports_prefer_built_files_that_exist() {
    let files = [
        ("/repo/apps/api/main.js", ""),
        ("/repo/packages/shared/package.json", SHARED),
        ("/repo/packages/shared/dist/esm/index.js", ""),
        ("/repo/packages/shared/dist/cjs/index.js", ""),
        ("/repo/packages/shared/dist/config/db.mjs", ""),
        ("/repo/packages/shared/dist/config/db.js", ""),
        ("/repo/packages/shared/src/index.ts", ""),
    ];
    check(
        &files,
        "/repo/apps/api/main.js",
        &[
            // `import` before `require`; `types` only as a last hint.
            (
                "@acme/shared",
                Some("/repo/packages/shared/dist/esm/index.js"),
            ),
            // Nested `node` conditions: `import` before `default`.
            (
                "@acme/shared/config/db",
                Some("/repo/packages/shared/dist/config/db.mjs"),
            ),
        ],
    );
}

#[test]
fn exports_shapes() {
    let files = [
        ("/w/app.js", ""),
        (
            "/w/p/str/package.json",
            r#"{ "name": "str", "exports": "./main.js" }"#,
        ),
        ("/w/p/str/main.js", ""),
        (
            "/w/p/cond/package.json",
            r#"{ "name": "cond", "exports": { "require": "./c.cjs", "default": "./d.js" } }"#,
        ),
        ("/w/p/cond/c.cjs", ""),
        ("/w/p/cond/d.js", ""),
        (
            "/w/p/list/package.json",
            r#"{ "name": "list", "exports": { ".": ["./missing.js", "./found.js"] } }"#,
        ),
        ("/w/p/list/found.js", ""),
        (
            "/w/p/star/package.json",
            r#"{ "name": "star", "exports": { "./*": "./lib/*.js", "./features/*": "./feat/*/index.js" } }"#,
        ),
        ("/w/p/star/lib/a.js", ""),
        ("/w/p/star/lib/b/c.js", ""),
        ("/w/p/star/feat/x/index.js", ""),
        (
            "/w/p/types/package.json",
            r#"{ "name": "types-only", "exports": { ".": { "types": "./dist/index.d.ts" } } }"#,
        ),
        ("/w/p/types/src/index.ts", ""),
    ];
    check(
        &files,
        "/w/app.js",
        &[
            ("str", Some("/w/p/str/main.js")),
            ("cond", Some("/w/p/cond/c.cjs")),
            ("list", Some("/w/p/list/found.js")),
            ("star/a", Some("/w/p/star/lib/a.js")),
            ("star/b/c", Some("/w/p/star/lib/b/c.js")),
            // The longest prefix wins over `./*`.
            ("star/features/x", Some("/w/p/star/feat/x/index.js")),
            ("types-only", Some("/w/p/types/src/index.ts")),
        ],
    );
}

#[test]
fn workspace_package_main_module_types_and_index() {
    let files = [
        ("/w/app.js", ""),
        (
            "/w/main/package.json",
            r#"{ "name": "by-main", "main": "lib/server.js" }"#,
        ),
        ("/w/main/lib/server.js", ""),
        (
            "/w/module/package.json",
            r#"{ "name": "by-module", "module": "./esm/index.mjs" }"#,
        ),
        ("/w/module/esm/index.mjs", ""),
        (
            "/w/unbuilt/package.json",
            r#"{ "name": "unbuilt", "main": "dist/index.js" }"#,
        ),
        ("/w/unbuilt/src/index.ts", ""),
        (
            "/w/rootdir/package.json",
            r#"{ "name": "rootdir", "main": "build/src/index.js" }"#,
        ),
        ("/w/rootdir/src/index.ts", ""),
        (
            "/w/typed/package.json",
            r#"{ "name": "typed", "types": "dist/server.d.ts" }"#,
        ),
        ("/w/typed/src/server.ts", ""),
        ("/w/plain/package.json", r#"{ "name": "plain" }"#),
        ("/w/plain/index.js", ""),
        ("/w/plain/helpers/date.js", ""),
        (
            "/w/srcidx/package.json",
            r#"{ "name": "srcidx", "main": "out/main.js" }"#,
        ),
        ("/w/srcidx/src/index.tsx", ""),
        (
            "/w/sub/package.json",
            r#"{ "name": "sub", "main": "lib/index.js" }"#,
        ),
        ("/w/sub/src/models/user.ts", ""),
    ];
    check(
        &files,
        "/w/app.js",
        &[
            ("by-main", Some("/w/main/lib/server.js")),
            ("by-module", Some("/w/module/esm/index.mjs")),
            ("unbuilt", Some("/w/unbuilt/src/index.ts")),
            ("rootdir", Some("/w/rootdir/src/index.ts")),
            ("typed", Some("/w/typed/src/server.ts")),
            ("plain", Some("/w/plain/index.js")),
            ("plain/helpers/date", Some("/w/plain/helpers/date.js")),
            ("srcidx", Some("/w/srcidx/src/index.tsx")),
            ("sub/lib/models/user", Some("/w/sub/src/models/user.ts")),
        ],
    );
}

#[test]
fn package_imports_map() {
    let files = [
        (
            "/app/package.json",
            r##"{ "imports": { "#db": "./src/db/index.js", "#lib/*": { "node": "./src/lib/*.js" }, "#dep": "some-package" } }"##,
        ),
        ("/app/src/db/index.ts", ""),
        ("/app/src/lib/mail.js", ""),
        ("/app/src/routes/users.js", ""),
    ];
    check(
        &files,
        "/app/src/routes/users.js",
        &[
            ("#db", Some("/app/src/db/index.ts")),
            ("#lib/mail", Some("/app/src/lib/mail.js")),
            ("#dep", None),
            ("#missing", None),
        ],
    );
}

const TSCONFIG_JSONC: &str = r#"{
  // The server's paths.
  "extends": "./tsconfig.base",
  "compilerOptions": {
    /* "paths": { "@/*": ["nowhere/*"] }, */
    "baseUrl": ".",
    "paths": {
      "@/*": ["src/*"],
      "@models/*": ["src/generated/*", "src/models/*",],
      "@config": ["src/config/index.ts"],
      "@schemas/*": ["https://example.com/*"],
      "@vendor/*": ["node_modules/*"],
    },
  },
}"#;

#[test]
fn tsconfig_paths_and_base_url() {
    let files = [
        ("/app/tsconfig.json", TSCONFIG_JSONC),
        (
            "/app/tsconfig.base.json",
            r#"{ "compilerOptions": { "strict": true } }"#,
        ),
        ("/app/src/server.ts", ""),
        ("/app/src/lib/db.ts", ""),
        ("/app/src/models/user.ts", ""),
        ("/app/src/generated/post.ts", ""),
        ("/app/src/config/index.ts", ""),
        ("/app/node_modules/left-pad/index.js", ""),
    ];
    check(
        &files,
        "/app/src/server.ts",
        &[
            ("@/lib/db", Some("/app/src/lib/db.ts")),
            // Several targets, tried in order.
            ("@models/post", Some("/app/src/generated/post.ts")),
            ("@models/user", Some("/app/src/models/user.ts")),
            ("@config", Some("/app/src/config/index.ts")),
            ("@models/x", None),
            ("@vendor/left-pad", None),
            // Plain baseUrl imports.
            ("src/lib/db", Some("/app/src/lib/db.ts")),
            ("src/models/user.js", Some("/app/src/models/user.ts")),
            ("lodash", None),
        ],
    );
}

#[test]
fn paths_without_base_url_are_relative_to_the_declaring_tsconfig() {
    let files = [
        (
            "/repo/tsconfig.base.json",
            r#"{ "compilerOptions": { "paths": { "~/*": ["./app/src/*"] } } }"#,
        ),
        (
            "/repo/app/tsconfig.json",
            r#"{ "extends": "../tsconfig.base.json" }"#,
        ),
        ("/repo/app/src/deep/file.ts", ""),
        ("/repo/app/src/util.ts", ""),
    ];
    check(
        &files,
        "/repo/app/src/deep/file.ts",
        &[("~/util", Some("/repo/app/src/util.ts"))],
    );
}

#[test]
fn extends_chains_arrays_overrides_and_workspace_bases() {
    let files = [
        (
            "/repo/packages/tsconfig/package.json",
            r#"{ "name": "@acme/tsconfig" }"#,
        ),
        (
            "/repo/packages/tsconfig/base.json",
            r#"{ "compilerOptions": { "baseUrl": "../..", "paths": { "@old/*": ["old/*"] } } }"#,
        ),
        (
            "/repo/configs/paths.json",
            r#"{ "compilerOptions": { "paths": { "@lib/*": ["libs/*"] } } }"#,
        ),
        (
            "/repo/configs/base.json",
            r#"{ "extends": "./paths.json" }"#,
        ),
        (
            "/repo/app/tsconfig.json",
            r#"{ "extends": ["@acme/tsconfig/base.json", "@tsconfig/node20/tsconfig.json", "../configs/base.json"] }"#,
        ),
        ("/repo/app/main.ts", ""),
        ("/repo/libs/log.ts", ""),
        ("/repo/old/thing.ts", ""),
    ];
    check(
        &files,
        "/repo/app/main.ts",
        &[
            // Paths from the later base, relative to the baseUrl of the earlier one.
            ("@lib/log", Some("/repo/libs/log.ts")),
            // The later base's paths replace the earlier's entirely.
            ("@old/thing", None),
        ],
    );
}

#[test]
fn the_nearest_tsconfig_governs_even_without_paths() {
    let files = [
        (
            "/repo/tsconfig.json",
            r#"{ "compilerOptions": { "paths": { "@/*": ["./src/*"] } } }"#,
        ),
        ("/repo/src/a.ts", ""),
        ("/repo/src/main.ts", ""),
        ("/repo/tools/tsconfig.json", "{}"),
        ("/repo/tools/gen.ts", ""),
        (
            "/web/jsconfig.json",
            r#"{ "compilerOptions": { "baseUrl": "src" } }"#,
        ),
        ("/web/src/components/button.jsx", ""),
        ("/web/src/app.js", ""),
    ];
    check(
        &files,
        "/repo/src/main.ts",
        &[("@/a", Some("/repo/src/a.ts"))],
    );
    check(&files, "/repo/tools/gen.ts", &[("@/a", None)]);
    check(
        &files,
        "/web/src/app.js",
        &[("components/button", Some("/web/src/components/button.jsx"))],
    );
}

#[test]
fn paths_come_before_packages_and_base_url_after() {
    let files = [
        (
            "/repo/tsconfig.json",
            r#"{ "compilerOptions": { "baseUrl": ".", "paths": { "@acme/ui": ["./packages/ui/src/index.ts"] } } }"#,
        ),
        (
            "/repo/packages/ui/package.json",
            r#"{ "name": "@acme/ui", "main": "dist/index.js" }"#,
        ),
        ("/repo/packages/ui/dist/index.js", ""),
        ("/repo/packages/ui/src/index.ts", ""),
        (
            "/repo/packages/db/package.json",
            r#"{ "name": "db", "main": "main.js" }"#,
        ),
        ("/repo/packages/db/main.js", ""),
        // Under baseUrl, but `db` is the workspace package.
        ("/repo/db/index.ts", ""),
        ("/repo/apps/web/page.ts", ""),
    ];
    check(
        &files,
        "/repo/apps/web/page.ts",
        &[
            ("@acme/ui", Some("/repo/packages/ui/src/index.ts")),
            ("db", Some("/repo/packages/db/main.js")),
        ],
    );
}

#[test]
fn malformed_json_is_treated_as_absent() {
    let files = [
        (
            "/repo/package.json",
            r#"{ "type": "module", "dependencies": { "express": "^4.18.2" } }"#,
        ),
        (
            "/repo/tsconfig.json",
            r#"{ "compilerOptions": { "paths": { "@/*": ["./src/*"] } } }"#,
        ),
        ("/repo/app/package.json", r#"{ "type": "commonjs", "#),
        (
            "/repo/app/tsconfig.json",
            r#"{ "compilerOptions": { "paths": "#,
        ),
        ("/repo/app/src/main.ts", ""),
        ("/repo/src/x.ts", ""),
        ("/repo/pkg/package.json", "not json at all"),
        ("/repo/pkg/index.js", ""),
        (
            "/repo/weird/package.json",
            r#"{ "main": 42, "exports": [null, 7, { "default": { "node": [] } }] }"#,
        ),
        ("/repo/weird/index.js", ""),
        (
            "/repo/odd/tsconfig.json",
            r#"{ "extends": 3, "compilerOptions": { "baseUrl": [], "paths": { "@/*": 9 } } }"#,
        ),
        ("/repo/odd/a.ts", ""),
    ];
    let (resolver, _) = project(&files);
    let main = Path::new("/repo/app/src/main.ts");
    assert_eq!(
        resolve(&resolver, "/repo/app/src/main.ts", "@/x").as_deref(),
        Some("/repo/src/x.ts")
    );
    assert!(resolver.is_esm_package(main));
    assert_eq!(
        resolver.dependency_version(main, "express").as_deref(),
        Some("^4.18.2")
    );
    assert_eq!(
        resolve(&resolver, "/repo/app/src/main.ts", "../../pkg").as_deref(),
        Some("/repo/pkg/index.js")
    );
    assert_eq!(
        resolve(&resolver, "/repo/app/src/main.ts", "../../weird").as_deref(),
        Some("/repo/weird/index.js")
    );
    assert_eq!(resolve(&resolver, "/repo/odd/a.ts", "@/a"), None);
}

#[test]
fn extends_cycles_end() {
    let files = [
        (
            "/repo/tsconfig.json",
            r#"{ "extends": "./a.json", "compilerOptions": { "baseUrl": "." } }"#,
        ),
        (
            "/repo/a.json",
            r#"{ "extends": ["./b.json", "./tsconfig.json"], "compilerOptions": { "paths": { "@/*": ["src/*"] } } }"#,
        ),
        ("/repo/b.json", r#"{ "extends": "./a" }"#),
        ("/repo/self.json", r#"{ "extends": "./self.json" }"#),
        ("/repo/sub/tsconfig.json", r#"{ "extends": "../self" }"#),
        ("/repo/src/main.ts", ""),
        ("/repo/src/db.ts", ""),
        ("/repo/sub/x.ts", ""),
    ];
    check(
        &files,
        "/repo/src/main.ts",
        &[("@/db", Some("/repo/src/db.ts"))],
    );
    check(&files, "/repo/sub/x.ts", &[("@/db", None)]);
}

#[test]
fn module_type_and_dependency_versions_come_from_the_nearest_package_json() {
    let files = [
        (
            "/repo/package.json",
            r#"{ "type": "module", "dependencies": { "express": "^4.18.2" }, "devDependencies": { "jest": "29" },
                 "peerDependencies": { "react": ">=18" }, "optionalDependencies": { "fsevents": "*" } }"#,
        ),
        (
            "/repo/legacy/package.json",
            r#"{ "dependencies": { "express": "~3.21.0", "koa": 2 } }"#,
        ),
        ("/repo/src/app.js", ""),
        ("/repo/legacy/app.js", ""),
    ];
    let (resolver, _) = project(&files);
    let app = Path::new("/repo/src/app.js");
    let legacy = Path::new("/repo/legacy/app.js");
    assert!(resolver.is_esm_package(app));
    assert!(!resolver.is_esm_package(legacy));
    assert!(!resolver.is_esm_package(Path::new("/elsewhere/x.js")));
    let version = |file: &Path, name: &str| resolver.dependency_version(file, name);
    assert_eq!(version(app, "express").as_deref(), Some("^4.18.2"));
    assert_eq!(version(app, "jest").as_deref(), Some("29"));
    assert_eq!(version(app, "react").as_deref(), Some(">=18"));
    assert_eq!(version(app, "fsevents").as_deref(), Some("*"));
    assert_eq!(version(legacy, "express").as_deref(), Some("~3.21.0"));
    // Not listed nearby (or not a string there): the next package.json up that lists it.
    assert_eq!(version(legacy, "jest").as_deref(), Some("29"));
    assert_eq!(version(legacy, "koa"), None);
    assert_eq!(version(app, "fastify"), None);
}

#[test]
fn invalidate_rereads_changed_configs() {
    let files = [
        ("/repo/package.json", r#"{ "type": "commonjs" }"#),
        (
            "/repo/tsconfig.json",
            r#"{ "compilerOptions": { "paths": { "@/*": ["./a/*"] } } }"#,
        ),
        ("/repo/a/x.ts", ""),
        ("/repo/b/x.ts", ""),
        ("/repo/main.ts", ""),
    ];
    let (resolver, fs) = project(&files);
    let main = Path::new("/repo/main.ts");
    assert!(!resolver.is_esm_package(main));
    assert_eq!(
        resolve(&resolver, "/repo/main.ts", "@/x").as_deref(),
        Some("/repo/a/x.ts")
    );
    fs.set("/repo/package.json", r#"{ "type": "module" }"#);
    fs.set(
        "/repo/tsconfig.json",
        r#"{ "compilerOptions": { "paths": { "@/*": ["./b/*"] } } }"#,
    );
    // Cached until told.
    assert!(!resolver.is_esm_package(main));
    resolver.invalidate();
    assert!(resolver.is_esm_package(main));
    assert_eq!(
        resolve(&resolver, "/repo/main.ts", "@/x").as_deref(),
        Some("/repo/b/x.ts")
    );
}

#[test]
fn concurrent_use_gives_the_same_answers() {
    let files = [
        ("/repo/tsconfig.json", TSCONFIG_JSONC),
        ("/repo/src/models/user.ts", ""),
        ("/repo/src/lib/db.ts", ""),
        ("/repo/src/main.ts", ""),
    ];
    let (resolver, _) = project(&files);
    let answers: Vec<_> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    (
                        resolve(&resolver, "/repo/src/main.ts", "@/lib/db"),
                        resolve(&resolver, "/repo/src/main.ts", "@models/user"),
                    )
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    for answer in answers {
        assert_eq!(answer.0.as_deref(), Some("/repo/src/lib/db.ts"));
        assert_eq!(answer.1.as_deref(), Some("/repo/src/models/user.ts"));
    }
}

#[test]
fn discover_packages_walks_the_disk_respecting_gitignore_and_skipping_node_modules() {
    let root = std::env::temp_dir().join(format!("nodepit-resolve-{}", std::process::id()));
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(".gitignore", "dist/\n");
    write("package.json", r#"{ "name": "root-app", "private": true }"#);
    write(
        "packages/shared/package.json",
        r#"{ "name": "@acme/shared", "main": "lib/index.js" }"#,
    );
    write("packages/shared/lib/index.js", "");
    write(
        "packages/deep/a/b/c/package.json",
        r#"{ "name": "deep", "main": "x.js" }"#,
    );
    write("packages/deep/a/b/c/x.js", "");
    write(
        "dist/shared/package.json",
        r#"{ "name": "@acme/shared", "main": "copy.js" }"#,
    );
    write("dist/shared/copy.js", "");
    write(
        "node_modules/express/package.json",
        r#"{ "name": "express", "main": "index.js" }"#,
    );
    write("node_modules/express/index.js", "");
    write("apps/api/server.js", "");

    let mut resolver = Resolver::new(Arc::new(nodepit_project::OsFs));
    resolver.discover_packages(std::slice::from_ref(&root));
    let from = root.join("apps/api/server.js");
    let found = |spec: &str| resolver.resolve(&from, spec);
    assert_eq!(
        found("@acme/shared"),
        Some(root.join("packages/shared/lib/index.js"))
    );
    assert_eq!(found("deep"), Some(root.join("packages/deep/a/b/c/x.js")));
    assert_eq!(found("express"), None);
    assert!(!resolver.is_esm_package(&from));
    std::fs::remove_dir_all(&root).unwrap();
}
