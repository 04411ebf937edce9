#!/usr/bin/env python3
"""Pretty output against JSON on files with thousands of findings.

Usage: tests/bench/pretty_output.py [--binary PATH] [--runs N] [--threads N] [--timeout S] [--keep DIR]

Generates three files (in a temporary folder, or DIR with --keep):
  many.js     about 1 MB with 6,000 findings,
  huge.js     about 10 MB with 32,000 findings,
  minified.js one 1 MB line holding 4,000 findings (generated or bundled code),
then times `nodepit check --format pretty` and `--format json` on each (best of N runs, 3 by
default) and fails unless pretty takes at most twice as long as JSON. Both formats lint the same
file with the same threads (one per core unless --threads says otherwise), so the ratio is what
rendering adds. Builds nothing: run
`cargo build --release -p nodepit` first (or pass --binary).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIMIT = 2.0


def generated(findings, size):
    """A module of about `size` bytes with `findings` findings: floating promises in a job runner,
    and one in three a blocking read inside an Express handler (whose route registration is a
    related location many lines above)."""
    head = [
        "const express = require('express');",
        "const fs = require('fs');",
        "const app = express();",
        "async function save(job) { await job.db.insert(job); }",
        "",
    ]
    per_finding = max(size // findings, 30)
    body = []
    in_handler = False
    for i in range(findings):
        if i % 600 == 0:
            if in_handler:
                body.append("});")
            body.append(f"app.get('/batch/{i}', (req, res) => {{")
            in_handler = True
        if i % 3 == 0:
            line = f"  const part{i} = fs.readFileSync('part-{i}.json', 'utf8');"
        else:
            line = f"  save({{ id: {i}, db: req.app.locals.db }});"
        body.append(line)
        fill = per_finding - len(line) - 1
        j = 0
        while fill > 30:
            pad = f"  const pad{i}_{j} = {i} * {j} + 1;"
            body.append(pad)
            fill -= len(pad) + 1
            j += 1
    body.append("});")
    return "\n".join(head + body) + "\n"


def minified(findings, size):
    """One long line, as bundlers write: statements separated by semicolons only."""
    parts = ["async function save(j){await j.db.insert(j)}"]
    per_finding = max(size // findings, 30)
    for i in range(findings):
        stmt = f"save({{id:{i},db:globalThis.db}});"
        parts.append(stmt + "var p%d=%d;" % (i, i) * max(1, (per_finding - len(stmt)) // 12))
    return "".join(parts) + "\n"


def best_time(cmd, runs, timeout):
    """The fastest of `runs` runs and its output, or `(None, why)` when a run takes over
    `timeout` seconds or crashes."""
    best = None
    out = b""
    for _ in range(runs):
        start = time.perf_counter()
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, f"> {timeout:.0f} s"
        elapsed = time.perf_counter() - start
        if p.returncode not in (0, 1):
            return None, f"exit {p.returncode}"
        out = p.stdout
        best = elapsed if best is None else min(best, elapsed)
    return best, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "nodepit"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="pass --threads N to nodepit (default: one per core)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds before a run counts as failed")
    ap.add_argument("--keep", help="write the generated files here and keep them")
    args = ap.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"no binary at {args.binary}: run `cargo build --release -p nodepit` first")
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        failed = run_cases(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="nodepit-pretty-") as folder:
            failed = run_cases(args, folder)
    for f in failed:
        print(f, file=sys.stderr)
    sys.exit(1 if failed else 0)


def run_cases(args, folder):
    cases = [
        ("many.js", generated(6000, 1_000_000), 6000),
        ("huge.js", generated(32000, 10_000_000), 32000),
        ("minified.js", minified(4000, 1_000_000), 4000),
    ]
    print("| file | size (MB) | findings | json (s) | pretty (s) | pretty / json |")
    print("|---|---|---|---|---|---|")
    failed = []
    for name, text, want in cases:
        path = os.path.join(folder, name)
        with open(path, "w") as fh:
            fh.write(text)
        base = [args.binary, "check", path] + (["--threads", str(args.threads)] if args.threads else [])
        json_time, json_out = best_time(base + ["--format", "json"], args.runs, args.timeout)
        if json_time is None:
            sys.exit(f"{name}: JSON output failed ({json_out})")
        found = len(json.loads(json_out)["diagnostics"])
        if found < want * 0.9:
            sys.exit(f"{name}: only {found} findings, want about {want}; have the rules changed?")
        size = f"| {name} | {len(text) / 1e6:.1f} | {found} | {json_time:.2f} |"
        pretty_time, pretty_out = best_time(base + ["--format", "pretty"], args.runs, args.timeout)
        if pretty_time is None:
            print(f"{size} {pretty_out} | - |")
            failed.append(f"{name}: pretty output failed ({pretty_out})")
            continue
        # Every finding must be drawn: errors start with ×, warnings with ⚠, notes with ☞.
        drawn = sum(1 for l in pretty_out.decode().splitlines() if l[:4] in ("  × ", "  ⚠ ", "  ☞ "))
        if drawn != found:
            failed.append(f"{name}: pretty output drew {drawn} findings, JSON listed {found}")
        ratio = pretty_time / json_time
        print(f"{size} {pretty_time:.2f} | {ratio:.2f} |")
        if ratio > LIMIT:
            failed.append(f"{name}: pretty took {ratio:.1f}x as long as JSON (limit {LIMIT}x)")
    return failed


if __name__ == "__main__":
    main()
