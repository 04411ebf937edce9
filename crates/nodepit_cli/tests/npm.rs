//! The npm packages end to end: `npm/pack.sh` packs the launcher package and the host's platform
//! package around the binary under test, npm installs both tarballs offline into a fresh project,
//! and nodepit runs through the launcher (`npx nodepit`) as a Node.js user would run it, also with
//! a `PATH` that holds node and nothing else (no cargo, no rustc). The VS Code extension's server
//! lookup, which finds such an install in `node_modules/.bin`, is checked here too.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(60);

const SAMPLE: &str = "const express = require('express');
const fs = require('fs');
const app = express();
app.get('/report', (req, res) => {
  const template = fs.readFileSync('report.html', 'utf8');
  res.send(template);
});
app.listen(3000);
";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Whether `tool --version` runs; the test is skipped (with a reason) when node or npm is missing.
fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn missing_tools() -> Option<&'static str> {
    ["node", "npm", "bash"].into_iter().find(|t| !have(t))
}

/// npm with a private cache and no network, so the install proves the tarballs are self-sufficient.
fn npm_env<'a>(cmd: &'a mut Command, home: &Path) -> &'a mut Command {
    cmd.env("npm_config_cache", home.join("npm-cache"))
        .env("npm_config_offline", "true")
        .env("npm_config_update_notifier", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_audit", "false")
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("NODEPIT_BINARY")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn show(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    )
}

/// Packs with the test's binary and installs both tarballs into `<home>/project`.
fn install(home: &Path) -> PathBuf {
    let dist = home.join("dist");
    let out = Command::new("bash")
        .arg(repo_root().join("npm/pack.sh"))
        .arg("--binary")
        .arg(env!("CARGO_BIN_EXE_nodepit"))
        .arg("--out")
        .arg(&dist)
        .output()
        .expect("pack.sh runs");
    assert!(out.status.success(), "pack.sh failed\n{}", show(&out));
    let tarballs: Vec<PathBuf> = text(&out.stdout).lines().map(PathBuf::from).collect();
    assert_eq!(tarballs.len(), 2, "two tarballs\n{}", show(&out));
    let version = env!("CARGO_PKG_VERSION");
    assert!(tarballs[0].ends_with(format!("nodepit-{version}.tgz")));
    assert!(tarballs[1]
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("nodepit-cli-") && n.ends_with(&format!("-{version}.tgz"))));

    let project = home.join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("package.json"),
        "{\"name\": \"sample\", \"version\": \"1.0.0\", \"private\": true}\n",
    )
    .unwrap();
    std::fs::write(project.join("server.js"), SAMPLE).unwrap();
    let out = npm_env(&mut Command::new("npm"), home)
        .args(["install", "--offline", "--no-audit", "--no-fund"])
        .args(&tarballs)
        .current_dir(&project)
        .output()
        .expect("npm install runs");
    assert!(out.status.success(), "npm install failed\n{}", show(&out));
    project
}

/// `npx nodepit <args>` in the project, with `stdin` piped in.
fn npx(home: &Path, project: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = npm_env(&mut Command::new("npx"), home)
        .arg("--no-install")
        .arg("nodepit")
        .args(args)
        .current_dir(project)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("npx runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn frame(message: &Value) -> Vec<u8> {
    let body = message.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// initialize, initialized, shutdown, exit through `node_modules/.bin/nodepit lsp`; returns the
/// initialize result and the exit status.
fn lsp_session(
    home: &Path,
    project: &Path,
    path: Option<&Path>,
) -> (Value, std::process::ExitStatus) {
    let mut cmd = Command::new(project.join("node_modules/.bin/nodepit"));
    if let Some(path) = path {
        cmd.env("PATH", path);
    }
    let mut child = npm_env(&mut cmd, home)
        .arg("lsp")
        .current_dir(project)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the launcher starts");
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        loop {
            let mut len = None;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(v) = line.strip_prefix("Content-Length: ") {
                    len = v.parse::<usize>().ok();
                }
            }
            let mut body = vec![0; len.unwrap_or(0)];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            let Ok(value) = serde_json::from_slice::<Value>(&body) else {
                return;
            };
            if tx.send(value).is_err() {
                return;
            }
        }
    });
    let root_uri = format!("file://{}", project.display());
    let wait_for = |id: i64| -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let msg = rx.recv_timeout(left).expect("a response from the server");
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                return msg;
            }
        }
    };
    stdin
        .write_all(&frame(
            &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"processId": null, "rootUri": root_uri, "capabilities": {}}}),
        ))
        .unwrap();
    stdin.flush().unwrap();
    let init = wait_for(1);
    stdin
        .write_all(&frame(
            &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
        ))
        .unwrap();
    stdin
        .write_all(&frame(
            &json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}),
        ))
        .unwrap();
    stdin.flush().unwrap();
    let shutdown = wait_for(2);
    assert_eq!(shutdown.get("result"), Some(&Value::Null), "{shutdown}");
    stdin
        .write_all(&frame(&json!({"jsonrpc": "2.0", "method": "exit"})))
        .unwrap();
    drop(stdin);
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (init, status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the launcher did not exit after `exit`");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn installed_from_tarballs_runs_through_the_launcher() {
    if let Some(tool) = missing_tools() {
        eprintln!("skipped: `{tool}` is not installed (CI installs Node.js and npm)");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let project = install(home);

    let out = npx(home, &project, &["check", "server.js"], "");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("no-sync-in-handler"), "{}", show(&out));
    assert!(stdout.contains("fs.readFileSync"), "{}", show(&out));

    let out = npx(home, &project, &["--version"], "");
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(
        text(&out.stdout).trim(),
        format!("nodepit {}", env!("CARGO_PKG_VERSION"))
    );

    let out = npx(
        home,
        &project,
        &["check", "--stdin-filename", "x.js", "--format", "json"],
        SAMPLE,
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        text(&out.stdout).contains("no-sync-in-handler"),
        "{}",
        show(&out)
    );
    let out = npx(
        home,
        &project,
        &["check", "--stdin-filename", "x.js"],
        "const fs = require('fs');\nfs.readFileSync('a');\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));

    let out = npx(
        home,
        &project,
        &["check", "--format", "sarif", "server.js"],
        "",
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["runs"][0]["results"][0]["ruleId"], "no-sync-in-handler",
        "{sarif}"
    );

    let out = npx(home, &project, &["explain", "no-such-rule"], "");
    assert_ne!(out.status.code(), Some(0), "{}", show(&out));

    let (init, status) = lsp_session(home, &project, None);
    assert!(init["result"]["capabilities"].is_object(), "{init}");
    assert_eq!(status.code(), Some(0));

    without_rust(home, &project);
    vscode_starts_the_projects_server(home, &project);
}

/// The installed launcher with a `PATH` that holds only a folder with `node` in it: no cargo,
/// no rustc, no npm. A Node.js user's machine needs nothing more.
fn without_rust(home: &Path, project: &Path) {
    let node = Command::new("node")
        .args(["-p", "process.execPath"])
        .output()
        .expect("node runs");
    let node = PathBuf::from(text(&node.stdout).trim());
    let only_node = home.join("only-node");
    std::fs::create_dir_all(&only_node).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&node, only_node.join("node")).unwrap();
    #[cfg(not(unix))]
    std::fs::copy(&node, only_node.join("node.exe")).unwrap();
    let reachable = |tool: &str| {
        Command::new("/bin/sh")
            .args(["-c", &format!("command -v {tool}")])
            .env("PATH", &only_node)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    assert!(reachable("node"), "node is on the stripped PATH");
    for tool in ["cargo", "rustc", "rustup", "npm"] {
        assert!(
            !reachable(tool),
            "`{tool}` is reachable on the stripped PATH"
        );
    }
    let run = |args: &[&str], input: &str| {
        let mut child = npm_env(
            &mut Command::new(project.join("node_modules/.bin/nodepit")),
            home,
        )
        .args(args)
        .env("PATH", &only_node)
        .env_remove("CARGO")
        .env_remove("RUSTUP_HOME")
        .env_remove("CARGO_HOME")
        .current_dir(project)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the launcher starts with node alone on PATH");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).unwrap();
        drop(stdin);
        child.wait_with_output().unwrap()
    };
    let out = run(&["check", "server.js"], "");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        text(&out.stdout).contains("no-sync-in-handler"),
        "{}",
        show(&out)
    );
    let out = run(&["--version"], "");
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let out = run(&["check", "--format", "sarif", "server.js"], "");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_eq!(
        sarif["runs"][0]["results"][0]["ruleId"],
        "no-sync-in-handler"
    );
    let out = run(&["check", "--stdin-filename", "x.js"], SAMPLE);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let (init, status) = lsp_session(home, project, Some(&only_node));
    assert!(init["result"]["capabilities"].is_object(), "{init}");
    assert_eq!(status.code(), Some(0));
}

/// Compiles the VS Code extension with its own TypeScript into `<dir>/out`; None (the caller
/// skips) when `npm ci` has not been run in editors/vscode, since a clean clone has no compiler.
fn compile_vscode(dir: &Path) -> Option<PathBuf> {
    let ext = repo_root().join("editors/vscode");
    let tsc = ext.join("node_modules/typescript/bin/tsc");
    if !tsc.exists() {
        // `.ci/run` installs it, so in CI a missing compiler is a broken set-up, not a skip.
        assert!(
            std::env::var_os("CI").is_none(),
            "editors/vscode has no node_modules: `.ci/run` runs `npm ci` there"
        );
        eprintln!("skipped: run `npm ci` in editors/vscode to check the extension");
        return None;
    }
    let out = Command::new("node")
        .arg(&tsc)
        .arg("-p")
        .arg(&ext)
        .arg("--outDir")
        .arg(dir.join("out"))
        .output()
        .expect("tsc runs");
    assert!(out.status.success(), "tsc failed\n{}", show(&out));
    Some(dir.to_path_buf())
}

/// The compiled extension, activated outside VS Code by `editors/vscode/test/activate.js`, starts
/// the project's `node_modules/.bin/nodepit` (the npm launcher) and the server runs.
fn vscode_starts_the_projects_server(home: &Path, project: &Path) {
    let Some(ext) = compile_vscode(&home.join("vscode")) else {
        return;
    };
    let vscode = repo_root().join("editors/vscode");
    let out = Command::new("node")
        .arg(vscode.join("test/activate.js"))
        .arg(&ext)
        .arg(project)
        .arg("node_modules/.bin/nodepit")
        // The compiled files sit outside editors/vscode; its node_modules has the language client.
        .env("NODE_PATH", vscode.join("node_modules"))
        .output()
        .expect("node runs");
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        text(&out.stdout).contains("[client] using the project's own nodepit"),
        "{}",
        show(&out)
    );
}

/// `editors/vscode/test/serverPath.test.js`: node_modules/.bin first, then `nodepit.path`, the
/// bundled server, PATH, on the extension's lookup module as its own TypeScript compiles it.
#[test]
fn vscode_extension_finds_the_server_in_order() {
    if let Some(tool) = missing_tools() {
        eprintln!("skipped: `{tool}` is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some(ext) = compile_vscode(dir.path()) else {
        return;
    };
    let out = Command::new("node")
        .arg(repo_root().join("editors/vscode/test/serverPath.test.js"))
        .arg(ext.join("out/serverPath.js"))
        .output()
        .expect("node runs");
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        text(&out.stdout).contains("checks passed"),
        "{}",
        show(&out)
    );
}

#[test]
fn launcher_package_and_platform_templates_agree() {
    if let Some(tool) = missing_tools() {
        eprintln!("skipped: `{tool}` is not installed (CI installs Node.js and npm)");
        return;
    }
    // The launcher's table, the main package's optionalDependencies and npm/platforms/ name the
    // same seven packages, each with os/cpu (and libc on Linux) matching its key.
    let script = r#"
const fs = require('fs'), path = require('path');
const npm = process.argv[1];
const { PACKAGES } = require(path.join(npm, 'nodepit/bin/nodepit'));
const main = JSON.parse(fs.readFileSync(path.join(npm, 'nodepit/package.json'), 'utf8'));
const deps = Object.keys(main.optionalDependencies).sort();
const table = Object.values(PACKAGES).sort();
if (JSON.stringify(deps) !== JSON.stringify(table)) throw new Error(`launcher ${table} vs package.json ${deps}`);
const dirs = fs.readdirSync(path.join(npm, 'platforms')).sort();
if (JSON.stringify(dirs) !== JSON.stringify(Object.keys(PACKAGES).sort())) throw new Error(`platforms/ ${dirs}`);
for (const [key, name] of Object.entries(PACKAGES)) {
  const pkg = JSON.parse(fs.readFileSync(path.join(npm, 'platforms', key, 'package.json'), 'utf8'));
  const [os, cpu, libc] = key.split('-');
  const want = { name, os: [os], cpu: [cpu] };
  if (libc) want.libc = [libc === 'gnu' ? 'glibc' : 'musl'];
  for (const [field, value] of Object.entries(want)) {
    if (JSON.stringify(pkg[field]) !== JSON.stringify(value)) throw new Error(`${key}: ${field} is ${JSON.stringify(pkg[field])}`);
  }
  const exe = os === 'win32' ? 'bin/nodepit.exe' : 'bin/nodepit';
  if (JSON.stringify(pkg.files) !== JSON.stringify([exe])) throw new Error(`${key}: files`);
}
console.log(Object.keys(PACKAGES).length);
"#;
    let out = Command::new("node")
        .args(["-e", script])
        .arg(repo_root().join("npm"))
        .output()
        .expect("node runs");
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(text(&out.stdout).trim(), "7");
}
