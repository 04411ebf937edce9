//! "Run the demonstration": a rule's `js demo` program, written to a temporary file and run with
//! the Node on the server's PATH, off the protocol loop and under a deadline.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a demo may run; they promise 3 seconds, editors' machines are busier than CI.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// What a run of a demo came to.
pub enum Outcome {
    /// Node could not be started (not on PATH, or `--version` failed): why.
    NoNode(String),
    /// The demo ran: Node's version, the exit code (`None` when killed or timed out), whether it
    /// timed out, and its stdout and stderr.
    Ran {
        version: String,
        code: Option<i32>,
        timed_out: bool,
        stdout: String,
        stderr: String,
    },
}

impl Outcome {
    /// The demo's last line of stdout (its verdict, when it got that far).
    pub fn verdict(&self) -> Option<&str> {
        match self {
            Outcome::Ran { stdout, .. } => stdout.lines().rev().find(|l| !l.trim().is_empty()),
            Outcome::NoNode(_) => None,
        }
    }
}

/// Writes `program` as `<rule>.demo.cjs` in this server's temporary folder (`.cjs`: demos are
/// CommonJS whatever package.json sits above it).
pub fn write(rule: &str, program: &str) -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("nodepit-demos-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(format!("{rule}.demo.cjs"));
    std::fs::write(&file, program)?;
    Ok(file)
}

/// Runs `file` with `node` (blocking: call it from `spawn_blocking`).
pub fn run(node: &Path, file: &Path, timeout: Duration) -> Outcome {
    let version = match Command::new(node)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        Ok(out) => return Outcome::NoNode(format!("`node --version` failed ({})", out.status)),
        Err(e) => return Outcome::NoNode(format!("no `node` on the language server's PATH ({e})")),
    };
    let mut child = match Command::new(node)
        .arg(file)
        .current_dir(file.parent().unwrap_or(Path::new(".")))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return Outcome::NoNode(format!("cannot start node: {e}")),
    };
    // Pipes are drained on their own threads, so a chatty demo never blocks on a full pipe; the
    // bytes are shared, so output is kept even when a grandchild holds a pipe open after a kill.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let sink = bytes.clone();
        let done = std::thread::spawn(move || {
            let Some(mut pipe) = pipe else { return };
            let mut buf = [0u8; 8192];
            while let Ok(n @ 1..) = pipe.read(&mut buf) {
                if let Ok(mut b) = sink.lock() {
                    b.extend_from_slice(&buf[..n]);
                }
            }
        });
        (bytes, done)
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let (code, timed_out) = loop {
        match child.try_wait() {
            Ok(Some(status)) => break (status.code(), false),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) | Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                break (None, true);
            }
        }
    };
    let grace = Instant::now() + Duration::from_millis(500);
    while !(out.1.is_finished() && err.1.is_finished()) && Instant::now() < grace {
        std::thread::sleep(Duration::from_millis(10));
    }
    let text = |b: &Arc<Mutex<Vec<u8>>>| {
        b.lock()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    };
    Outcome::Ran {
        version,
        code,
        timed_out,
        stdout: text(&out.0),
        stderr: text(&err.0),
    }
}
