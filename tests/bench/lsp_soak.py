#!/usr/bin/env python3
"""Soak of `nodepit lsp`: many random edits on the benchmark corpus's large files.

Usage: tests/bench/lsp_soak.py [--edits 50000] [--binary PATH] [--corpus DIR] [--seed N]

Two documents are open at once, each one of the corpus's largest files. Edits are incremental
didChange messages (typing near a cursor, deletions across lines, pasted lines, CRLF and astral
characters), interleaved with hover, codeAction (some cancelled with `$/cancelRequest` right
after they are sent), didSave, and didClose followed by a didOpen of another large file.
It checks:
- the server never exits or prints a panic;
- every request is answered (a result, or the cancellation error);
- every published diagnostic range lies inside the text of the version it names;
- per document, published versions never go backwards, and after the last edit the last
  publish is for the last version (no stale findings left on screen);
- the server's anonymous RSS (its heap, not its code pages) at the end is within 10% of that
  after the first 1,000 edits. Each reading is settled: both documents are closed, the run's
  first two files are opened again as they are on disk, and the server is left idle for 3 s, so
  the readings compare the same documents whatever the edits did to their number and size.
Exit code 0 when every check holds. Builds nothing: pass --binary or build release first.
"""
import argparse
from array import array
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import queue

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SNIPPETS = [
    "a", "e", " ", "(", ")", "{", "}", ";", "\n", "\r\n", "await ", "async ", "x", "😀", "é",
    "fs.readFileSync('a.txt')", "items.forEach(async (i) => { await i; });",
    "app.get('/r', (req, res) => { res.send(fs.readFileSync('f')); });\n",
    "new Promise((r) => process.nextTick(r));\n", "try { f(); } catch (e) {}\n",
    "// nodepit-disable-next-line\n", "const 𝒳 = `${y}`;\n",
]
KEEP_SNAPSHOTS = 2000


def utf16_len(s):
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


def utf16_at(s, i):
    """The UTF-16 column of Python index i in line s."""
    return utf16_len(s[:i])


class Doc:
    """A document as lines (content without terminator) and their terminators."""

    def __init__(self, uri, text):
        self.uri = uri
        parts = re.split(r"(\r\n|\n)", text)
        self.lines = parts[0::2]
        self.terms = parts[1::2] + [""]
        self.lens = [utf16_len(l) for l in self.lines]
        self.version = 1
        self.snapshots = {1: array('I', self.lens)}
        self.cursor = (random.randrange(len(self.lines)), 0)

    def text(self):
        return "".join(l + t for l, t in zip(self.lines, self.terms))

    def random_edit(self, rng):
        """Applies one random edit; returns its LSP range (UTF-16) and inserted text."""
        n = len(self.lines)
        kind = rng.random()
        if kind < 0.7:
            # Typing near the cursor.
            l, i = self.cursor
            l = min(l, n - 1)
            i = min(i, len(self.lines[l]))
            l2, i2 = l, i
            if rng.random() < 0.25 and i > 0:
                i -= 1  # backspace
                if i > 0 and 0xDC00 <= ord(self.lines[l][i]) <= 0xDFFF:
                    i -= 1
            text = "" if (l, i) != (l2, i2) else rng.choice(SNIPPETS)
        else:
            l = rng.randrange(n)
            i = rng.randint(0, len(self.lines[l]))
            l2 = min(n - 1, l + rng.choice([0, 0, 1, 2]))
            i2 = rng.randint(0, len(self.lines[l2])) if l2 != l else rng.randint(i, len(self.lines[l]))
            text = rng.choice(SNIPPETS + [""] * 4)
        start = {"line": l, "character": utf16_at(self.lines[l], i)}
        end = {"line": l2, "character": utf16_at(self.lines[l2], i2)}
        suffix = self.lines[l2][i2:]
        merged = self.lines[l][:i] + text + suffix
        last_term = self.terms[l2]
        parts = re.split(r"(\r\n|\n)", merged)
        new_lines = parts[0::2]
        new_terms = parts[1::2] + [last_term]
        self.lines[l:l2 + 1] = new_lines
        self.terms[l:l2 + 1] = new_terms
        self.lens[l:l2 + 1] = [utf16_len(x) for x in new_lines]
        # The cursor goes right after the inserted text.
        self.cursor = (l + len(new_lines) - 1, len(new_lines[-1]) - len(suffix))
        self.version += 1
        self.snapshots[self.version] = array('I', self.lens)
        self.snapshots.pop(self.version - KEEP_SNAPSHOTS, None)
        return {"range": {"start": start, "end": end}, "text": text}


class Client:
    def __init__(self, binary, env, stderr):
        self.p = subprocess.Popen([binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=stderr, env=env)
        self.q = queue.Queue()
        self.id = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.p.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.q.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            self.q.put(json.loads(out.read(length)))

    def send(self, msg):
        body = json.dumps(msg).encode()
        with self.lock:
            self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.p.stdin.flush()

    def request(self, method, params):
        self.id += 1
        self.send({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params})
        return self.id

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def status(self, key):
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def rss_kb(self):
        """Anonymous resident memory: what the server allocated and holds. The binary's own code
        pages, faulted in as new paths run, are file-backed and not counted (shown apart)."""
        return self.status("RssAnon")


def large_files(corpus, count):
    found = []
    for d, _, files in os.walk(corpus):
        for f in files:
            if f.endswith((".js", ".cjs", ".mjs")):
                p = os.path.join(d, f)
                size = os.path.getsize(p)
                if 100_000 <= size <= 1_500_000:
                    found.append((size, p))
    found.sort(reverse=True)
    out = []
    for _, p in found:
        text = open(p, encoding="utf-8", errors="replace").read()
        if "\r" in text.replace("\r\n", ""):
            continue  # lone CR line breaks: this script's line model keeps to \n and \r\n
        if len(text) / (text.count("\n") + 1) > 120:
            continue  # minified: nodepit skips most rules there, so it would soak little
        out.append((p, text))
        if len(out) == count:
            break
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=50_000)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/nodepit"))
    ap.add_argument("--corpus", default=os.path.join(os.environ.get("NODEPIT_BENCH_DIR", "/tmp/nodepit-bench"), "corpus"))
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--every", type=int, default=5000, help="print progress every N edits")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    random.seed(args.seed)
    files = large_files(args.corpus, args.files)
    if len(files) < 2:
        sys.exit(f"need at least two large files under {args.corpus}")
    stderr_path = "/tmp/nodepit-lsp-soak.stderr"
    stderr = open(stderr_path, "wb")
    client = Client(args.binary, dict(os.environ), stderr)
    init = client.request("initialize", {"capabilities": {}, "rootUri": None})
    # No request before the initialize result (LSP): under load the server may still be starting.
    while True:
        msg = client.q.get(timeout=30)
        if msg is None:
            sys.exit("the server exited before answering initialize")
        if msg.get("id") == init and "method" not in msg:
            break
    client.notify("initialized", {})

    problems = []
    published = {}  # uri -> last published version
    pending = set()  # request ids not answered yet
    counts = {"publishes": 0, "diagnostics": 0, "hover": 0, "codeAction": 0, "cancelled": 0,
              "save": 0, "reopen": 0, "unverifiable": 0, "answered": 0, "cancel_errors": 0}
    docs = {}

    def drain(block_for=0.0):
        """Reads what the server sent; with block_for, until it has been quiet that long."""
        while True:
            try:
                msg = client.q.get(timeout=block_for) if block_for else client.q.get_nowait()
            except queue.Empty:
                return
            if msg is None:
                problems.append("the server closed its output (crashed?)")
                return
            if "id" in msg and "method" not in msg:
                pending.discard(msg["id"])
                counts["answered"] += 1
                if "error" in msg:
                    if msg["error"].get("code") == -32800:
                        counts["cancel_errors"] += 1
                    else:
                        problems.append(f"request {msg['id']} failed: {msg['error']}")
                continue
            if msg.get("method") != "textDocument/publishDiagnostics":
                continue
            p = msg["params"]
            uri, version = p["uri"], p.get("version")
            counts["publishes"] += 1
            counts["diagnostics"] += len(p["diagnostics"])
            doc = docs.get(uri)
            if version is None or doc is None:
                continue
            if version < published.get(uri, 0):
                problems.append(f"{uri}: version {version} published after {published[uri]}")
            published[uri] = max(version, published.get(uri, 0))
            lens = doc.snapshots.get(version)
            if lens is None:
                counts["unverifiable"] += 1
                continue
            for d in p["diagnostics"]:
                for end in ("start", "end"):
                    pos = d["range"][end]
                    if pos["line"] >= len(lens) or pos["character"] > lens[pos["line"]]:
                        problems.append(f"{uri} v{version}: range {d['range']} outside the document ({d.get('code')})")

    opened = 0

    def open_doc(slot, index=None):
        nonlocal opened
        if index is None:
            index = opened
            opened += 1
        path, text = files[index % len(files)]
        uri = f"file:///tmp/nodepit-soak/{slot}/{os.path.basename(path)}"
        doc = Doc(uri, text)
        # Versions keep rising across reopen, so a late publish of the old session stays older.
        old = docs_by_slot.get(slot)
        if old is not None:
            doc.version = old.version + 1
            doc.snapshots = {doc.version: array('I', doc.lens)}
        docs_by_slot[slot] = doc
        docs[uri] = doc
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "javascript",
                                                                "version": doc.version, "text": text}})

    docs_by_slot = {}
    open_doc(0)
    open_doc(1)

    def settled_rss():
        """The server's memory with the run's first two files open again as they are on disk,
        analysed, and the server idle: readings compare the same documents, whatever the edits
        and reopens before did to their number and size."""
        for slot in (0, 1):
            doc = docs_by_slot[slot]
            client.notify("textDocument/didClose", {"textDocument": {"uri": doc.uri}})
            docs.pop(doc.uri, None)
            published.pop(doc.uri, None)
            open_doc(slot, index=slot)
        drain(block_for=3.0)
        return client.rss_kb()
    start = time.time()
    rss_first = None
    rss_half = 0
    for n in range(1, args.edits + 1):
        doc = docs_by_slot[rng.randrange(2)]
        change = doc.random_edit(rng)
        client.notify("textDocument/didChange", {"textDocument": {"uri": doc.uri, "version": doc.version},
                                                 "contentChanges": [change]})
        r = rng.random()
        pos = {"line": rng.randrange(len(doc.lines)), "character": 0}
        if r < 0.03:
            pending.add(client.request("textDocument/hover", {"textDocument": {"uri": doc.uri}, "position": pos}))
            counts["hover"] += 1
        elif r < 0.06:
            rid = client.request("textDocument/codeAction", {"textDocument": {"uri": doc.uri},
                                 "range": {"start": pos, "end": {"line": min(pos["line"] + 40, len(doc.lines) - 1), "character": 0}},
                                 "context": {"diagnostics": []}})
            pending.add(rid)
            counts["codeAction"] += 1
            if rng.random() < 0.3:
                client.notify("$/cancelRequest", {"id": rid})
                counts["cancelled"] += 1
        elif r < 0.065:
            client.notify("textDocument/didSave", {"textDocument": {"uri": doc.uri}})
            counts["save"] += 1
        elif r < 0.0665:
            slot = 0 if doc is docs_by_slot[0] else 1
            client.notify("textDocument/didClose", {"textDocument": {"uri": doc.uri}})
            docs.pop(doc.uri, None)
            published.pop(doc.uri, None)
            open_doc(slot)
            counts["reopen"] += 1
        # Typing pace: bursts, with pauses the debounce lets analysis through.
        if rng.random() < 0.02:
            time.sleep(0.02)
        drain()
        if client.p.poll() is not None:
            problems.append(f"the server exited with {client.p.returncode} after {n} edits")
            break
        if n == 1000:
            rss_first = settled_rss()
        if n == args.edits // 2:
            rss_half = settled_rss()
        if n % args.every == 0:
            print(f"{n} edits, {time.time() - start:.0f} s, anon rss {client.rss_kb() / 1024:.0f} MB "
                  f"(+{client.status('RssFile') / 1024:.0f} MB file-backed), "
                  f"{client.status('Threads')} threads, {counts['publishes']} publishes", flush=True)
    drain(block_for=5.0)
    for doc in docs_by_slot.values():
        if published.get(doc.uri) != doc.version:
            problems.append(f"{doc.uri}: last publish is version {published.get(doc.uri)}, document is at {doc.version}")
    rss_last = settled_rss() if client.p.poll() is None else 0
    if pending:
        problems.append(f"{len(pending)} requests never answered: {sorted(pending)[:10]}")
    client.request("shutdown", None)
    drain(block_for=2.0)
    client.notify("exit", None)
    try:
        code = client.p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        client.p.kill()
        code = "killed after exit"
    stderr.close()
    log = open(stderr_path, encoding="utf-8", errors="replace").read()
    if "panicked" in log:
        problems.append("a panic in the server's stderr: " + log[log.index("panicked") - 200:][:600])
    if code != 0:
        problems.append(f"exit code {code}")
    growth = (rss_last - rss_first) / rss_first * 100 if rss_first else float("nan")
    if not rss_first or abs(growth) > 10:
        problems.append(f"RSS {rss_first} kB after 1,000 edits, {rss_last} kB at the end ({growth:+.1f}%)")
    elapsed = time.time() - start
    print(f"binary: {args.binary}")
    print(f"files: {', '.join(os.path.relpath(p, args.corpus) + f' ({len(t) // 1024} KB)' for p, t in files)}")
    print(f"{args.edits} edits in {elapsed:.0f} s; {counts['hover']} hovers, {counts['codeAction']} code actions "
          f"({counts['cancelled']} cancelled, {counts['cancel_errors']} answered with the cancellation error), "
          f"{counts['save']} saves, {counts['reopen']} close+reopen")
    print(f"{counts['publishes']} publishes carrying {counts['diagnostics']} diagnostics; "
          f"{counts['unverifiable']} publishes named a version older than the {KEEP_SNAPSHOTS} kept (ranges not checked)")
    print(f"RSS after 1,000 edits: {rss_first / 1024:.1f} MB; at the end: {rss_last / 1024:.1f} MB ({growth:+.1f}%)")
    half = (rss_last - rss_half) / rss_half * 100 if rss_half else float("nan")
    print(f"RSS at {args.edits // 2} edits: {rss_half / 1024:.1f} MB; from there to the end: {half:+.1f}%")
    print(f"exit code {code}")
    if problems:
        print(f"FAILED: {len(problems)} problems")
        for p in problems[:30]:
            print("  " + p)
        sys.exit(1)
    print("ok: no crash, every range inside its version, no stale versions, flat memory")


if __name__ == "__main__":
    main()
