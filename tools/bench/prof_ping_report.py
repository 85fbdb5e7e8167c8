#!/usr/bin/python3
"""The report of tools/bench/prof_ping.sh: per path and pass (full, limited) the ping RTT
percentiles and Gbit/s of each run, the one-way delays from the two containers' taps (all
runs pooled) and the NAPI poll sizes per device.
usage: prof_ping_report.py WORK LIMIT PATH..."""
import collections
import glob
import json
import re
import sys

work, limit, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
TAP = re.compile(r"^(\d+\.\d+) IP (\S+) > (\S+): ICMP echo (request|reply), id (\d+), seq (\d+)")
POLL = re.compile(r"napi struct (\S+) for device (\S+) work (\d+) budget (\d+)")


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


def taps(fname):
    """(kind, id, seq) -> timestamp of the first sighting in one capture."""
    seen = {}
    try:
        for line in open(fname):
            m = TAP.match(line)
            if m:
                seen.setdefault((m[4], m[5], m[6]), float(m[1]))
    except FileNotFoundError:
        pass
    return seen


def one_way(base):
    """µs from c1's tap to c2's for requests, c2's to c1's for replies; and the unmatched."""
    c1, c2 = taps(base + ".c1"), taps(base + ".c2")
    req = [(c2[k] - t) * 1e6 for k, t in c1.items() if k[0] == "request" and k in c2]
    rep = [(c1[k] - t) * 1e6 for k, t in c2.items() if k[0] == "reply" and k in c1]
    lost = sum(1 for k in c1 if k[0] == "request" and k not in c2)
    # c2's turnaround (request in -> reply out) and the RTT between c1's two sightings.
    turn = [(c2[("reply",) + k[1:]] - t) * 1e6 for k, t in c2.items()
            if k[0] == "request" and ("reply",) + k[1:] in c2]
    tap = [(c1[("reply",) + k[1:]] - t) * 1e6 for k, t in c1.items()
           if k[0] == "request" and ("reply",) + k[1:] in c1]
    return req, rep, lost, turn, tap


def napi(base):
    """device -> list of work per poll. The two containers' ends are both eth0 (as is the
    machine's own NIC): the eth0 NAPI with most frames is c2's (the data), the next c1's
    (the ACKs and replies), the rest 'eth0 (other)'."""
    per = collections.defaultdict(list)
    try:
        for line in open(base + ".polls"):
            m = POLL.search(line)
            if m:
                per[(m[2], m[1])].append(int(m[3]))
    except FileNotFoundError:
        return None
    eth0 = sorted((k for k in per if k[0] == "eth0"), key=lambda k: -sum(per[k]))
    names = {k: n for k, n in zip(eth0, ["eth0 (c2)", "eth0 (c1)"])}
    out = collections.defaultdict(list)
    for k, v in per.items():
        out[names.get(k, k[0] if k[0] != "eth0" else "eth0 (other)")] += v
    return out


def rtt(fname):
    text = open(fname).read() if glob.glob(fname) else ""
    return [float(x) * 1000 for x in re.findall(r"time=([0-9.]+) ms", text)]


def gbits(fname):
    try:
        return json.load(open(fname))["end"]["sum_received"]["bits_per_second"] / 1e9
    except (OSError, ValueError, KeyError):
        return float("nan")


def drops(base):
    def read(f):
        try:
            return dict(l.strip().split(":", 1) for l in open(f) if ":" in l)
        except FileNotFoundError:
            return {}
    a, b = read(base + ".drops0"), read(base + ".drops1")
    return {k: int(v) - int(a.get(k, 0)) for k, v in b.items()
            if v.isdigit() and int(v) - int(a.get(k, "0")) > 0}


def section(tag, title):
    print(f"\n### {title}")
    print(f"{'path':14}{'Gbit/s':>16}{'ping p50 µs':>18}{'ping p99 µs':>18}"
          f"{'req p50/p99 µs':>18}{'rep p50/p99 µs':>18}  lost")
    napis = {}
    for p in paths:
        runs = sorted(glob.glob(f"{work}/{p}.{tag}.*.iperf"))
        if not runs:
            continue
        bases = [r[:-len(".iperf")] for r in runs]
        g = [gbits(b + ".iperf") for b in bases]
        r = [rtt(b + ".ping") for b in bases]
        req, rep, lost, turn, tap = [], [], 0, [], []
        for b in bases:
            q, a, n, t, c = one_way(b)
            req, rep, lost, turn, tap = req + q, rep + a, lost + n, turn + t, tap + c
        fmt = lambda v: "/".join(f"{x:.2f}" if isinstance(x, float) and x < 100 else f"{x:.0f}"
                                 for x in v)
        ow = lambda v: f"{pct(v, .5):.0f}/{pct(v, .99):.0f}" if v else "-"
        print(f"{p:14}{fmt(g):>16}{fmt([pct(x, .5) for x in r]):>18}"
              f"{fmt([pct(x, .99) for x in r]):>18}{ow(req):>18}{ow(rep):>18}  {lost}"
              f"  ({sum(len(x) for x in r)} pings, {len(req)}/{len(rep)} tapped)")
        if tap:
            print(f"{'':14}c2 turnaround p50/p99 {ow(turn)} µs; RTT between c1's taps "
                  f"p50/p99 {ow(tap)} µs (ping's own, all runs: {ow(sum(r, []))})")
        merged = collections.defaultdict(list)
        for b in bases:
            for dev, v in (napi(b) or {}).items():
                merged[dev] += v
        napis[p] = (merged, len(bases))
        d = collections.Counter()
        for b in bases:
            d.update(drops(b))
        if d:
            print(f"{'':14}drop/error counters that moved: " +
                  ", ".join(f"{k} {v}" for k, v in sorted(d.items())))
    if not any(m for m, _ in napis.values()):
        return
    print("\nNAPI polls per device (all runs): polls/run, frames/poll mean, % of polls at the "
          "full 64 budget, most common frames/poll, histogram of frames per poll\n"
          "  0 | 1 | 2-31 | 32-47 | 48-63 | 64 (a 64 KiB GSO skb is ~45 MTU frames)")
    for p, (merged, n) in napis.items():
        for dev, v in sorted(merged.items(), key=lambda kv: -sum(kv[1])):
            if len(v) < 10 * n:
                continue
            bins = [0, 0, 0, 0, 0, 0]
            for w in v:
                bins[0 if w == 0 else 1 if w == 1 else 2 if w < 32 else 3 if w < 48
                     else 4 if w < 64 else 5] += 1
            mode = collections.Counter(v).most_common(1)[0][0]
            print(f"  {p:14}{dev:14}{len(v) // n:9d}{sum(v) / len(v):7.1f}"
                  f"{100 * bins[5] / len(v):6.0f}%{mode:6d}   " +
                  " | ".join(f"{100 * x / len(v):.0f}%" for x in bins))


import os
print("variant: " + (", ".join(f"{k}={os.environ[k]}" for k in ("GSO_SEGS", "THREADED")
                              if os.environ.get(k)) or "none (the bench's setup)"))
section("full", "iperf3 unlimited (runs separated by /)")
if limit != "none":
    section("limited", f"iperf3 -b {limit}")
print("\nreq = c1 eth0 egress tap -> c2 eth0 ingress tap (the data direction), rep = c2 -> c1 "
      "(the ACK direction); lost = requests c1 sent that c2's tap never saw.")
