#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# report.py: turn the raw results of a 'make bench' VM run into a table,
# the ratios of ktgt to each peer, and a JSON file.
#
#   report.py RESULTS_DIR [--json FILE] [--text FILE]
#   report.py --self-test
#
# RESULTS_DIR holds what tests/bench/bench-vm.sh wrote: meta.env,
# runs/index (one line per fio run: WORKLOAD ROUND GROUP:TARGET RC
# BUSY0 TOTAL0 BUSY1 TOTAL1 NCPU, /proc/stat ticks at the start and end
# of the measured window) and runs/WORKLOAD.ROUND.GROUP.TARGET.json
# (fio's JSON output). Every figure is the median over the rounds, with
# the minimum and maximum; CPU per I/O is the guest's busy CPU time in
# the window divided by the I/Os fio completed in it (IOPS x window).

import json
import os
import statistics
import sys

PEERS_ORDER = ["ktgt", "lio", "tgt", "scsi_debug"]
METRICS = ["iops", "mbs", "lat_us", "p99_us", "cpu_us_per_io"]
# For these a smaller number is better.
LOWER_BETTER = {"lat_us", "p99_us", "cpu_us_per_io"}
PEER_LABEL = {
    ("local-null", "lio"): "tcm_loop",
}
NOTE = ("Under QEMU/TCG (no KVM) absolute numbers mean little and swing "
        "+-30% between runs; only the ratios between targets measured in "
        "the same boot are meaningful.")


def read_meta(path):
    meta = {}
    try:
        with open(path) as f:
            for line in f:
                k, sep, v = line.rstrip("\n").partition("=")
                if sep:
                    meta[k] = v
    except OSError:
        pass
    return meta


def fio_figures(doc):
    """The figures of one fio JSON document (one job)."""
    job = doc["jobs"][0]
    side = None
    for name in ("read", "write"):
        if job.get(name, {}).get("total_ios", 0) > 0:
            side = job[name]
            break
    if side is None:
        return None
    lat = side.get("lat_ns") or side.get("clat_ns") or {}
    pct = lat.get("percentile") or side.get("clat_ns", {}).get("percentile", {})
    p99 = None
    for k, v in pct.items():
        if abs(float(k) - 99.0) < 1e-6:
            p99 = v
    return {
        "iops": float(side["iops"]),
        "mbs": float(side["bw_bytes"]) / 1e6,
        "lat_us": float(lat.get("mean", 0.0)) / 1e3,
        "p99_us": None if p99 is None else float(p99) / 1e3,
    }


def cpu_per_io(iops, b0, t0, b1, t1, ncpu, user_hz):
    """Microseconds of busy guest CPU per I/O in the sampled window."""
    secs = (t1 - t0) / ncpu / user_hz
    ios = iops * secs
    if ios <= 0:
        return None
    return (b1 - b0) * 1e6 / user_hz / ios


def load_runs(resdir):
    meta = read_meta(os.path.join(resdir, "meta.env"))
    user_hz = int(meta.get("user_hz", "100") or 100)
    runs = []
    with open(os.path.join(resdir, "runs", "index")) as f:
        for line in f:
            p = line.split()
            if len(p) != 9:
                continue
            w, r, t, rc = p[0], int(p[1]), p[2], int(p[3])
            b0, t0, b1, t1, ncpu = (int(x) for x in p[4:9])
            run = {"workload": w, "round": r, "target": t, "rc": rc}
            path = os.path.join(resdir, "runs",
                                "%s.%d.%s.json" % (w, r, t.replace(":", ".")))
            fig = None
            if rc == 0:
                try:
                    with open(path) as jf:
                        text = jf.read()
                    # fio may print notes before the JSON document.
                    fig = fio_figures(json.loads(text[text.index("{"):]))
                except (OSError, ValueError, KeyError, IndexError):
                    fig = None
            if fig:
                fig["cpu_us_per_io"] = cpu_per_io(fig["iops"], b0, t0, b1,
                                                  t1, ncpu, user_hz)
                run.update(fig)
            else:
                run["failed"] = True
            runs.append(run)
    return meta, runs


def summarize(runs):
    """{workload: {target: {metric: {median,min,max,n}}}}"""
    out = {}
    for run in runs:
        if run.get("failed"):
            continue
        cell = out.setdefault(run["workload"], {}).setdefault(run["target"], {})
        for m in METRICS:
            if run.get(m) is not None:
                cell.setdefault(m, []).append(run[m])
    for w in out:
        for t in out[w]:
            for m, vals in out[w][t].items():
                out[w][t][m] = {"median": statistics.median(vals),
                                "min": min(vals), "max": max(vals),
                                "n": len(vals)}
    return out


def ratios(summary):
    """ktgt / peer for every group, workload and metric (medians)."""
    out = {}
    for w, cells in summary.items():
        for t, cell in cells.items():
            group, name = t.split(":", 1)
            if name == "ktgt":
                continue
            k = cells.get(group + ":ktgt")
            if not k:
                continue
            r = {}
            for m in METRICS:
                a, b = k.get(m), cell.get(m)
                if a and b and b["median"]:
                    r[m] = a["median"] / b["median"]
            out.setdefault(w, {})[t] = r
    return out


def label(target):
    group, name = target.split(":", 1)
    return "%s %s" % (group, PEER_LABEL.get((group, name), name))


GROUP_ORDER = ["iscsi-null", "iscsi-file", "local-null"]


def order_key(target):
    group, name = target.split(":", 1)
    idx = PEERS_ORDER.index(name) if name in PEERS_ORDER else 99
    gidx = GROUP_ORDER.index(group) if group in GROUP_ORDER else 99
    return (gidx, group, idx)


def fmt(v, m):
    if v is None:
        return "-"
    if m == "iops":
        return "%.0f" % v
    if m in ("mbs",):
        return "%.1f" % v
    return "%.0f" % v if v >= 100 else "%.1f" % v


ROW = "%-21s %-21s %-20s %-21s %-24s %s"


def render(meta, runs, summary, rat):
    lines = []
    nfail = sum(1 for r in runs if r.get("failed"))
    lines.append("ktgt bench: kernel %s, %s vCPUs, %s MiB, %s" % (
        meta.get("kernel", "?"), meta.get("vcpus", "?"),
        meta.get("mem_mb", "?"), meta.get("date", "?")))
    lines.append("fio %s libaio direct=1, %ss per run after %ss ramp, "
                 "%s rounds (targets alternating), disks of %s MiB%s" % (
                     meta.get("fio", "?"), meta.get("runtime", "?"),
                     meta.get("ramp", "?"), meta.get("rounds", "?"),
                     meta.get("size_mb", "?"),
                     ("; ktgt_iscsi " + meta["ktgt_iscsi_params"])
                     if meta.get("ktgt_iscsi_params") else ""))
    lines.append("NOTE: " + NOTE)
    if nfail:
        lines.append("WARNING: %d fio run(s) failed and are left out" % nfail)
    lines.append("Each cell: median [min-max]. lat = mean completion "
                 "latency, cpu/io = guest usr+sys(+irq) us per I/O.")
    for w in sorted(summary, key=workload_order):
        lines.append("")
        lines.append("== %s" % w)
        lines.append(ROW % (
            "target", "IOPS", "MB/s", "lat us", "p99 us", "cpu/io us"))
        for t in sorted(summary[w], key=order_key):
            c = summary[w][t]
            cols = []
            for m in METRICS:
                s = c.get(m)
                cols.append("-" if not s else "%s [%s-%s]" % (
                    fmt(s["median"], m), fmt(s["min"], m), fmt(s["max"], m)))
            lines.append(ROW % (label(t), *cols))
        for t in sorted(rat.get(w, {}), key=order_key):
            r = rat[w][t]
            lines.append("  %-10s ktgt/%-10s IOPS x%s  MB/s x%s  lat x%s  "
                         "p99 x%s  cpu/io x%s" % (
                label(t).split(" ", 1)[0], label(t).split(" ", 1)[1],
                *("%.2f" % r[m] if m in r else "-"
                  for m in ("iops", "mbs", "lat_us", "p99_us",
                            "cpu_us_per_io"))))
    return "\n".join(lines) + "\n"


def workload_order(w):
    order = ["rr4k-qd1", "rw4k-qd1", "rr4k-qd32", "rw4k-qd32",
             "sr1m-qd8", "sw1m-qd8"]
    return order.index(w) if w in order else 99


def report(resdir):
    meta, runs = load_runs(resdir)
    summary = summarize(runs)
    rat = ratios(summary)
    doc = {"meta": meta, "note": NOTE, "summary": summary, "ratios": rat,
           "runs": runs}
    return doc, render(meta, runs, summary, rat)


# ---------------------------------------------------------------------
# Self-test: synthetic results with known medians and ratios.

def _fio_doc(rw, iops, bw, mean_ns, p99_ns):
    side = {"total_ios": int(iops), "iops": iops, "bw_bytes": bw,
            "lat_ns": {"mean": mean_ns,
                       "percentile": {"50.000000": mean_ns,
                                      "99.000000": p99_ns}}}
    other = {"total_ios": 0, "iops": 0, "bw_bytes": 0}
    job = {"read": side if rw == "read" else other,
           "write": side if rw == "write" else other}
    return {"fio version": "fio-3.33", "jobs": [job]}


def self_test():
    import tempfile
    d = tempfile.mkdtemp()
    os.makedirs(os.path.join(d, "runs"))
    with open(os.path.join(d, "meta.env"), "w") as f:
        f.write("kernel=6.1.0-test\nvcpus=2\nuser_hz=100\nruntime=5\n")
    idx = []
    # ktgt IOPS 300, 100, 200 -> median 200; lio 100, 50, 150 -> 100.
    data = {"iscsi-null:ktgt": [300, 100, 200],
            "iscsi-null:lio": [100, 50, 150],
            "iscsi-null:tgt": [40, 40, 40]}
    for rnd in range(3):
        for t, vals in data.items():
            iops = float(vals[rnd])
            name = "rr4k-qd32.%d.%s.json" % (rnd + 1, t.replace(":", "."))
            with open(os.path.join(d, "runs", name), "w") as f:
                f.write("note: a line fio prints first\n")
                json.dump(_fio_doc("read", iops, iops * 4096, 1e6 / iops,
                                   2e6 / iops), f)
            # 2 CPUs, 4 s window (800 total ticks), 100 busy ticks.
            idx.append("rr4k-qd32 %d %s 0 1000 5000 1100 5800 2" %
                       (rnd + 1, t))
    # A failed run is left out, not counted as zero.
    idx.append("rr4k-qd32 4 iscsi-null:lio 1 0 0 0 0 2")
    with open(os.path.join(d, "runs", "index"), "w") as f:
        f.write("\n".join(idx) + "\n")
    doc, text = report(d)
    s = doc["summary"]["rr4k-qd32"]
    assert s["iscsi-null:ktgt"]["iops"]["median"] == 200, s
    assert s["iscsi-null:ktgt"]["iops"]["min"] == 100
    assert s["iscsi-null:ktgt"]["iops"]["max"] == 300
    assert s["iscsi-null:lio"]["iops"]["n"] == 3
    # lat mean: 1e6/iops ns = 1000/iops us; median for ktgt = 1000/200 = 5
    assert abs(s["iscsi-null:ktgt"]["lat_us"]["median"] - 5.0) < 1e-9
    assert abs(s["iscsi-null:ktgt"]["p99_us"]["median"] - 10.0) < 1e-9
    # cpu/io: 100 ticks = 1 s busy over 200 IOPS * 4 s = 800 I/Os.
    assert abs(s["iscsi-null:ktgt"]["cpu_us_per_io"]["median"]
               - 1e6 / 800) < 1e-6
    r = doc["ratios"]["rr4k-qd32"]
    assert abs(r["iscsi-null:lio"]["iops"] - 2.0) < 1e-9, r
    assert abs(r["iscsi-null:tgt"]["iops"] - 5.0) < 1e-9, r
    assert abs(r["iscsi-null:lio"]["cpu_us_per_io"] - 0.5) < 1e-9, r
    assert "ktgt/lio" in text and "x2.00" in text and "x5.00" in text, text
    assert "WARNING: 1 fio run(s) failed" in text, text
    assert "only the ratios" in text
    json.dumps(doc)
    print("report.py self-test: PASS")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) < 2:
        sys.stderr.write(__doc__ if __doc__ else "usage: report.py DIR\n")
        return 2
    resdir = argv[1]
    jpath = tpath = None
    i = 2
    while i < len(argv):
        if argv[i] == "--json":
            jpath = argv[i + 1]
            i += 2
        elif argv[i] == "--text":
            tpath = argv[i + 1]
            i += 2
        else:
            sys.stderr.write("report.py: unknown argument %s\n" % argv[i])
            return 2
    doc, text = report(resdir)
    sys.stdout.write(text)
    if tpath:
        with open(tpath, "w") as f:
            f.write(text)
    if jpath:
        with open(jpath, "w") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
            f.write("\n")
    return 0 if doc["summary"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
