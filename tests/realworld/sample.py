#!/usr/bin/env python3
"""Print a fixed random sample of one rule's findings on the real-world corpus, with source context.

Precision is measured by a person judging findings one by one; this picks which ones, the same
ones every time (seeded), so reviews of different runs or reviewers can be compared.

    tests/realworld/sample.py <findings.tsv> <rule-id> [N] [--apps DIR] [--context K]

findings.tsv is what run.sh writes. N defaults to 60; with N or fewer findings all are shown.
DIR is the folder holding the apps (default: `apps` beside the folder of findings.tsv).
Each finding shows K lines (default 3) before and after the flagged line, which is marked `>`.
"""
import argparse
import csv
import os
import random
import signal
import sys

SEED = 9
MAX_WIDTH = 200  # minified or generated lines are cut, not dumped


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends quietly
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("findings")
    ap.add_argument("rule")
    ap.add_argument("n", nargs="?", type=int, default=60)
    ap.add_argument("--apps", help="folder holding the apps")
    ap.add_argument("--context", type=int, default=3)
    args = ap.parse_args()
    apps = args.apps or os.path.join(os.path.dirname(os.path.abspath(args.findings)), "..", "apps")

    csv.field_size_limit(sys.maxsize)
    with open(args.findings, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if r["rule"] == args.rule]
    if not rows:
        sys.exit(f"no findings of {args.rule} in {args.findings}")

    picked = range(len(rows)) if len(rows) <= args.n else sorted(random.Random(SEED).sample(range(len(rows)), args.n))
    what = "all" if len(rows) <= args.n else f"a sample of {args.n} (seed {SEED})"
    print(f"# {args.rule}: {len(rows)} findings, showing {what}\n")

    for k, i in enumerate(picked, 1):
        r = rows[i]
        line = int(r["line"])
        print(f"## {k}. {r['app']} {r['path']}:{line}:{r['column']}")
        print(r["message"])
        try:
            with open(os.path.join(apps, r["app"], r["path"]), encoding="utf-8", errors="replace") as f:
                src = f.read().splitlines()
        except OSError as e:
            print(f"   (source not readable: {e})\n")
            continue
        for n in range(max(1, line - args.context), min(len(src), line + args.context) + 1):
            text = src[n - 1].expandtabs(4)
            if len(text) > MAX_WIDTH:
                text = text[:MAX_WIDTH] + " …"
            print(f"{'>' if n == line else ' '} {n:5} | {text}")
        print()


if __name__ == "__main__":
    main()
