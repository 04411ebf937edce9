#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets into fuzz/corpus/<target>/.

lint and fixer: every fixture file and every js/ts code block of the rule docs, prefixed with
the byte that picks the file kind (0 .js, 1 .ts, 2 .tsx, as fuzz_targets/common.rs reads it).
lsp_stream: framed sessions (initialize, didOpen of a fixture, hover, codeAction, shutdown),
one per fixture file, plus a few malformed frames.
config, lsp_session: structured (arbitrary) inputs, which libFuzzer grows from nothing.
"""
import hashlib, json, pathlib, re

root = pathlib.Path(__file__).resolve().parent.parent
out = root / "fuzz" / "corpus"
KIND = {".js": 0, ".cjs": 0, ".mjs": 0, ".jsx": 2, ".ts": 1, ".mts": 1, ".cts": 1, ".tsx": 2}


def put(target, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


sources = []
for f in sorted((root / "fixtures").rglob("*")):
    if f.is_file() and f.suffix in KIND:
        sources.append((KIND[f.suffix], f.read_bytes()))
for doc in sorted((root / "rules").rglob("*.md")):
    for lang, body in re.findall(r"```(\w+)[^\n]*\n(.*?)```", doc.read_text(), re.S):
        if lang in ("js", "javascript", "ts", "typescript"):
            sources.append((1 if lang.startswith("t") else 0, body.encode()))

for kind, body in sources:
    put("lint", bytes([kind]) + body)
    put("fixer", bytes([kind]) + body)


def frame(msg):
    body = json.dumps(msg).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


for i, (kind, body) in enumerate(sources[:200]):
    uri = "file:///tmp/nodepit-fuzz-lsp/s%d.%s" % (i, "ts" if kind == 1 else "js")
    text = body.decode("utf-8", "replace")
    doc = {"uri": uri}
    session = b"".join(frame(m) for m in [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "javascript", "version": 1, "text": text}}},
        {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": 2}, "contentChanges": [
                {"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 3}}, "text": "\r\n"}]}},
        {"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {
            "textDocument": doc, "position": {"line": 2, "character": 4}}},
        {"jsonrpc": "2.0", "id": 3, "method": "textDocument/codeAction", "params": {
            "textDocument": doc, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 0}},
            "context": {"diagnostics": []}}},
        {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 3}},
        {"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": doc}},
        {"jsonrpc": "2.0", "id": 4, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ])
    put("lsp_stream", session)
for junk in [b"Content-Length: 5\r\n\r\n{\"a\":", b"{\"jsonrpc\":\"2.0\"}\r\n\r\n", b"Content-Length: x\r\n\r\n",
             b"Content-Length: 99999999999999999999\r\n\r\n{}", frame({"jsonrpc": "2.0", "id": {}, "method": 1})]:
    put("lsp_stream", junk)
print({t.name: len(list(t.iterdir())) for t in sorted(out.iterdir())})
