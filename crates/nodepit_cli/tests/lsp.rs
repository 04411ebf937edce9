//! Protocol tests: start `nodepit lsp` and speak LSP to it over stdio.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TIMEOUT: Duration = Duration::from_secs(20);

struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    /// Notifications and requests from the server seen while waiting for something else.
    seen: Vec<Value>,
    next_id: i64,
}

impl Server {
    fn start(dir: &Path, env: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nodepit"));
        cmd.arg("lsp")
            .current_dir(dir)
            .env("XDG_CACHE_HOME", dir.join(".cache"))
            .env_remove("NODEPIT_TEST_PANIC_RULE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("nodepit lsp starts");
        let stdin = child.stdin.take().unwrap();
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
                let mut body = vec![0; len.expect("Content-Length header")];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                if tx
                    .send(serde_json::from_slice(&body).expect("server sends JSON"))
                    .is_err()
                {
                    return;
                }
            }
        });
        Self {
            child,
            stdin,
            messages: rx,
            seen: Vec::new(),
            next_id: 1,
        }
    }

    fn send_raw(&mut self, body: &str) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n{}", body.len(), body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send_raw(&json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string());
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send_raw(
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string(),
        );
        let msg = self.wait(|m| m["id"] == id && m.get("method").is_none());
        msg
    }

    /// Waits for a message matching `pred`, answering server requests and keeping the rest.
    fn wait(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.seen.iter().position(&pred) {
            return self.seen.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let msg = self
                .messages
                .recv_timeout(left)
                .expect("timed out waiting for the server");
            if msg.get("method").is_some() && msg.get("id").is_some() {
                // Server-to-client requests (registerCapability, showDocument) get an empty success.
                let id = msg["id"].clone();
                self.send_raw(&json!({"jsonrpc": "2.0", "id": id, "result": null}).to_string());
            }
            if pred(&msg) {
                return msg;
            }
            self.seen.push(msg);
        }
    }

    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let msg = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        });
        msg["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn initialize(&mut self, root: &Path, capabilities: Value, options: Value) -> Value {
        let root_uri = format!("file://{}", root.display());
        let res = self.request(
            "initialize",
            json!({"processId": null, "rootUri": root_uri, "capabilities": capabilities, "initializationOptions": options,
                   "workspaceFolders": [{"uri": root_uri, "name": "root"}]}),
        );
        self.notify("initialized", json!({}));
        res
    }

    /// Waits for diagnostics pushed for `uri` that satisfy `pred`, whatever their version.
    fn published(&mut self, uri: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let msg = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && pred(m["params"]["diagnostics"].as_array().map_or(&[], |d| d))
        });
        msg["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Forgets the diagnostics pushed for `uri` so far, so a wait sees only newer ones.
    fn forget(&mut self, uri: &str) {
        self.seen.retain(|m| {
            !(m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri)
        });
    }

    /// Waits until `n` project builds have reported the end of their progress.
    fn projects_built(&mut self, n: usize) {
        for _ in 0..n {
            self.wait(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end");
        }
    }

    fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "javascript", "version": 1, "text": text}}),
        );
    }

    fn shutdown(mut self) {
        let res = self.request("shutdown", Value::Null);
        assert!(res.get("error").is_none(), "{res}");
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "exit after shutdown is clean: {status}");
                return;
            }
            assert!(Instant::now() < deadline, "server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn uri(dir: &Path, name: &str) -> String {
    format!("file://{}", dir.join(name).display())
}

fn codes(diags: &[Value]) -> Vec<(String, u64)> {
    diags
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_string(),
                d["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

const FLOATING: &str =
    "async function save() { await db.put(); }\nfunction run() {\n  save();\n}\n";

#[test]
fn diagnostics_links_hover_and_actions() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start(dir.path(), &[]);
    let init = s.initialize(dir.path(), json!({}), Value::Null);
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert!(
        caps.get("diagnosticProvider").is_none(),
        "push client gets no pull provider"
    );
    let u = uri(dir.path(), "a.js");
    s.open(&u, FLOATING);
    let diags = s.diagnostics(&u, 1);
    assert_eq!(codes(&diags), vec![("no-floating-promise".to_string(), 2)]);
    let d = &diags[0];
    assert_eq!(d["source"], "nodepit");
    assert_eq!(d["severity"], 1);
    assert_eq!(
        d["range"],
        json!({"start": {"line": 2, "character": 2}, "end": {"line": 2, "character": 8}})
    );
    let href = d["codeDescription"]["href"].as_str().unwrap();
    let doc_path = href.strip_prefix("file://").expect("a local file link");
    let doc = std::fs::read_to_string(doc_path).expect("the linked doc exists");
    assert!(doc.contains("## Interview question") && doc.contains("## Answer"));

    let hover = s.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": u}, "position": {"line": 2, "character": 4}}),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        value.contains("Interview question") && value.contains("no-floating-promise"),
        "{value}"
    );

    let actions = s.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": u}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    let actions = actions["result"].as_array().unwrap();
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Disable no-floating-promise for this line"),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"Explain no-floating-promise"),
        "{titles:?}"
    );
    assert!(
        titles.iter().any(|t| t.starts_with("Handle the rejection")),
        "{titles:?}"
    );
    let disable = actions
        .iter()
        .find(|a| a["title"] == "Disable no-floating-promise for this line")
        .unwrap();
    let edit = &disable["edit"]["changes"][&u][0];
    assert_eq!(
        edit["newText"],
        "  // nodepit-disable-next-line no-floating-promise\n"
    );
    assert_eq!(edit["range"]["start"], json!({"line": 2, "character": 0}));

    // Apply it: the finding goes, and the new comment is not an unused suppression.
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"range": edit["range"], "text": edit["newText"]}]}),
    );
    assert_eq!(codes(&s.diagnostics(&u, 2)), vec![]);

    let explain = actions
        .iter()
        .find(|a| a["title"] == "Explain no-floating-promise")
        .unwrap();
    let cmd = &explain["command"];
    let res = s.request(
        "workspace/executeCommand",
        json!({"command": cmd["command"], "arguments": cmd["arguments"]}),
    );
    assert!(res.get("error").is_none(), "{res}");
    let show = s.wait(|m| m["method"] == "window/showDocument");
    assert_eq!(show["params"]["uri"], href);
    assert!(
        !s.seen.iter().any(|m| m["method"] == "$/progress"
            || m["method"] == "window/workDoneProgress/create"),
        "no progress for a client that did not ask for it"
    );
    s.shutdown();
}

#[test]
fn utf16_and_utf8_ranges_with_emoji_and_crlf() {
    let text =
        "const s = '😀🎉'; async function save() { await db.put(); }\r\n/* 日本 */ save();\r\n";
    for (caps, enc, col) in [
        (json!({}), "utf-16", 9),
        (
            json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}}),
            "utf-8",
            13,
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Server::start(dir.path(), &[]);
        let init = s.initialize(dir.path(), caps, Value::Null);
        assert_eq!(init["result"]["capabilities"]["positionEncoding"], enc);
        let u = uri(dir.path(), "a.js");
        s.open(&u, text);
        let diags = s.diagnostics(&u, 1);
        assert_eq!(
            diags[0]["range"]["start"],
            json!({"line": 1, "character": col}),
            "{enc}"
        );
        // An edit before the finding, on the emoji line, in the negotiated units.
        let (start, end) = if enc == "utf-16" { (11, 15) } else { (11, 19) };
        s.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [
                {"range": {"start": {"line": 0, "character": start}, "end": {"line": 0, "character": end}}, "text": "x"}]}),
        );
        s.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": u, "version": 3}, "contentChanges": [
                {"range": {"start": {"line": 1, "character": 3}, "end": {"line": 1, "character": 3}}, "text": "🙂"}]}),
        );
        let diags = s.diagnostics(&u, 3);
        let shifted = if enc == "utf-16" { col + 2 } else { col + 4 };
        assert_eq!(
            diags[0]["range"]["start"],
            json!({"line": 1, "character": shifted}),
            "{enc}"
        );
        s.shutdown();
    }
}

#[test]
fn burst_of_changes_publishes_only_the_latest_version() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start(dir.path(), &[]);
    s.initialize(dir.path(), json!({}), Value::Null);
    let u = uri(dir.path(), "a.js");
    s.open(&u, "async function save() { await db.put(); }\n");
    for v in 2..=201 {
        s.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": u, "version": v}, "contentChanges": [
                {"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 0}}, "text": if v % 2 == 0 { "s" } else { "x" }}]}),
        );
    }
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 202}, "contentChanges": [{"text": "async function save() { await db.put(); }\nsave();\n"}]}),
    );
    let diags = s.diagnostics(&u, 202);
    assert_eq!(codes(&diags), vec![("no-floating-promise".to_string(), 1)]);
    let stale: Vec<_> = s
        .seen
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .filter_map(|m| m["params"]["version"].as_i64())
        .filter(|v| *v > 1 && *v < 202)
        .collect();
    assert!(
        stale.len() < 50,
        "debouncing drops most stale versions, published {}",
        stale.len()
    );
    s.shutdown();
}

#[test]
fn unused_suppression_and_its_fix() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start(dir.path(), &[]);
    s.initialize(dir.path(), json!({}), Value::Null);
    let u = uri(dir.path(), "a.js");
    s.open(
        &u,
        "const x = 1; // nodepit-disable-line no-floating-promise\nlet y = 2;\n",
    );
    let diags = s.diagnostics(&u, 1);
    assert_eq!(codes(&diags), vec![("unused-suppression".to_string(), 0)]);
    let hover = s.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": u}, "position": {"line": 0, "character": 45}}),
    );
    assert!(hover["result"]["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("Interview question"));
    let actions = s.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": u}, "range": diags[0]["range"], "context": {"diagnostics": diags}}),
    );
    let fix = &actions["result"][0];
    assert_eq!(fix["title"], "Remove the unused suppression");
    let edit = &fix["edit"]["changes"][&u][0];
    assert_eq!(
        edit["range"],
        json!({"start": {"line": 0, "character": 12}, "end": {"line": 0, "character": 56}})
    );
    assert_eq!(edit["newText"], "");
    s.shutdown();
}

/// Diagnostics nodepit reports itself link to their own docs and hover with them; a skipped Flow
/// file is an information-level note.
#[test]
fn builtin_diagnostics_have_docs_and_notes_are_information() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start(dir.path(), &[]);
    s.initialize(dir.path(), json!({}), Value::Null);
    let flow = uri(dir.path(), "flow.js");
    s.open(&flow, "/* @flow */\nconst n: number = 1;\n");
    let diags = s.diagnostics(&flow, 1);
    assert_eq!(codes(&diags), vec![("skipped-file".to_string(), 0)]);
    assert_eq!(diags[0]["severity"], 3);
    let href = diags[0]["codeDescription"]["href"].as_str().unwrap();
    assert!(href.ends_with("/builtin/skipped-file.md"), "{href}");
    let doc = std::fs::read_to_string(href.strip_prefix("file://").unwrap()).unwrap();
    assert!(doc.starts_with("# skipped-file\n"));

    let broken = uri(dir.path(), "broken.js");
    s.open(&broken, "const a = ;\n");
    let diags = s.diagnostics(&broken, 1);
    assert_eq!(codes(&diags), vec![("syntax-error".to_string(), 0)]);
    assert!(diags[0]["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("/builtin/syntax-error.md"));
    let hover = s.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": broken}, "position": {"line": 0, "character": 10}}),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        value.contains("`syntax-error`") && value.contains("What to do"),
        "{value}"
    );

    let types = uri(dir.path(), "types.d.ts");
    s.open(
        &types,
        "export declare function load(path: string): Promise<Buffer>;\n",
    );
    assert_eq!(codes(&s.diagnostics(&types, 1)), vec![]);
    s.shutdown();
}

#[test]
fn config_reload_and_client_settings() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start(dir.path(), &[]);
    s.initialize(
        dir.path(),
        json!({}),
        json!({"rules": {"no-floating-promise": "warn"}}),
    );
    let u = uri(dir.path(), "a.js");
    s.open(&u, FLOATING);
    let diags = s.diagnostics(&u, 1);
    assert_eq!(
        diags[0]["severity"], 2,
        "the client setting makes it a warning"
    );

    std::fs::write(
        dir.path().join("nodepit.toml"),
        "[rules]\nprefer-pipeline = \"off\"\n",
    )
    .unwrap();
    s.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"nodepit": {"rules": {"no-floating-promise": "off"}}}}),
    );
    assert_eq!(codes(&s.diagnostics(&u, 1)), vec![]);

    s.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"nodepit": {"docsBaseUrl": "https://example.test/docs"}}}),
    );
    let diags = s.diagnostics(&u, 1);
    assert_eq!(
        diags[0]["codeDescription"]["href"],
        "https://example.test/docs/no-floating-promise.md"
    );

    std::fs::write(
        dir.path().join("nodepit.toml"),
        "[rules]\nno-floating-promise = \"off\"\n",
    )
    .unwrap();
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(dir.path(), "nodepit.toml"), "type": 2}]}),
    );
    assert_eq!(codes(&s.diagnostics(&u, 1)), vec![]);
    s.shutdown();
}

#[test]
fn pull_diagnostics_when_the_client_supports_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start(dir.path(), &[]);
    let init = s.initialize(
        dir.path(),
        json!({"textDocument": {"diagnostic": {"dynamicRegistration": false}}, "workspace": {"diagnostics": {"refreshSupport": true}}}),
        Value::Null,
    );
    assert_eq!(
        init["result"]["capabilities"]["diagnosticProvider"]["identifier"],
        "nodepit"
    );
    let u = uri(dir.path(), "a.js");
    s.open(&u, FLOATING);
    let report = s.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": u}}),
    );
    assert_eq!(report["result"]["kind"], "full");
    assert_eq!(
        codes(report["result"]["items"].as_array().unwrap()),
        vec![("no-floating-promise".to_string(), 2)]
    );
    assert!(
        !s.seen
            .iter()
            .any(|m| m["method"] == "textDocument/publishDiagnostics"),
        "never both: nothing is pushed to a pull client"
    );
    s.shutdown();
}

#[test]
fn clients_that_cannot_refresh_get_pushed_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start(dir.path(), &[]);
    let init = s.initialize(
        dir.path(),
        json!({"textDocument": {"diagnostic": {}}}),
        Value::Null,
    );
    assert!(init["result"]["capabilities"]
        .get("diagnosticProvider")
        .is_none());
    let u = uri(dir.path(), "a.js");
    s.open(&u, FLOATING);
    assert_eq!(
        codes(&s.diagnostics(&u, 1)),
        vec![("no-floating-promise".to_string(), 2)]
    );
    s.shutdown();
}

#[test]
fn a_panicking_rule_is_logged_and_the_server_stays_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start(
        dir.path(),
        &[("NODEPIT_TEST_PANIC_RULE", "prefer-pipeline")],
    );
    s.initialize(dir.path(), json!({}), Value::Null);
    let u = uri(dir.path(), "a.js");
    s.open(&u, FLOATING);
    let log = s.wait(|m| {
        m["method"] == "window/logMessage"
            && m["params"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("prefer-pipeline")
    });
    assert!(log["params"]["message"]
        .as_str()
        .unwrap()
        .contains("crashed"));
    let hover = s.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": u}, "position": {"line": 0, "character": 0}}),
    );
    assert!(hover.get("error").is_none(), "{hover}");
    s.shutdown();
}

#[test]
fn survives_garbage_and_huge_binary_or_deep_documents() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start(dir.path(), &[]);
    s.initialize(dir.path(), json!({}), Value::Null);

    // Malformed messages get JSON-RPC errors; the server keeps reading.
    let res = s.request("textDocument/hover", json!({"nonsense": true}));
    assert_eq!(res["error"]["code"], -32602, "{res}");
    let res = s.request("no/suchMethod", json!({}));
    assert_eq!(res["error"]["code"], -32601);
    s.send_raw("{\"jsonrpc\": \"2.0\", \"id\": 999, \"method\": ");
    s.wait(|m| m["error"]["code"] == -32700);
    s.send_raw("{\"foo\": 1}");
    s.wait(|m| m["error"]["code"] == -32600);

    let bin = uri(dir.path(), "bin.js");
    s.notify("textDocument/didOpen", json!({"textDocument": {"uri": bin, "languageId": "javascript", "version": 1, "text": "\u{0}\u{1}\u{fffd}garbage((("}}));
    assert_eq!(
        codes(&s.diagnostics(&bin, 1)),
        vec![("syntax-error".to_string(), 0)]
    );

    // Just under the default `max-file-size` (4 MB): linted whole.
    let filler = "const value = compute(1, 2, 3); // filler\n";
    let mut big = String::from("async function save() { await db.put(); }\n");
    while big.len() < 3 * 1024 * 1024 + 512 * 1024 {
        big.push_str(filler);
    }
    big.push_str("save();\n");
    let lines = big.lines().count() as u64;
    let big_uri = uri(dir.path(), "big.js");
    s.notify("textDocument/didOpen", json!({"textDocument": {"uri": big_uri, "languageId": "javascript", "version": 1, "text": big.clone()}}));
    assert_eq!(
        codes(&s.diagnostics(&big_uri, 1)),
        vec![("no-floating-promise".to_string(), lines - 1)]
    );
    // Over it: one note that the file was skipped, nothing parsed.
    while big.len() < 5 * 1024 * 1024 {
        big.push_str(filler);
    }
    let huge_uri = uri(dir.path(), "huge.js");
    s.notify("textDocument/didOpen", json!({"textDocument": {"uri": huge_uri, "languageId": "javascript", "version": 1, "text": big}}));
    assert_eq!(
        codes(&s.diagnostics(&huge_uri, 1)),
        vec![("skipped-file".to_string(), 0)]
    );

    let deep = format!("const x = {}1{};", "(".repeat(20_000), ")".repeat(20_000));
    let deep_uri = uri(dir.path(), "deep.js");
    s.notify("textDocument/didOpen", json!({"textDocument": {"uri": deep_uri, "languageId": "javascript", "version": 1, "text": deep}}));
    assert_eq!(codes(&s.diagnostics(&deep_uri, 1)), vec![]);
    s.shutdown();
}

/// "Fix all" goes through the checked fixer: two chains that each add the same `require` get it
/// once, and applying the edit leaves a document with no finding (nor a redeclared `pipeline`).
#[test]
fn fix_all_adds_a_shared_import_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start(dir.path(), &[]);
    s.initialize(dir.path(), json!({}), Value::Null);
    let u = uri(dir.path(), "copy.js");
    let text = "const fs = require('fs');\n\
                function a(x, y) { fs.createReadStream(x).pipe(fs.createWriteStream(y)); }\n\
                function b(x, y) { fs.createReadStream(x).pipe(fs.createWriteStream(y)); }\n\
                module.exports = { a, b };\n";
    s.open(&u, text);
    assert_eq!(s.diagnostics(&u, 1).len(), 2);
    let actions = s.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": u},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
               "context": {"diagnostics": [], "only": ["source.fixAll.nodepit"]}}),
    );
    let actions = actions["result"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    let edits = actions[0]["edit"]["changes"][&u].as_array().unwrap();
    assert_eq!(edits.len(), 1);
    let inserted = edits[0]["newText"].as_str().unwrap();
    assert_eq!(
        inserted.matches("require('node:stream')").count(),
        1,
        "{inserted}"
    );
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"range": edits[0]["range"], "text": inserted}]}),
    );
    assert_eq!(codes(&s.diagnostics(&u, 2)), vec![]);
    s.shutdown();
}

/// A document the config's `ignore` excludes gets no findings, as `nodepit check` skips it.
#[test]
fn ignored_documents_get_no_findings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("nodepit.toml"),
        "ignore = [\"vendor/**\"]\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("vendor")).unwrap();
    let mut s = Server::start(dir.path(), &[]);
    s.initialize(dir.path(), json!({}), Value::Null);
    let kept = uri(dir.path(), "a.js");
    s.open(&kept, FLOATING);
    assert_eq!(s.diagnostics(&kept, 1).len(), 1);
    let ignored = uri(dir.path(), "vendor/a.js");
    s.open(&ignored, FLOATING);
    assert_eq!(codes(&s.diagnostics(&ignored, 1)), vec![]);
    s.shutdown();
}

/// `app.js` registers a controller that lives in another file.
const APP: &str = "const express = require('express');\nconst report = require('./controllers/report');\n\nconst app = express();\napp.get('/r', report.get);\napp.listen(3000);\n";
/// The controller: a blocking read that only the registration in `app.js` puts in a handler.
const REPORT: &str = "const fs = require('fs');\n\nexports.get = (req, res) => {\n  res.send(fs.readFileSync('report.csv', 'utf8'));\n};\n";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn has(diags: &[Value], rule: &str) -> bool {
    diags.iter().any(|d| d["code"] == rule)
}

/// The project model in the editor: a finding that needs another file appears once the model is
/// built, matches `nodepit check`, points at the registration in the other file, and follows
/// edits of that other file (unregistering the route clears it, moving the route moves the
/// related location).
#[test]
fn cross_file_findings_follow_edits_of_other_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.js", APP);
    write(dir.path(), "controllers/report.js", REPORT);
    let mut s = Server::start(dir.path(), &[]);
    s.initialize(
        dir.path(),
        json!({"window": {"workDoneProgress": true}}),
        Value::Null,
    );
    let report = uri(dir.path(), "controllers/report.js");
    let app = uri(dir.path(), "app.js");
    s.open(&report, REPORT);
    let diags = s.published(&report, |d| has(d, "no-sync-in-handler"));
    assert_eq!(codes(&diags), vec![("no-sync-in-handler".to_string(), 3)]);
    let message = diags[0]["message"].as_str().unwrap();
    assert!(
        message.contains("`GET /r` handler (registered in app.js)"),
        "{message}"
    );
    let related = &diags[0]["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], app);
    assert_eq!(
        related["location"]["range"]["start"],
        json!({"line": 4, "character": 0})
    );

    // The build reported its progress: created, begun, ended.
    let create = s.wait(|m| m["method"] == "window/workDoneProgress/create");
    let token = create["params"]["token"].clone();
    for kind in ["begin", "end"] {
        s.wait(|m| {
            m["method"] == "$/progress"
                && m["params"]["token"] == token
                && m["params"]["value"]["kind"] == kind
        });
    }

    // The same finding as `nodepit check` run in the folder.
    let out = Command::new(env!("CARGO_BIN_EXE_nodepit"))
        .args(["check", "--format", "json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cli: Vec<&Value> = cli["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["path"]
                .as_str()
                .unwrap()
                .ends_with("controllers/report.js")
        })
        .collect();
    assert_eq!(cli.len(), 1, "{cli:?}");
    assert_eq!(cli[0]["rule"], "no-sync-in-handler");
    assert_eq!(cli[0]["line"], 4);
    assert!(message.starts_with(cli[0]["message"].as_str().unwrap()));

    // Unregistering the route in the open app.js clears the finding in report.js.
    s.open(&app, APP);
    s.diagnostics(&app, 1);
    s.forget(&report);
    s.change(&app, 2, &APP.replace("app.get('/r', report.get);\n", ""));
    s.diagnostics(&app, 2);
    assert_eq!(codes(&s.published(&report, |_| true)), vec![]);

    // Registering it again two lines lower brings it back, pointing at the new line.
    s.change(&app, 3, &APP.replace("app.get", "\n\napp.get"));
    let diags = s.published(&report, |d| has(d, "no-sync-in-handler"));
    assert_eq!(
        diags[0]["relatedInformation"][0]["location"]["range"]["start"],
        json!({"line": 6, "character": 0})
    );
    // Typing above it moves it again: only ranges change, and the related location follows.
    s.change(&app, 4, &APP.replace("app.get", "\n\n\napp.get"));
    let diags = s.published(&report, |d| {
        d.first()
            .is_some_and(|d| d["relatedInformation"][0]["location"]["range"]["start"]["line"] == 7)
    });
    assert_eq!(codes(&diags), vec![("no-sync-in-handler".to_string(), 3)]);

    // Closing app.js without saving: the disk's version (with the route on line 5) counts again.
    s.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": app}}),
    );
    s.published(&report, |d| {
        d.first()
            .is_some_and(|d| d["relatedInformation"][0]["location"]["range"]["start"]["line"] == 4)
    });
    s.shutdown();
}

/// Each workspace folder has its own project: a file of one folder that registers a controller
/// of the other gives it no finding there; a file outside every folder is linted alone; a file
/// created on disk joins its folder's project.
#[test]
fn workspace_folders_have_separate_projects() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "a/app.js", APP);
    write(root, "a/controllers/report.js", REPORT);
    write(root, "b/controllers/report.js", REPORT);
    write(
        root,
        "a/cross.js",
        "const express = require('express');\nconst other = require('../b/controllers/report');\nexpress().get('/x', other.get);\n",
    );
    let mut s = Server::start(root, &[]);
    let folder = |name: &str| json!({"uri": uri(root, name), "name": name});
    s.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(root, "a"),
               "capabilities": {"window": {"workDoneProgress": true}},
               "workspaceFolders": [folder("a"), folder("b")]}),
    );
    s.notify("initialized", json!({}));
    s.projects_built(2);

    let in_a = uri(root, "a/controllers/report.js");
    s.open(&in_a, REPORT);
    assert_eq!(
        codes(&s.diagnostics(&in_a, 1)),
        vec![("no-sync-in-handler".to_string(), 3)]
    );
    let in_b = uri(root, "b/controllers/report.js");
    s.open(&in_b, REPORT);
    assert_eq!(codes(&s.diagnostics(&in_b, 1)), vec![]);

    let outside = uri(root, "c.js");
    s.open(&outside, FLOATING);
    assert_eq!(
        codes(&s.diagnostics(&outside, 1)),
        vec![("no-floating-promise".to_string(), 2)]
    );

    // A new file in b registers its controller: the open document gets the finding.
    write(
        root,
        "b/server.js",
        &APP.replace("app.get('/r'", "app.post('/upload'"),
    );
    s.forget(&in_b);
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(root, "b/server.js"), "type": 1}]}),
    );
    let diags = s.published(&in_b, |d| has(d, "no-sync-in-handler"));
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("`POST /upload` handler (registered in server.js)"),
        "{diags:?}"
    );
    // Deleted again: the finding goes.
    std::fs::remove_file(root.join("b/server.js")).unwrap();
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(root, "b/server.js"), "type": 3}]}),
    );
    s.published(&in_b, |d| !has(d, "no-sync-in-handler"));

    // Folder a leaves the workspace: its files are linted alone, without the registration.
    s.forget(&in_a);
    s.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [], "removed": [folder("a")]}}),
    );
    assert_eq!(codes(&s.published(&in_a, |_| true)), vec![]);
    s.shutdown();
}

/// A pull client is asked to pull again when another file's change may change a document's
/// findings, and then gets the new ones.
#[test]
fn pull_clients_pull_again_when_another_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.js", APP);
    write(dir.path(), "controllers/report.js", REPORT);
    let mut s = Server::start(dir.path(), &[]);
    s.initialize(
        dir.path(),
        json!({"window": {"workDoneProgress": true},
               "textDocument": {"diagnostic": {}},
               "workspace": {"diagnostics": {"refreshSupport": true}}}),
        Value::Null,
    );
    s.projects_built(1);
    let report = uri(dir.path(), "controllers/report.js");
    let app = uri(dir.path(), "app.js");
    s.open(&report, REPORT);
    s.open(&app, APP);
    let pull = |s: &mut Server, u: &str| {
        let res = s.request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": u}}),
        );
        res["result"]["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        codes(&pull(&mut s, &report)),
        vec![("no-sync-in-handler".to_string(), 3)]
    );
    assert_eq!(codes(&pull(&mut s, &app)), vec![]);
    s.change(&app, 2, &APP.replace("app.get('/r', report.get);\n", ""));
    assert_eq!(codes(&pull(&mut s, &app)), vec![]);
    s.wait(|m| m["method"] == "workspace/diagnostic/refresh");
    assert_eq!(codes(&pull(&mut s, &report)), vec![]);
    assert!(
        !s.seen
            .iter()
            .any(|m| m["method"] == "textDocument/publishDiagnostics"),
        "nothing is pushed to a pull client"
    );
    s.shutdown();
}

/// The "Run the demonstration" action's command, for the floating promise in `FLOATING`.
fn demo_command(s: &mut Server, dir: &Path) -> Value {
    let u = uri(dir, "a.js");
    s.open(&u, FLOATING);
    let diags = s.diagnostics(&u, 1);
    let d = &diags[0];
    let actions = s.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": u}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Run the demonstration of no-floating-promise")
        .unwrap_or_else(|| panic!("no demo action: {actions}"))["command"]
        .clone()
}

/// Runs the demonstration action of a fresh finding; returns the `window/showMessage` it gives.
fn run_demo(s: &mut Server, dir: &Path) -> Value {
    let cmd = demo_command(s, dir);
    let res = s.request(
        "workspace/executeCommand",
        json!({"command": cmd["command"], "arguments": cmd["arguments"]}),
    );
    assert!(res.get("error").is_none(), "{res}");
    s.wait(|m| m["method"] == "window/showMessage")
}

#[test]
fn runs_the_demonstration_with_node_and_shows_the_verdict() {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("skip: no node on PATH");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start(dir.path(), &[]);
    let caps = json!({"window": {"showDocument": {"support": true}, "workDoneProgress": true}});
    let init = s.initialize(dir.path(), caps, Value::Null);
    let commands = &init["result"]["capabilities"]["executeCommandProvider"]["commands"];
    assert!(
        commands
            .as_array()
            .unwrap()
            .contains(&json!("nodepit.runDemo")),
        "{commands}"
    );
    let shown = run_demo(&mut s, dir.path());
    let message = shown["params"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("no-floating-promise on Node v")
            && message.contains("verdict: confirmed: "),
        "{message}"
    );
    assert_eq!(shown["params"]["type"], 3, "information: {message}");
    let log = s.wait(|m| {
        m["method"] == "window/logMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|t| t.contains("the demonstration of no-floating-promise"))
    });
    assert!(log["params"]["message"]
        .as_str()
        .unwrap()
        .contains("exit code 0"));
    let show = s.wait(|m| m["method"] == "window/showDocument");
    let file = show["params"]["uri"].as_str().unwrap();
    assert!(file.ends_with("/no-floating-promise.demo.cjs"), "{file}");
    s.wait(|m| {
        m["method"] == "$/progress"
            && m["params"]["token"]
                .as_str()
                .is_some_and(|t| t.starts_with("nodepit/demo/"))
            && m["params"]["value"]["kind"] == "end"
    });
    s.shutdown();
}

#[test]
fn without_node_the_demonstration_is_opened_instead() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let mut s = Server::start(dir.path(), &[("PATH", empty.to_str().unwrap())]);
    let caps = json!({"window": {"showDocument": {"support": true}}});
    s.initialize(dir.path(), caps, Value::Null);
    let shown = run_demo(&mut s, dir.path());
    let message = shown["params"]["message"].as_str().unwrap();
    assert!(
        message.contains("cannot run the demonstration") && message.contains("Install Node.js"),
        "{message}"
    );
    let show = s.wait(|m| m["method"] == "window/showDocument");
    let path = show["params"]["uri"]
        .as_str()
        .unwrap()
        .strip_prefix("file://")
        .unwrap()
        .to_string();
    let text = std::fs::read_to_string(&path).expect("the demo file exists");
    assert!(text.contains("verdict: "), "{text}");
    s.shutdown();
}
