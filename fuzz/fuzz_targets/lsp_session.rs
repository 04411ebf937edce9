//! Structured editor sessions against the whole language server in process: didOpen,
//! didChange with random ranges (past the end, inside surrogate pairs, across CRLF), hover,
//! codeAction, didSave, didClose and `$/cancelRequest`, on two documents, in each position
//! encoding. Any panic aborts, including one the server would catch.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

/// Text that starts documents near real code, with CRLF and astral characters to split.
const SEED: &str = "const fs = require('fs');\r\napp.get('/x', (req, res) => {\r\n  const s = fs.readFileSync('a');\r\n  res.send('😀' + s);\r\n});\n[1, 2].forEach(async (x) => { await x; });\n";

#[derive(Arbitrary, Debug)]
struct Pos {
    line: u8,
    character: u16,
}

#[derive(Arbitrary, Debug)]
struct Change {
    range: Option<(Pos, Pos)>,
    text: String,
    /// Insert `SEED`'s characters `[from..]` instead of `text` (near-real code, surrogates).
    seed_from: Option<u8>,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Open { doc: bool, ts: bool, seed: bool, text: String },
    Change { doc: bool, changes: Vec<Change> },
    Hover { doc: bool, at: Pos },
    CodeAction { doc: bool, from: Pos, to: Pos },
    Save { doc: bool },
    Close { doc: bool },
    Cancel { back: u8 },
}

#[derive(Arbitrary, Debug)]
struct Session {
    encoding: u8,
    ops: Vec<Op>,
}

fn frame(out: &mut Vec<u8>, v: Value) {
    let body = v.to_string();
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body.as_bytes());
}

fn pos(p: &Pos) -> Value {
    // Lines past the end and characters far past a line's end are both fair game.
    json!({"line": p.line % 16, "character": p.character % 300})
}

fn uri(doc: bool, ts: bool) -> String {
    let dir = std::env::temp_dir();
    let name = format!("{}.{}", if doc { "b" } else { "a" }, if ts { "ts" } else { "js" });
    format!("file://{}/nodepit-fuzz-lsp/{name}", dir.display())
}

fuzz_target!(|s: Session| {
    std::env::set_var("NODEPIT_LSP_DEBOUNCE_MS", "0");
    let encoding = ["utf-16", "utf-8", "utf-32"][s.encoding as usize % 3];
    let mut out = Vec::new();
    frame(&mut out, json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "capabilities": {"general": {"positionEncodings": [encoding]}}}}));
    frame(&mut out, json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    let mut id = 1;
    let mut version = 0;
    // The file kind each document was last opened with.
    let mut kinds = [false, false];
    for op in s.ops.iter().take(40) {
        version += 1;
        let msg = match op {
            Op::Open { doc, ts, seed, text } => {
                kinds[*doc as usize] = *ts;
                let text = if *seed { SEED.to_string() + text } else { text.clone() };
                json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
                    "uri": uri(*doc, *ts), "languageId": if *ts { "typescript" } else { "javascript" },
                    "version": version, "text": text}}})
            }
            Op::Change { doc, changes } => {
                let changes: Vec<Value> = changes
                    .iter()
                    .take(8)
                    .map(|c| {
                        let text = match c.seed_from {
                            Some(n) => SEED.chars().skip(n as usize % SEED.chars().count()).take(20).collect(),
                            None => c.text.clone(),
                        };
                        match &c.range {
                            Some((a, b)) => json!({"range": {"start": pos(a), "end": pos(b)}, "text": text}),
                            None => json!({"text": text}),
                        }
                    })
                    .collect();
                json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                    "textDocument": {"uri": uri(*doc, kinds[*doc as usize]), "version": version},
                    "contentChanges": changes}})
            }
            Op::Hover { doc, at } => {
                id += 1;
                json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/hover", "params": {
                    "textDocument": {"uri": uri(*doc, kinds[*doc as usize])}, "position": pos(at)}})
            }
            Op::CodeAction { doc, from, to } => {
                id += 1;
                json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/codeAction", "params": {
                    "textDocument": {"uri": uri(*doc, kinds[*doc as usize])},
                    "range": {"start": pos(from), "end": pos(to)},
                    "context": {"diagnostics": []}}})
            }
            Op::Save { doc } => json!({"jsonrpc": "2.0", "method": "textDocument/didSave", "params": {
                "textDocument": {"uri": uri(*doc, kinds[*doc as usize])}}}),
            Op::Close { doc } => json!({"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {
                "textDocument": {"uri": uri(*doc, kinds[*doc as usize])}}}),
            Op::Cancel { back } => json!({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {
                "id": id - (*back as i64 % 3)}}),
        };
        frame(&mut out, msg);
    }
    frame(&mut out, json!({"jsonrpc": "2.0", "id": id + 1, "method": "shutdown"}));
    frame(&mut out, json!({"jsonrpc": "2.0", "method": "exit"}));
    nodepit_lsp::serve_bytes(out);
});
