#!/usr/bin/env python3
"""Latency of `nodepit lsp`: time from didChange to publishDiagnostics on a 5,000-line handler file.

Usage: tests/bench/lsp_latency.py [--edits N] [--binary PATH] [--project DIR]

Builds nothing: run `cargo build --release -p nodepit` first (or pass --binary).
Debounce is set to 0 so the figures are analysis and protocol time alone; the server's default
debounce (15 ms) comes on top in an editor. Also reports the server's memory before and after.

With --project, a copy of DIR (without node_modules and .git) is the workspace folder, and the
handler file and a helper it imports are written into it: the script also reports how long the
project model took to build (initialized -> the end of its workDoneProgress), and how long after
an edit of the helper (an exported function turning async and back) the open handler file is
published again with its changed findings (the server waits 40 ms for such edits to settle).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import queue
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


HELPER = "exports.track = {}function track(event) {{ {}fetch('http://audit.local', {{ method: 'POST', body: event }}); }};\n"
ASYNC = ("async ", "await ")
SYNC = ("", "void ")


def handler_file(lines, helper=False):
    """A realistic Express routes module of about `lines` lines, with a few findings; with
    `helper`, some handlers also call `track` of the helper module."""
    out = [
        "const express = require('express');",
        "const fs = require('fs');",
        "const router = express.Router();",
        "async function audit(event) { await fs.promises.appendFile('audit.log', event); }",
    ]
    if helper:
        out.append("const helper = require('./nodepit_latency_helper');")
    i = 0
    while len(out) < lines - 1:
        out += [
            f"router.get('/items/{i}', async (req, res, next) => {{",
            f"  const id = Number(req.params.id) + {i};",
            "  try {",
            "    const rows = await req.app.locals.db.query('select * from items where id = $1', [id]);",
            "    if (!rows.length) return res.status(404).json({ error: 'not found' });",
            f"    res.json({{ item: rows[0], page: {i} }});",
            "  } catch (err) {",
            "    next(err);",
            "  }",
            "});",
        ]
        if i % 50 == 0:
            out += [f"router.post('/log/{i}', (req, res) => {{ audit(req.body); res.end(fs.readFileSync('ok.txt')); }});"]
            if helper and i == 0:
                # The one call that drops the promise: a finding while `track` is async.
                out += [f"router.put('/track/{i}', (req, res) => {{ helper.track(req.body); res.end(); }});"]
            elif helper:
                # The others await it, so the project does not take `track` for fire-and-forget.
                out += [f"router.put('/track/{i}', async (req, res) => {{ await helper.track(req.body); res.end(); }});"]
        i += 1
    out.append("module.exports = router;")
    return "\n".join(out) + "\n"


class Client:
    def __init__(self, binary, env):
        self.p = subprocess.Popen([binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, env=env)
        self.q = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.id = 0

    def _read(self):
        f = self.p.stdout
        while True:
            length = None
            while True:
                line = f.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            self.q.put((time.perf_counter(), json.loads(f.read(length))))

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def request(self, method, params):
        self.id += 1
        self.send({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self.id and "method" not in m)[1]

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, pred):
        while True:
            t, m = self.q.get(timeout=30)
            if "method" in m and "id" in m:
                self.send({"jsonrpc": "2.0", "id": m["id"], "result": None})
            if pred(m):
                return t, m


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=1000)
    ap.add_argument("--lines", type=int, default=5000)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "nodepit"))
    ap.add_argument("--project", help="a folder to copy and use as the workspace folder")
    ap.add_argument("--cross-edits", type=int, default=20)
    args = ap.parse_args()
    env = dict(os.environ, NODEPIT_LSP_DEBOUNCE_MS="0")
    tmp = tempfile.mkdtemp()
    env["XDG_CACHE_HOME"] = os.path.join(tmp, ".cache")
    folder = os.path.join(tmp, "project")
    if args.project:
        shutil.copytree(args.project, folder, symlinks=True,
                        ignore=shutil.ignore_patterns("node_modules", ".git"))
    else:
        os.makedirs(folder)
    text = handler_file(args.lines, helper=bool(args.project))
    path = os.path.join(folder, "nodepit_latency_routes.js")
    helper_path = os.path.join(folder, "nodepit_latency_helper.js")
    with open(path, "w") as f:
        f.write(text)
    with open(helper_path, "w") as f:
        f.write(HELPER.format(*ASYNC))
    uri = "file://" + path
    c = Client(args.binary, env)
    c.request("initialize", {"processId": None, "rootUri": "file://" + folder,
                             "workspaceFolders": [{"uri": "file://" + folder, "name": "project"}],
                             "capabilities": {"window": {"workDoneProgress": True}}})
    started = time.perf_counter()
    c.notify("initialized", {})
    t, _ = c.wait(lambda m: m.get("method") == "$/progress" and m["params"]["value"]["kind"] == "end")
    build_ms = (t - started) * 1000
    rss_model = rss_kb(c.p.pid)
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "javascript", "version": 1, "text": text}})
    _, first = c.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["version"] == 1)
    findings = len(first["params"]["diagnostics"])
    rss_before = rss_kb(c.p.pid)
    times = []
    line = 5  # inside the first handler's body
    for v in range(2, args.edits + 2):
        # Type a character, then delete it, alternately: single-character edits that keep the file valid.
        if v % 2 == 0:
            change = {"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}, "text": " "}
        else:
            change = {"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 1}}, "text": ""}
        start = time.perf_counter()
        c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": v}, "contentChanges": [change]})
        t, _ = c.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["version"] == v)
        times.append((t - start) * 1000)
    rss_after = rss_kb(c.p.pid)
    cross = []
    if args.project:
        # The helper turns sync and back: the `helper.track(...)` calls of the open handler file
        # start or stop being floating promises.
        helper_uri = "file://" + helper_path
        c.notify("textDocument/didOpen", {"textDocument": {"uri": helper_uri, "languageId": "javascript", "version": 1, "text": HELPER.format(*ASYNC)}})
        c.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == helper_uri)
        count = lambda m: len(m["params"]["diagnostics"])
        for v in range(2, args.cross_edits + 2):
            helper = HELPER.format(*(SYNC if v % 2 == 0 else ASYNC))
            start = time.perf_counter()
            c.notify("textDocument/didChange", {"textDocument": {"uri": helper_uri, "version": v}, "contentChanges": [{"text": helper}]})
            t, m = c.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri)
            cross.append((t - start) * 1000)
            time.sleep(0.2)
    c.request("shutdown", None)
    c.notify("exit", None)
    shutil.rmtree(tmp, ignore_errors=True)
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"project model: built in {build_ms:.0f} ms (initialized -> progress end), server RSS {rss_model / 1024:.1f} MiB")
    print(f"file: {text.count(chr(10))} lines, {len(text) / 1024:.0f} KiB, {findings} findings")
    print(f"edits: {len(times)}; didChange -> publishDiagnostics (debounce off): "
          f"p50 {p(0.50):.1f} ms, p90 {p(0.90):.1f} ms, p99 {p(0.99):.1f} ms, max {times[-1]:.1f} ms, mean {statistics.mean(times):.1f} ms")
    print(f"server RSS: {rss_before / 1024:.1f} MiB after open, {rss_after / 1024:.1f} MiB after the edits")
    if cross:
        cross.sort()
        q = lambda x: cross[min(len(cross) - 1, int(x * len(cross)))]
        print(f"helper edits: {len(cross)}; didChange of the helper -> publish of the open handler file "
              f"(40 ms settle included): p50 {q(0.5):.1f} ms, max {cross[-1]:.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
