#!/usr/bin/env python3
"""Where a new version's first Reprocessing pass spends its time.

Reads an operator log written with --log-level debug (every API request and
Kafka call with its duration, tagged with the reconcile it belongs to) and
prints a markdown table: for each kind of request, how many a first pass
makes and their median and p90 duration, next to the pass's own duration.
A first pass is a Reprocessing reconcile that allocated a version number.

  bench/scale/first_pass_profile.py LOG [--from HH:MM:SS] [--to HH:MM:SS]

The window selects passes by the time of their lines (UTC, as logged), e.g.
the template-change phase of a scale run (docs/scale.md).
"""
import argparse
import collections
import re
import statistics
import sys

REQUEST = re.compile(r"\] (GET|PUT|PATCH|POST|DELETE) (\S+) \d+ in (\d+) ms")
KAFKA = re.compile(r"\] kafka (\w+) in (\d+) ms")
RECONCILED = re.compile(r"reconciled in (\d+) ms")
RECONCILE_ID = re.compile(r"reconcileID=(\w+)")


def request_kind(verb, path):
    """GET /apis/kappa.dev/v1alpha1/namespaces/ns/pipelines/p0003/status -> GET pipelines/status"""
    bare, _, query = path.partition("?")
    parts = bare.strip("/").split("/")
    if "namespaces" in parts:
        parts = parts[parts.index("namespaces") + 2:]
    kind = parts[0] + ("/" + parts[2] if len(parts) > 2 else "")
    return f"{verb} {kind}" + (" (dry run)" if "dryRun" in query else "")


def percentile(values, q):
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(q * len(ordered))) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("log")
    parser.add_argument("--from", dest="start", default="00:00:00")
    parser.add_argument("--to", dest="end", default="99:99:99")
    args = parser.parse_args()

    lines_of = collections.defaultdict(list)
    with open(args.log, errors="replace") as log:
        for line in log:
            clock = line[11:19]
            if not (args.start <= clock <= args.end) or "controller=reprocessing" not in line:
                continue
            match = RECONCILE_ID.search(line)
            if match:
                lines_of[match.group(1)].append(line)

    steps = collections.defaultdict(list)
    per_pass = collections.Counter()
    totals = []
    for lines in lines_of.values():
        if not any("allocated version" in line for line in lines):
            continue
        for line in lines:
            if m := REQUEST.search(line):
                kind, ms = request_kind(m.group(1), m.group(2)), int(m.group(3))
            elif m := KAFKA.search(line):
                kind, ms = "kafka " + m.group(1), int(m.group(2))
            elif m := RECONCILED.search(line):
                totals.append(int(m.group(1)))
                continue
            else:
                continue
            steps[kind].append(ms)
            per_pass[kind] += 1
    if not totals:
        sys.exit("no first pass (a Reprocessing reconcile that allocated a version) in that window")

    passes = len(totals)
    print(f"{passes} first passes: median {statistics.median(totals):.0f} ms, p90 {percentile(totals, 0.9)} ms, "
          f"max {max(totals)} ms\n")
    print("| step | per pass | median ms | p90 ms | median ms per pass |")
    print("|---|---:|---:|---:|---:|")
    ranked = sorted(steps.items(), key=lambda kv: -statistics.median(kv[1]) * len(kv[1]))
    for kind, values in ranked:
        each = len(values) / passes
        median = statistics.median(values)
        print(f"| {kind} | {each:.1f} | {median:.0f} | {percentile(values, 0.9)} | {median * each:.0f} |")


if __name__ == "__main__":
    main()
