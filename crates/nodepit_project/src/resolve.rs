//! Module resolution: which file of the project a specifier names, by Node's and TypeScript's
//! rules as applications use them (extension and `index` probing, `.js`-written imports of `.ts`
//! files, `package.json` `main`/`exports`/`imports` of workspace packages, `tsconfig.json`
//! `paths`/`baseUrl`). Third-party packages and Node built-ins are not project files: `None`.
//!
//! Every read goes through [`FileSystem`], so the language server can overlay open documents.
//! Paths are compared as written (made lexical with `.`/`..` removed), never canonicalized:
//! callers pass absolute paths and get absolute paths back.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use rustc_hash::FxHashMap;
use serde_json::{Map, Value};

/// What resolution needs from the file system; the language server overlays open documents.
pub trait FileSystem: Send + Sync {
    /// Whether `path` is an existing file (not a folder).
    fn is_file(&self, path: &Path) -> bool;
    /// The file's text, or `None` when it is missing or unreadable.
    fn read_to_string(&self, path: &Path) -> Option<String>;
}

/// The real file system.
pub struct OsFs;

impl FileSystem for OsFs {
    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }

    fn read_to_string(&self, path: &Path) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }
}

/// Extensions probed for an extensionless specifier, TypeScript sources first: when a compiled
/// `a.js` sits beside `a.ts`, the `.ts` is the code people edit and the linter reads.
const EXTENSIONS: [&str; 8] = ["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs"];
/// Output folders whose sources usually live under `src/` (entries of unbuilt workspace packages).
const BUILD_DIRS: [&str; 4] = ["dist", "lib", "build", "out"];
/// `exports`/`imports` conditions, in the order we prefer them; `types` last, as a hint to sources.
const CONDITIONS: [&str; 5] = ["node", "import", "require", "default", "types"];
/// The `package.json` fields that declare dependency versions.
const DEPENDENCY_FIELDS: [&str; 4] = [
    "dependencies",
    "devDependencies",
    "peerDependencies",
    "optionalDependencies",
];
/// How many `extends` hops a tsconfig may take: enough for real chains, and it ends cycles.
const MAX_EXTENDS: usize = 8;
/// Node's built-in modules (`fs/promises` and the like are matched by their first segment).
#[rustfmt::skip]
const NODE_BUILTINS: &[&str] = &[
    "assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants", "crypto",
    "dgram", "diagnostics_channel", "dns", "domain", "events", "fs", "http", "http2", "https",
    "inspector", "module", "net", "os", "path", "perf_hooks", "process", "punycode", "querystring",
    "readline", "repl", "stream", "string_decoder", "sys", "timers", "tls", "trace_events", "tty",
    "url", "util", "v8", "vm", "wasi", "worker_threads", "zlib",
];

/// Keyed by a folder's path bytes: hashing a `Path` splits it into components, and every file
/// asks about each folder above it.
type Cache<T> = RwLock<FxHashMap<Box<[u8]>, T>>;

/// Resolves module specifiers to files of the project, with caches (thread-safe: called from
/// rayon workers).
pub struct Resolver {
    fs: Arc<dyn FileSystem>,
    /// The workspace's own packages: name → folder.
    packages: FxHashMap<String, PathBuf>,
    /// The `package.json` of a folder, parsed (`None`: missing or malformed).
    manifests: Cache<Option<Arc<Value>>>,
    /// The tsconfig governing the files of a folder (the nearest one above, `extends` applied).
    tsconfigs: Cache<Option<Arc<TsConfig>>>,
    /// The lockfile of a folder as text, with its name (`None`: there is none).
    lockfiles: Cache<Option<Arc<(&'static str, String)>>>,
}

/// The parts of a tsconfig that resolution uses, after `extends`.
#[derive(Clone, Default)]
struct TsConfig {
    /// `compilerOptions.baseUrl`, absolute.
    base_url: Option<PathBuf>,
    paths: Option<Paths>,
}

/// `compilerOptions.paths`: pattern → targets.
#[derive(Clone)]
struct Paths {
    patterns: Vec<(String, Vec<String>)>,
    /// The folder of the tsconfig declaring them: the base of targets when there is no baseUrl.
    dir: PathBuf,
}

impl TsConfig {
    /// `self` with the options `own` sets replacing inherited ones, as `extends` does.
    fn overridden_by(self, own: TsConfig) -> TsConfig {
        TsConfig {
            base_url: own.base_url.or(self.base_url),
            paths: own.paths.or(self.paths),
        }
    }
}

impl Resolver {
    /// A resolver reading through `fs`, with no workspace packages yet.
    pub fn new(fs: Arc<dyn FileSystem>) -> Self {
        Self {
            fs,
            packages: FxHashMap::default(),
            manifests: RwLock::default(),
            tsconfigs: RwLock::default(),
            lockfiles: RwLock::default(),
        }
    }

    /// Registers the workspace's own packages (name → folder), found from the package.json files
    /// under `roots` (respecting `.gitignore`, skipping `node_modules`). When two folders declare
    /// the same name, the shallower one (then the first by path) wins, so the result does not
    /// depend on walk order.
    pub fn discover_packages(&mut self, roots: &[PathBuf]) {
        let mut found: Vec<PathBuf> = roots
            .iter()
            .flat_map(|root| {
                ignore::WalkBuilder::new(root)
                    .require_git(false)
                    .filter_entry(|e| e.file_name() != "node_modules")
                    .build()
                    .filter_map(Result::ok)
                    .filter(|e| e.file_name() == "package.json")
                    .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
                    .map(ignore::DirEntry::into_path)
            })
            .collect();
        found.sort_by_cached_key(|p| (p.components().count(), p.clone()));
        for manifest in found {
            if let Some(dir) = manifest.parent() {
                self.add_package(dir);
            }
        }
    }

    /// Registers the package whose `package.json` is in `dir`, unless its name is taken already
    /// or it has none.
    pub fn add_package(&mut self, dir: &Path) {
        let Some(manifest) = self.manifest(dir) else {
            return;
        };
        if let Some(name) = manifest.get("name").and_then(Value::as_str) {
            self.packages
                .entry(name.to_owned())
                .or_insert_with(|| dir.to_path_buf());
        }
    }

    /// The file a specifier written in `from` names, or None: Node built-ins (`fs`, `node:fs`),
    /// third-party packages (anything not a workspace package), and anything that does not resolve.
    /// Never a declaration file (`.d.ts`) nor a file inside `node_modules`.
    pub fn resolve(&self, from: &Path, specifier: &str) -> Option<PathBuf> {
        // `./x.css?inline`, `./w?worker`: bundler queries, not files.
        if specifier.is_empty() || specifier.contains('?') || specifier.starts_with("node:") {
            return None;
        }
        let dir = from.parent()?;
        if is_path_like(specifier) {
            let dir_only = specifier.ends_with('/');
            return self.resolve_path(&normalize(&dir.join(specifier)), dir_only);
        }
        if specifier.starts_with('#') {
            return self.resolve_import_map(dir, specifier);
        }
        if is_builtin(specifier) {
            return None;
        }
        // TypeScript consults `paths` before packages: a mapping names sources precisely.
        let ts = self.tsconfig(dir);
        if let Some(found) = ts
            .as_deref()
            .and_then(|ts| self.resolve_ts_paths(ts, specifier))
        {
            return Some(found);
        }
        let (name, subpath) = split_package(specifier)?;
        if let Some(package) = self.packages.get(name) {
            return self.resolve_package(package, subpath);
        }
        let base_url = ts.as_deref()?.base_url.as_deref()?;
        self.resolve_path(&normalize(&base_url.join(specifier)), false)
    }

    /// An identity of what decides how a bare specifier written in `from` resolves (the
    /// governing tsconfig; workspace packages are the same everywhere): two files with the same
    /// value get the same answer for the same bare specifier, so callers may share it.
    pub fn bare_scope(&self, from: &Path) -> usize {
        from.parent()
            .and_then(|dir| self.tsconfig(dir))
            .map_or(0, |ts| Arc::as_ptr(&ts) as usize)
    }

    /// Whether a specifier is resolved against the importing file's folder (relative,
    /// absolute, or a `#` import of the nearest package.json) rather than as a bare name.
    pub fn is_folder_relative(specifier: &str) -> bool {
        is_path_like(specifier) || specifier.starts_with('#')
    }

    /// Whether the nearest package.json above `file` says `"type": "module"`.
    pub fn is_esm_package(&self, file: &Path) -> bool {
        self.manifests_above(file)
            .next()
            .is_some_and(|m| m.get("type").and_then(Value::as_str) == Some("module"))
    }

    /// The version range of dependency `name` declared in the nearest package.json above `file`
    /// that lists it (dependencies, devDependencies, peerDependencies, optionalDependencies),
    /// e.g. "^4.18.2".
    /// When that range does not pin a major version (`*`, `latest`, `>=4`), the version the
    /// lockfile beside that package.json installed (package-lock.json, npm-shrinkwrap.json,
    /// yarn.lock, pnpm-lock.yaml) is given instead, when it records one.
    pub fn dependency_version(&self, file: &Path, name: &str) -> Option<String> {
        file.ancestors().skip(1).find_map(|dir| {
            let manifest = self.manifest(dir)?;
            let range = DEPENDENCY_FIELDS
                .iter()
                .find_map(|field| manifest.get(field)?.get(name)?.as_str().map(str::to_owned))?;
            if pins_major(&range) {
                return Some(range);
            }
            Some(self.installed_version(dir, name).unwrap_or(range))
        })
    }

    /// The version of `name` the lockfile in `dir` records.
    fn installed_version(&self, dir: &Path, name: &str) -> Option<String> {
        let lock = cached(&self.lockfiles, dir, || {
            [
                "package-lock.json",
                "npm-shrinkwrap.json",
                "yarn.lock",
                "pnpm-lock.yaml",
            ]
            .into_iter()
            .find_map(|f| Some(Arc::new((f, self.fs.read_to_string(&dir.join(f))?))))
        })?;
        let (kind, text) = &*lock;
        locked_version(kind, text, name)
    }

    /// Forgets cached package.json / tsconfig contents (the language server calls it when one
    /// changes). Workspace package names stay: call [`Resolver::discover_packages`] again for
    /// a new package.
    pub fn invalidate(&self) {
        write(&self.manifests).clear();
        write(&self.tsconfigs).clear();
        write(&self.lockfiles).clear();
    }

    /// `path` as a file, or else as a folder (only a folder when the specifier ends with `/`).
    fn resolve_path(&self, path: &Path, dir_only: bool) -> Option<PathBuf> {
        let file = if dir_only { None } else { self.load_file(path) };
        file.or_else(|| self.load_dir(path))
    }

    /// The exact file, its TypeScript source (`a.js` → `a.ts`), or the file with an extension.
    fn load_file(&self, path: &Path) -> Option<PathBuf> {
        if self.accept(path) {
            return Some(path.to_path_buf());
        }
        let twins: &[&str] = match path.extension().and_then(|e| e.to_str()) {
            Some("js") => &["ts", "tsx", "jsx"],
            Some("jsx") => &["tsx"],
            Some("mjs") => &["mts"],
            Some("cjs") => &["cts"],
            _ => &[],
        };
        let twin = twins.iter().map(|ext| path.with_extension(ext));
        let suffixed = EXTENSIONS.iter().map(|ext| with_suffix(path, ext));
        twin.chain(suffixed).find(|p| self.accept(p))
    }

    /// A folder: its package.json `main`, else its `index` file.
    fn load_dir(&self, dir: &Path) -> Option<PathBuf> {
        let manifest = self.manifest(dir);
        let main = manifest.as_deref().and_then(|m| m.get("main")?.as_str());
        main.and_then(|main| self.resolve_built(dir, main))
            .or_else(|| self.index(dir))
    }

    /// `dir/index.<ext>`.
    fn index(&self, dir: &Path) -> Option<PathBuf> {
        EXTENSIONS
            .iter()
            .map(|ext| dir.join(format!("index.{ext}")))
            .find(|p| self.accept(p))
    }

    /// A file resolution may return: it exists, holds code, and is the project's own.
    fn accept(&self, path: &Path) -> bool {
        !is_declaration(path) && !in_node_modules(path) && self.fs.is_file(path)
    }

    /// `subpath` (empty for the package itself) of the workspace package in `dir`.
    fn resolve_package(&self, dir: &Path, subpath: &str) -> Option<PathBuf> {
        let manifest = self.manifest(dir);
        if let Some(exports) = manifest.as_deref().and_then(|m| m.get("exports")) {
            let key = if subpath.is_empty() {
                ".".to_owned()
            } else {
                format!("./{subpath}")
            };
            let found = export_targets(exports, &key)
                .iter()
                .find_map(|target| self.resolve_built(dir, target));
            // An unmatched subpath would fail in Node, but tools built on TypeScript's older
            // resolution still write it: fall through to the files themselves.
            if found.is_some() {
                return found;
            }
        }
        if !subpath.is_empty() {
            return self.resolve_built(dir, subpath);
        }
        ["main", "module", "types", "typings"]
            .iter()
            .filter_map(|field| manifest.as_deref()?.get(field)?.as_str())
            .find_map(|entry| self.resolve_built(dir, entry))
            .or_else(|| self.index(dir))
            .or_else(|| self.index(&dir.join("src")))
    }

    /// A package's target as written (`./dist/index.js`), or, since workspace packages in a
    /// fresh clone are not built, the source it is built from (`src/index.ts`). As in Node, a
    /// folder target does not read another package.json (which also rules out `main` cycles).
    fn resolve_built(&self, dir: &Path, target: &str) -> Option<PathBuf> {
        // A declaration (`types: dist/index.d.ts`) points at its output's name; probe that.
        let target = strip_declaration(target);
        let file_or_index = |path: PathBuf| self.load_file(&path).or_else(|| self.index(&path));
        file_or_index(normalize(&dir.join(target))).or_else(|| {
            source_guesses(target)
                .into_iter()
                .find_map(|guess| file_or_index(normalize(&dir.join(guess))))
        })
    }

    /// `#internal/x` through the nearest package.json's `imports`.
    fn resolve_import_map(&self, dir: &Path, specifier: &str) -> Option<PathBuf> {
        let (root, manifest) = dir.ancestors().find_map(|d| Some((d, self.manifest(d)?)))?;
        let imports = manifest.get("imports")?.as_object()?;
        let (target, star) = best_match(entries(imports), specifier)?;
        let mut targets = Vec::new();
        condition_targets(target, star, &mut targets);
        // Only targets inside the package: a bare target names a third-party package.
        targets
            .iter()
            .filter(|t| t.starts_with("./"))
            .find_map(|t| self.resolve_built(root, t))
    }

    /// A bare specifier through the tsconfig's `paths`: the best pattern's targets in order.
    fn resolve_ts_paths(&self, ts: &TsConfig, specifier: &str) -> Option<PathBuf> {
        let paths = ts.paths.as_ref()?;
        let base = ts.base_url.as_deref().unwrap_or(&paths.dir);
        let patterns = paths
            .patterns
            .iter()
            .map(|(key, targets)| (key.as_str(), targets));
        let (targets, star) = best_match(patterns, specifier)?;
        targets.iter().find_map(|target| {
            let path = normalize(&base.join(target.replace('*', star)));
            self.resolve_path(&path, false)
        })
    }

    /// The parsed package.json of `dir` (cached).
    fn manifest(&self, dir: &Path) -> Option<Arc<Value>> {
        cached(&self.manifests, dir, || {
            let text = self.fs.read_to_string(&dir.join("package.json"))?;
            parse_jsonc(&text).map(Arc::new)
        })
    }

    /// The package.json files above `file`, nearest first.
    fn manifests_above<'a>(&'a self, file: &'a Path) -> impl Iterator<Item = Arc<Value>> + 'a {
        file.ancestors()
            .skip(1)
            .filter_map(|dir| self.manifest(dir))
    }

    /// The tsconfig (or jsconfig) governing files in `dir`: its own, else its parent's (cached).
    fn tsconfig(&self, dir: &Path) -> Option<Arc<TsConfig>> {
        cached(&self.tsconfigs, dir, || {
            let own = ["tsconfig.json", "jsconfig.json"]
                .iter()
                .find_map(|name| self.load_tsconfig(&dir.join(name), 0));
            own.map(Arc::new).or_else(|| self.tsconfig(dir.parent()?))
        })
    }

    /// One tsconfig file with what it `extends` applied; `None` when missing or malformed.
    fn load_tsconfig(&self, path: &Path, depth: usize) -> Option<TsConfig> {
        if depth > MAX_EXTENDS {
            return None;
        }
        let json = parse_jsonc(&self.fs.read_to_string(path)?)?;
        let dir = path.parent()?;
        // `extends` is a string or (TypeScript 5) a list whose later entries override earlier.
        let extends = match json.get("extends") {
            Some(Value::String(one)) => vec![one.as_str()],
            Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let inherited = extends
            .into_iter()
            .filter_map(|spec| self.extended_path(dir, spec))
            .filter_map(|base| self.load_tsconfig(&base, depth + 1))
            .fold(TsConfig::default(), TsConfig::overridden_by);
        let options = json.get("compilerOptions");
        let option = |name: &str| options.and_then(|o| o.get(name));
        let own = TsConfig {
            base_url: option("baseUrl")
                .and_then(Value::as_str)
                .map(|url| normalize(&dir.join(url))),
            paths: option("paths")
                .and_then(Value::as_object)
                .map(|paths| Paths {
                    patterns: parse_paths(paths),
                    dir: dir.to_path_buf(),
                }),
        };
        Some(inherited.overridden_by(own))
    }

    /// The file an `extends` names: relative, or in a workspace package (`@acme/tsconfig/base`).
    /// Third-party bases (`@tsconfig/node20`) are skipped: they set compiler flags, not paths.
    fn extended_path(&self, dir: &Path, spec: &str) -> Option<PathBuf> {
        let path = if is_path_like(spec) {
            normalize(&dir.join(spec))
        } else {
            let (name, subpath) = split_package(spec)?;
            let file = if subpath.is_empty() {
                "tsconfig.json"
            } else {
                subpath
            };
            self.packages.get(name)?.join(file)
        };
        // TypeScript adds `.json` when the name lacks it.
        let candidates = [path.clone(), with_suffix(&path, "json")];
        candidates.into_iter().find(|p| self.fs.is_file(p))
    }
}

/// `map[key]`, computing and storing it on a miss. The lock is not held while loading, so
/// loads may recurse (a folder's tsconfig asks its parent's) and run in parallel.
/// Whether a version range fixes the major version: it starts with one (`^4.18.2`, `~4.18`,
/// `4.x`, `=4.1.0`, `npm:express@^4`), rather than `*`, `latest` or an open `>=4`.
fn pins_major(range: &str) -> bool {
    let r = range.trim();
    let r = r.rsplit_once('@').map_or(r, |(_, v)| v);
    let r = r.trim_start_matches(['^', '~', '=', 'v', ' ']);
    r.starts_with(|c: char| c.is_ascii_digit()) && !range.contains('>') && !range.contains("||")
}

/// The version of `name` a lockfile's text records: package-lock.json's
/// `packages["node_modules/<name>"].version` (or v1's `dependencies[<name>].version`), the
/// `version` line under yarn.lock's `<name>@…` entry, or pnpm-lock.yaml's `<name>@<version>` key.
fn locked_version(kind: &str, text: &str, name: &str) -> Option<String> {
    match kind {
        "package-lock.json" | "npm-shrinkwrap.json" => {
            let json: Value = serde_json::from_str(text).ok()?;
            let entry = json
                .get("packages")
                .and_then(|p| p.get(format!("node_modules/{name}")))
                .or_else(|| json.get("dependencies")?.get(name))?;
            entry.get("version")?.as_str().map(str::to_owned)
        }
        "yarn.lock" => {
            let mut lines = text.lines();
            while let Some(line) = lines.next() {
                let head = line.trim_start_matches('"');
                if line.starts_with(char::is_whitespace) || !head.starts_with(name) {
                    continue;
                }
                if !head[name.len()..].starts_with('@') {
                    continue;
                }
                return lines.take_while(|l| l.starts_with(' ')).find_map(|l| {
                    let l = l.trim();
                    let v = l
                        .strip_prefix("version")?
                        .trim()
                        .trim_matches(['"', ':', ' ']);
                    Some(v.to_string())
                });
            }
            None
        }
        "pnpm-lock.yaml" => text.lines().find_map(|line| {
            let key = line
                .trim()
                .trim_start_matches('/')
                .trim_matches(['\'', '"']);
            let rest = key.strip_prefix(name)?.strip_prefix('@')?;
            let version: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                .collect();
            version
                .starts_with(|c: char| c.is_ascii_digit())
                .then_some(version)
        }),
        _ => None,
    }
}

fn cached<T: Clone>(cache: &Cache<T>, key: &Path, load: impl FnOnce() -> T) -> T {
    let key = key.as_os_str().as_encoded_bytes();
    if let Some(hit) = read(cache).get(key) {
        return hit.clone();
    }
    let value = load();
    write(cache).entry(key.into()).or_insert(value).clone()
}

// A panic elsewhere while a lock was held leaves plain data behind: keep using it.
fn read<T>(cache: &Cache<T>) -> std::sync::RwLockReadGuard<'_, FxHashMap<Box<[u8]>, T>> {
    cache.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(cache: &Cache<T>) -> std::sync::RwLockWriteGuard<'_, FxHashMap<Box<[u8]>, T>> {
    cache.write().unwrap_or_else(PoisonError::into_inner)
}

/// The targets of an `exports` field for `key` (`.` or `./sub`), in the order to try them.
fn export_targets(exports: &Value, key: &str) -> Vec<String> {
    let mut targets = Vec::new();
    match exports.as_object() {
        Some(map) if map.keys().any(|k| k.starts_with('.')) => {
            if let Some((target, star)) = best_match(entries(map), key) {
                condition_targets(target, star, &mut targets);
            }
        }
        // A string, a list or a conditions object: the package's `.` export alone.
        _ if key == "." => condition_targets(exports, "", &mut targets),
        _ => {}
    }
    targets
}

/// The strings a target (string, fallback list, nested conditions) yields, `*` replaced.
/// `null` yields nothing: the subpath is deliberately not exported.
fn condition_targets(target: &Value, star: &str, out: &mut Vec<String>) {
    match target {
        Value::String(path) => out.push(path.replace('*', star)),
        Value::Array(items) => items.iter().for_each(|t| condition_targets(t, star, out)),
        Value::Object(map) => CONDITIONS
            .iter()
            .filter_map(|condition| map.get(*condition))
            .for_each(|t| condition_targets(t, star, out)),
        _ => {}
    }
}

fn entries(map: &Map<String, Value>) -> impl Iterator<Item = (&str, &Value)> {
    map.iter().map(|(key, value)| (key.as_str(), value))
}

/// The entry whose key is `specifier`, else the `*` pattern matching it with the longest prefix
/// (then the longest key; then the first), as Node and TypeScript choose; with what `*` matched.
fn best_match<'a, 's, V>(
    entries: impl IntoIterator<Item = (&'a str, &'a V)>,
    specifier: &'s str,
) -> Option<(&'a V, &'s str)> {
    let mut best: Option<((usize, usize), &V, &str)> = None;
    for (key, value) in entries {
        if key == specifier {
            return Some((value, ""));
        }
        let Some((prefix, suffix)) = key.split_once('*') else {
            continue;
        };
        let fits = specifier.len() >= prefix.len() + suffix.len()
            && specifier.starts_with(prefix)
            && specifier.ends_with(suffix);
        let rank = (prefix.len(), key.len());
        if fits && best.as_ref().is_none_or(|(top, ..)| rank > *top) {
            let star = &specifier[prefix.len()..specifier.len() - suffix.len()];
            best = Some((rank, value, star));
        }
    }
    best.map(|(_, value, star)| (value, star))
}

/// `paths` as pattern → targets; a lone string target is accepted too.
fn parse_paths(paths: &Map<String, Value>) -> Vec<(String, Vec<String>)> {
    let targets = |value: &Value| match value {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    paths
        .iter()
        .map(|(key, value)| (key.clone(), targets(value)))
        .collect()
}

/// Where the source of a build output may live: `dist/x.js` → `src/x.js`, and with one folder
/// less for `dist/esm/x.js` (an output per module format) or `dist/src/x.js` (rootDir `.`).
fn source_guesses(target: &str) -> Vec<String> {
    let mut segments = target.trim_start_matches("./").split('/');
    if !segments
        .next()
        .is_some_and(|first| BUILD_DIRS.contains(&first))
    {
        return Vec::new();
    }
    let rest: Vec<&str> = segments.collect();
    (0..rest.len().min(2))
        .map(|skip| format!("src/{}", rest[skip..].join("/")))
        .collect()
}

/// The JSON of a package.json or a JSONC tsconfig; `None` when malformed.
fn parse_jsonc(text: &str) -> Option<Value> {
    serde_json::from_str(&strip_jsonc(text)).ok()
}

/// JSON from JSONC: drops a byte-order mark, `//` and `/* */` comments and trailing commas, and
/// leaves strings (`"https://x"`) alone.
fn strip_jsonc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push(c);
                while let Some(s) = chars.next() {
                    out.push(s);
                    match s {
                        '\\' => out.extend(chars.next()),
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                chars.by_ref().find(|&n| n == '\n');
                out.push('\n');
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                chars
                    .by_ref()
                    .find(|&n| std::mem::replace(&mut last, n) == '*' && n == '/');
                out.push(' ');
            }
            '}' | ']' => {
                // Comments are gone already, so the last token before the bracket is in `out`.
                let end = out.trim_end().len();
                if out[..end].ends_with(',') {
                    out.remove(end - 1);
                }
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// `./x`, `../x`, `.`, `..`, `/abs/x`: a path, not a package name.
fn is_path_like(specifier: &str) -> bool {
    matches!(specifier, "." | "..")
        || specifier.starts_with("./")
        || specifier.starts_with("../")
        || specifier.starts_with('/')
        || Path::new(specifier).is_absolute()
}

fn is_builtin(specifier: &str) -> bool {
    let head = specifier.split('/').next().unwrap_or_default();
    NODE_BUILTINS.contains(&head)
}

/// A bare specifier's package name and subpath: `@acme/shared/utils` → (`@acme/shared`, `utils`).
fn split_package(specifier: &str) -> Option<(&str, &str)> {
    // A scoped name (`@scope/name`) spans the first slash.
    let slashes = usize::from(specifier.starts_with('@'));
    match specifier.match_indices('/').nth(slashes) {
        Some((at, _)) => Some((&specifier[..at], &specifier[at + 1..])),
        None if slashes == 1 && !specifier.contains('/') => None,
        None => Some((specifier, "")),
    }
}

/// `path` + `.ext`: `user.service` → `user.service.ts` (`with_extension` would drop `.service`).
fn with_suffix(path: &Path, ext: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

/// `dist/index.d.ts` → `dist/index`.
fn strip_declaration(target: &str) -> &str {
    [".d.ts", ".d.mts", ".d.cts"]
        .iter()
        .find_map(|suffix| target.strip_suffix(suffix))
        .unwrap_or(target)
}

/// Declarations hold no code to analyse.
fn is_declaration(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    [".d.ts", ".d.mts", ".d.cts"]
        .iter()
        .any(|s| name.ends_with(s))
}

fn in_node_modules(path: &Path) -> bool {
    // Resolution probes many candidate paths; most never mention the folder, and a byte search
    // is much cheaper than splitting every one into components.
    // The searcher is built once: building it per probe cost more than the search.
    static FOLDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"node_modules"));
    FOLDER.find(path.as_os_str().as_encoded_bytes()).is_some()
        && path.components().any(|c| c.as_os_str() == "node_modules")
}

/// `path` without `.` and `..` segments, so one file has one name in the module graph.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockfiles_give_the_installed_version_of_an_open_range() {
        for (range, pinned) in [
            ("^4.18.2", true),
            ("~5.1.0", true),
            ("4.x", true),
            ("npm:express@^4.21.0", true),
            ("*", false),
            ("latest", false),
            (">=4", false),
            ("4 || 5", false),
        ] {
            assert_eq!(pins_major(range), pinned, "{range}");
        }
        let npm = r#"{"packages":{"":{},"node_modules/express":{"version":"4.21.2"}}}"#;
        let npm1 = r#"{"dependencies":{"express":{"version":"4.17.1"}}}"#;
        let yarn = "# yarn lockfile v1\n\nexpress-session@^1.17.0:\n  version \"1.17.3\"\n\nexpress@*, express@^4.0.0:\n  version \"4.18.2\"\n  resolved \"x\"\n";
        let berry = "\"express@npm:*\":\n  version: 5.1.0\n";
        let pnpm = "packages:\n\n  /express-session@1.17.3:\n    resolution: {}\n  /express@4.19.2:\n    resolution: {}\n";
        assert_eq!(
            locked_version("package-lock.json", npm, "express").as_deref(),
            Some("4.21.2")
        );
        assert_eq!(
            locked_version("package-lock.json", npm1, "express").as_deref(),
            Some("4.17.1")
        );
        assert_eq!(
            locked_version("yarn.lock", yarn, "express").as_deref(),
            Some("4.18.2")
        );
        assert_eq!(
            locked_version("yarn.lock", berry, "express").as_deref(),
            Some("5.1.0")
        );
        assert_eq!(
            locked_version("pnpm-lock.yaml", pnpm, "express").as_deref(),
            Some("4.19.2")
        );
        assert_eq!(locked_version("pnpm-lock.yaml", pnpm, "koa"), None);
    }

    #[test]
    fn jsonc_keeps_strings_and_drops_comments_and_trailing_commas() {
        let text = "\u{feff}{ // lead\n \"a\": \"https://x/*y*/\", /* block */ \"b\": [1, 2,],\n \"c\": \"q\\\"//\", }";
        let json = parse_jsonc(text).expect("valid after stripping");
        assert_eq!(json["a"], "https://x/*y*/");
        assert_eq!(json["b"], serde_json::json!([1, 2]));
        assert_eq!(json["c"], "q\"//");
    }

    #[test]
    fn unterminated_comments_and_strings_do_not_panic() {
        for text in [
            "{ /* open",
            "{ \"a\": \"open",
            "{ \"a\\",
            ",]",
            "}",
            "// only",
        ] {
            assert_eq!(parse_jsonc(text), None, "{text}");
        }
    }

    #[test]
    fn package_names_and_subpaths() {
        assert_eq!(
            split_package("@acme/shared/utils/x"),
            Some(("@acme/shared", "utils/x"))
        );
        assert_eq!(split_package("@acme/shared"), Some(("@acme/shared", "")));
        assert_eq!(split_package("lodash/fp"), Some(("lodash", "fp")));
        assert_eq!(split_package("@acme"), None);
    }

    #[test]
    fn normalize_removes_dots() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(normalize(Path::new("/../a")), PathBuf::from("/a"));
        assert_eq!(normalize(Path::new("../a/../b")), PathBuf::from("../b"));
    }

    #[test]
    fn build_outputs_map_to_sources() {
        assert_eq!(source_guesses("./dist/index.js"), ["src/index.js"]);
        assert_eq!(
            source_guesses("dist/esm/a.js"),
            ["src/esm/a.js", "src/a.js"]
        );
        assert!(source_guesses("./src/index.js").is_empty());
    }
}
