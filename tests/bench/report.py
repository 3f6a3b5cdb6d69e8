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
#
# The memory phase (tests/bench/mem-phase.sh), if RESULTS_DIR/mem exists:
# the sgv pool's hit rate over the steady-state window, the growth of
# Slab and SUnreclaim (/proc/meminfo) and of every slab cache
# (/proc/slabinfo) over it, the slab allocations made from ktgt modules
# per command, and the pool's pages before, during and after the memory
# hog with the shrinker's calls and fio's errors.

import json
import os
import statistics
import sys

PEERS_ORDER = ["ktgt", "lio", "tgt", "scsi_debug", "null_blk", "scst",
               "scst-qd3"]
METRICS = ["iops", "mbs", "lat_us", "p99_us", "cpu_us_per_io"]
# For these a smaller number is better.
LOWER_BETTER = {"lat_us", "p99_us", "cpu_us_per_io"}
PEER_LABEL = {
    ("local-null", "lio"): "tcm_loop",
    ("local-null", "scst"): "scst_local",
    ("local-null", "scst-qd3"): "scst_local-qd3",
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
    index = os.path.join(resdir, "runs", "index")
    if not os.path.exists(index):
        return meta, runs
    with open(index) as f:
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


def paired(runs):
    """ktgt / peer IOPS round by round: {workload: {peer: {median, min,
    max, n}}}. The targets of a round run one after the other, so a
    ratio within a round is not moved by what the host did between
    rounds, as a ratio of medians taken over all rounds can be."""
    by = {}
    for run in runs:
        if run.get("failed") or not run.get("iops"):
            continue
        by.setdefault((run["workload"], run["round"]), {})[run["target"]] = \
            run["iops"]
    vals = {}
    for (w, _), cells in by.items():
        for t, iops in cells.items():
            group, name = t.split(":", 1)
            k = cells.get(group + ":ktgt")
            if name == "ktgt" or not k:
                continue
            vals.setdefault(w, {}).setdefault(t, []).append(k / iops)
    return {w: {t: {"median": statistics.median(v), "min": min(v),
                    "max": max(v), "n": len(v)}
                for t, v in peers.items()}
            for w, peers in vals.items()}


def label(target):
    group, name = target.split(":", 1)
    return "%s %s" % (group, PEER_LABEL.get((group, name), name))


GROUP_ORDER = ["iscsi-null", "iscsi-file", "iscsi-blk", "local-null"]


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


def render(meta, runs, summary, rat, pair=None):
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
    if meta.get("setup"):
        lines.append("guest set up with: " + meta["setup"])
    if meta.get("scst_commit") or meta.get("scst_version"):
        lines.append("SCST (local-null scst_local): commit %s, build mode "
                     "%s, queue depth %s, %s" % (
                         meta.get("scst_commit", "?"),
                         meta.get("scst_mode", "?"),
                         meta.get("scst_queue_depth", "?"),
                         meta.get("scst_version", "?").strip()))
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
            p = (pair or {}).get(w, {}).get(t)
            if p:
                lines.append("  %-10s ktgt/%-10s IOPS round by round: "
                             "x%.2f [%.2f-%.2f] over %d round%s" % (
                    "", label(t).split(" ", 1)[1], p["median"], p["min"],
                    p["max"], p["n"], "" if p["n"] == 1 else "s"))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------
# The memory phase.

# Steady state "without allocation per command outside the pool": fewer
# slab allocations (kmalloc() and kmem_cache_alloc()) from ktgt, outside
# the pool's own functions (which allocate on a miss, counted as such),
# than one per this many commands (what is left are the connection's
# NOP-Ins and the like).
MEM_ALLOC_MAX_PER_CMD = 0.01
POOL_FUNCS = ("ktgt_sgv_", "sgv_")


def read_kv(path):
    """NAME=VALUE lines; numbers as int."""
    out = {}
    for k, v in read_meta(path).items():
        try:
            out[k] = int(v)
        except ValueError:
            out[k] = v
    return out


def read_slabinfo(path):
    """{cache: (active_objs, objsize, num_slabs, pagesperslab)}"""
    caches = {}
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(("slabinfo", "#")):
                    continue
                p = line.split()
                if len(p) < 6:
                    continue
                try:
                    slabs = int(p[p.index("slabdata") + 2]) \
                        if "slabdata" in p else 0
                    caches[p[0]] = (int(p[1]), int(p[3]), slabs, int(p[5]))
                except (ValueError, IndexError):
                    continue
    except OSError:
        pass
    return caches


def slab_growth(start, end, page_kb=4):
    """Per cache: objects and KiB (objects x size) gained, slab KiB."""
    out = {}
    for name in set(start) | set(end):
        a = start.get(name, (0, 0, 0, 0))
        b = end.get(name, (0, 0, 0, 0))
        size = b[1] or a[1]
        out[name] = {"objs": b[0] - a[0],
                     "kb": (b[0] - a[0]) * size / 1024.0,
                     "slab_kb": (b[2] * b[3] - a[2] * a[3]) * page_kb}
    return out


def read_sites(path):
    """[(event, count, function, module)] of the kmem hist."""
    sites = []
    try:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) == 4:
                    sites.append((p[0], int(p[1]), p[2], p[3]))
    except (OSError, ValueError):
        pass
    return sites


SAMPLE_KEYS = ["t", "phase", "cached_pages", "busy_pages", "allocated_pages",
               "hits", "misses", "shrunk_pages", "shrink_scans",
               "purged_pages", "avail_kb"]


def read_samples(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) != len(SAMPLE_KEYS):
                    continue
                try:
                    row = {k: (v if k == "phase" else int(v))
                           for k, v in zip(SAMPLE_KEYS, p)}
                except ValueError:
                    continue
                out.append(row)
    except OSError:
        pass
    return out


def fio_errors(path):
    """(total I/Os, jobs with an error) of fio's JSON, or (None, None)."""
    try:
        with open(path) as f:
            text = f.read()
        doc = json.loads(text[text.index("{"):])
    except (OSError, ValueError):
        return None, None
    ios = errs = 0
    for job in doc.get("jobs", []):
        if job.get("error"):
            errs += 1
        for side in ("read", "write"):
            ios += int(job.get(side, {}).get("total_ios", 0))
    return ios, errs


def pool_pages(snap):
    return snap.get("sgv_cached_pages", 0) + snap.get("sgv_busy_pages", 0)


def mem_report(resdir):
    """The memory phase's figures, or None if it did not run."""
    d = os.path.join(resdir, "mem")
    start = read_kv(os.path.join(d, "snap.start"))
    end = read_kv(os.path.join(d, "snap.end"))
    if not start or not end:
        return None
    env = read_meta(os.path.join(d, "env"))

    def delta(key, a=start, b=end):
        return b.get(key, 0) - a.get(key, 0)

    hits, misses = delta("sgv_hits"), delta("sgv_misses")
    reads, writes = delta("cmds_reads"), delta("cmds_writes")
    cmds = reads + writes + delta("cmds_other")
    sites = read_sites(os.path.join(d, "kmem_sites"))
    kmalloc = sum(n for e, n, _, _ in sites if e == "kmalloc")
    outside = sum(n for _, n, f, _ in sites if not f.startswith(POOL_FUNCS))
    kcache = sum(n for e, n, _, _ in sites if e == "kmem_cache_alloc")
    growth = slab_growth(read_slabinfo(os.path.join(d, "slabinfo.start")),
                         read_slabinfo(os.path.join(d, "slabinfo.end")))
    objs = sum(g["objs"] for g in growth.values())
    top = sorted(growth.items(), key=lambda kv: -abs(kv[1]["kb"]))[:8]
    per = (lambda n: n / cmds if cmds else None)
    steady = {
        "secs": delta("t"),
        "commands": cmds, "reads": reads, "writes": writes,
        "sgv_hits": hits, "sgv_misses": misses,
        "hit_rate": hits / (hits + misses) if hits + misses else None,
        "pool_pages_start": start.get("sgv_allocated_pages"),
        "pool_pages_end": end.get("sgv_allocated_pages"),
        "purged_pages": delta("sgv_purged_pages"),
        "shrunk_pages": delta("sgv_shrunk_pages"),
        "slab_kb": delta("meminfo_Slab"),
        "sunreclaim_kb": delta("meminfo_SUnreclaim"),
        "slab_objs": objs,
        "slab_objs_per_cmd": per(objs),
        "kmalloc_ktgt": kmalloc,
        "kmalloc_ktgt_per_cmd": per(kmalloc),
        "alloc_outside_pool": outside,
        "alloc_outside_pool_per_cmd": per(outside),
        "misses_per_cmd": per(misses),
        "kmem_cache_alloc_ktgt": kcache,
        "kmem_cache_alloc_ktgt_per_cmd": per(kcache),
        "kmem_sites": [{"event": e, "count": n, "function": f,
                        "module": m, "per_cmd": per(n)}
                       for e, n, f, m in sites],
        "kmem_traced": not os.path.exists(
            os.path.join(d, "kmem_sites.err")),
        "top_slab_growth": [dict(cache=k, **v) for k, v in top],
    }
    steady["pool_only"] = bool(
        cmds and steady["kmem_traced"] and
        outside / cmds < MEM_ALLOC_MAX_PER_CMD)

    hog = None
    h0 = read_kv(os.path.join(d, "snap.hog0"))
    h1 = read_kv(os.path.join(d, "snap.hog"))
    after = read_kv(os.path.join(d, "snap.after"))
    if h0 and h1 and after:
        samples = read_samples(os.path.join(d, "samples"))
        during = [r for r in samples if r["phase"] == "hog"] or [h1]
        during_pages = [r["cached_pages"] + r["busy_pages"]
                        if "cached_pages" in r else pool_pages(r)
                        for r in during]
        during_pages.append(pool_pages(h1))
        avail = [r["avail_kb"] for r in during if "avail_kb" in r]
        hog_mib, hog_rc = None, None
        try:
            with open(os.path.join(d, "hog.log")) as f:
                for line in f:
                    for w in line.split():
                        if w.startswith("hog_mib="):
                            hog_mib = max(hog_mib or 0, int(w[8:]))
                        elif w.startswith("rc="):
                            hog_rc = int(w[3:])
        except (OSError, ValueError):
            pass
        hog = {
            "pool_pages_before": pool_pages(h0),
            "pool_pages_during_min": min(during_pages),
            "pool_pages_during_end": pool_pages(h1),
            "pool_pages_after": pool_pages(after),
            "shrink_counts": delta("sgv_shrink_counts", h0, h1),
            "shrink_scans": delta("sgv_shrink_scans", h0, h1),
            "shrunk_pages": delta("sgv_shrunk_pages", h0, h1),
            "misses_during": delta("sgv_misses", h0, h1),
            "commands_during": sum(delta(k, h0, h1) for k in (
                "cmds_reads", "cmds_writes", "cmds_other")),
            "commands_after": sum(delta(k, h1, after) for k in (
                "cmds_reads", "cmds_writes", "cmds_other")),
            "avail_kb_before": h0.get("meminfo_MemAvailable"),
            "avail_kb_during_min": min(avail) if avail else
            h1.get("meminfo_MemAvailable"),
            "hog_mib": hog_mib, "hog_rc": hog_rc,
        }
        hog["pool_shrank"] = bool(
            hog["shrunk_pages"] > 0 and
            hog["pool_pages_during_min"] < hog["pool_pages_before"])
    ios, errs = fio_errors(os.path.join(d, "fio.json"))
    try:
        with open(os.path.join(d, "fio.rc")) as f:
            rc = int(f.read().strip())
    except (OSError, ValueError):
        rc = None
    fio = {"rc": rc, "ios": ios, "jobs_with_errors": errs,
           "ok": rc == 0 and errs == 0 and bool(ios)}
    return {"env": env, "steady": steady, "hog": hog, "fio": fio}


def _f(v, spec="%.0f"):
    return "-" if v is None else spec % v


def render_mem(m):
    s, h, fio, env = m["steady"], m["hog"], m["fio"], m["env"]
    lines = ["", "== memory (sgv pool, slab) on %s: fio %s" % (
        env.get("targets", "?"), env.get("fio_args", "?"))]
    lines.append("steady state, %ss after %ss of warm-up: %d commands "
                 "(%d reads, %d writes)" % (
                     s["secs"], env.get("warmup", "?"), s["commands"],
                     s["reads"], s["writes"]))
    lines.append("  sgv pool: hit rate %s (%d hits, %d misses), pool pages "
                 "%s -> %s, purged %d, shrunk %d" % (
                     _f(s["hit_rate"] and 100 * s["hit_rate"], "%.3f%%"),
                     s["sgv_hits"], s["sgv_misses"],
                     _f(s["pool_pages_start"]), _f(s["pool_pages_end"]),
                     s["purged_pages"], s["shrunk_pages"]))
    lines.append("  slab: Slab %+d KiB, SUnreclaim %+d KiB, objects %+d "
                 "(%s per command)" % (
                     s["slab_kb"], s["sunreclaim_kb"], s["slab_objs"],
                     _f(s["slab_objs_per_cmd"], "%+.4f")))
    if s["kmem_traced"]:
        lines.append("  allocations from ktgt modules per command: "
                     "kmalloc %s (%d), kmem_cache_alloc %s (%d)" % (
                         _f(s["kmalloc_ktgt_per_cmd"], "%.4f"),
                         s["kmalloc_ktgt"],
                         _f(s["kmem_cache_alloc_ktgt_per_cmd"], "%.4f"),
                         s["kmem_cache_alloc_ktgt"]))
        for site in s["kmem_sites"][:8]:
            lines.append("    %-16s %8d  %s per command  %s [%s]" % (
                site["event"], site["count"],
                _f(site["per_cmd"], "%.4f"), site["function"],
                site["module"]))
    else:
        lines.append("  allocations per command: not traced (no hist "
                     "triggers)")
    lines.append("  caches that grew most (objects, KiB):")
    for c in s["top_slab_growth"]:
        lines.append("    %-28s %+8d %+10.1f" % (c["cache"], c["objs"],
                                                 c["kb"]))
    lines.append("  no allocation per command outside the pool: %s "
                 "(slab allocations outside the pool %s per command; "
                 "pool misses %s per command)" % (
                     "yes" if s["pool_only"] else "NO",
                     _f(s["alloc_outside_pool_per_cmd"], "%.4f"),
                     _f(s["misses_per_cmd"], "%.5f")))
    if h:
        lines.append("memory hog (%s MiB, MemAvailable %s -> %s MiB; "
                     "exit %s): pool pages before %d, during %d (min) / "
                     "%d (end), after %d" % (
                         _f(h["hog_mib"]),
                         _f(h["avail_kb_before"] and
                            h["avail_kb_before"] / 1024),
                         _f(h["avail_kb_during_min"] and
                            h["avail_kb_during_min"] / 1024),
                         _f(h["hog_rc"]), h["pool_pages_before"],
                         h["pool_pages_during_min"],
                         h["pool_pages_during_end"],
                         h["pool_pages_after"]))
        lines.append("  shrinker: %d count calls, %d scan calls, %d pages "
                     "freed; %d misses rebuilt buffers; %d commands during "
                     "the hog, %d after; pool gave memory back: %s" % (
                         h["shrink_counts"], h["shrink_scans"],
                         h["shrunk_pages"], h["misses_during"],
                         h["commands_during"], h["commands_after"],
                         "yes" if h["pool_shrank"] else "NO"))
    lines.append("fio: rc %s, %s I/Os, %s job(s) with errors: %s" % (
        _f(fio["rc"]), _f(fio["ios"]), _f(fio["jobs_with_errors"]),
        "ok" if fio["ok"] else "FAILED"))
    return lines


def workload_order(w):
    order = ["rr4k-qd1", "rw4k-qd1", "rr4k-qd32", "rw4k-qd32",
             "sr1m-qd8", "sw1m-qd8"]
    return order.index(w) if w in order else 99


def report(resdir):
    meta, runs = load_runs(resdir)
    summary = summarize(runs)
    rat = ratios(summary)
    pair = paired(runs)
    mem = mem_report(resdir)
    doc = {"meta": meta, "note": NOTE, "summary": summary, "ratios": rat,
           "paired": pair, "runs": runs, "mem": mem}
    text = render(meta, runs, summary, rat, pair)
    if mem:
        text += "\n".join(render_mem(mem)) + "\n"
    return doc, text


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
        f.write("kernel=6.1.0-test\nvcpus=2\nuser_hz=100\nruntime=5\n"
                "setup=sysctl -w net.core.rmem_max=4194304\n")
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
    assert ("guest set up with: sysctl -w net.core.rmem_max=4194304"
            in text), text
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
    # Round by round: ktgt/lio 3.0, 2.0, 1.33 (lio's failed round 4 has
    # no ktgt run beside it); ktgt/tgt 7.5, 2.5, 5.0.
    p = doc["paired"]["rr4k-qd32"]
    assert p["iscsi-null:lio"]["n"] == 3, p
    assert abs(p["iscsi-null:lio"]["median"] - 2.0) < 1e-9, p
    assert abs(p["iscsi-null:lio"]["min"] - 100 / 75) < 1e-9, p
    assert abs(p["iscsi-null:lio"]["max"] - 3.0) < 1e-9, p
    assert abs(p["iscsi-null:tgt"]["median"] - 5.0) < 1e-9, p
    assert abs(p["iscsi-null:tgt"]["min"] - 2.5) < 1e-9, p
    assert abs(p["iscsi-null:tgt"]["max"] - 7.5) < 1e-9, p
    assert ("ktgt/lio        IOPS round by round: x2.00 [1.33-3.00] "
            "over 3 rounds") in text, text
    assert "WARNING: 1 fio run(s) failed" in text, text
    assert "only the ratios" in text
    json.dumps(doc)
    assert doc["mem"] is None
    _mem_self_test(d)
    print("report.py self-test: PASS")
    return 0


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def _kv(**kw):
    return "".join("%s=%s\n" % kv for kv in kw.items())


def _slabinfo(caches):
    head = ("slabinfo - version: 2.1\n# name <active_objs> <num_objs> "
            "<objsize> <objperslab> <pagesperslab> : tunables <limit> "
            "<batchcount> <sharedfactor> : slabdata <active_slabs> "
            "<num_slabs> <sharedavail>\n")
    return head + "".join(
        "%-17s %6d %6d %4d %3d %2d : tunables 0 0 0 : slabdata %4d %4d 0\n"
        % (n, objs, objs, size, 8, 1, slabs, slabs)
        for n, objs, size, slabs in caches)


def _mem_self_test(d):
    """The memory phase's figures from synthetic snapshots."""
    m = os.path.join(d, "mem")
    os.makedirs(m)
    _write(os.path.join(m, "env"), "targets=iscsi-null:ktgt\nwarmup=30\n")
    pool = dict(sgv_allocated_pages=500, sgv_cached_pages=400,
                sgv_busy_pages=20, sgv_purged_pages=0, sgv_shrunk_pages=0,
                sgv_shrink_counts=0, sgv_shrink_scans=0)
    _write(os.path.join(m, "snap.start"), _kv(
        t=1000, sgv_hits=100, sgv_misses=10, meminfo_Slab=50000,
        meminfo_SUnreclaim=20000, meminfo_MemAvailable=2000000,
        cmds_reads=1000, cmds_writes=1000, cmds_other=5, **pool))
    # 100000 commands, 100000 hits and no miss in 300 s.
    end = dict(t=1300, sgv_hits=100100, sgv_misses=10, meminfo_Slab=50400,
               meminfo_SUnreclaim=20100, meminfo_MemAvailable=2000000,
               cmds_reads=51000, cmds_writes=51000, cmds_other=5, **pool)
    _write(os.path.join(m, "snap.end"), _kv(**end))
    _write(os.path.join(m, "slabinfo.start"), _slabinfo(
        [("kis_task", 100, 512, 13), ("kmalloc-64", 1000, 64, 16)]))
    _write(os.path.join(m, "slabinfo.end"), _slabinfo(
        [("kis_task", 132, 512, 17), ("kmalloc-64", 1100, 64, 18)]))
    _write(os.path.join(m, "kmem_sites"),
           "kmem_cache_alloc 30 kis_rx_pdu ktgt_iscsi\n"
           "kmalloc 60 kis_ctl_alloc ktgt_iscsi\n")
    _write(os.path.join(m, "snap.hog0"), _kv(**dict(end, t=1301)))
    hog = dict(end, t=1400, sgv_cached_pages=30, sgv_busy_pages=0,
               sgv_shrunk_pages=600, sgv_shrink_counts=50,
               sgv_shrink_scans=20, sgv_misses=40, cmds_reads=51500,
               meminfo_MemAvailable=70000)
    _write(os.path.join(m, "snap.hog"), _kv(**hog))
    _write(os.path.join(m, "snap.after"), _kv(**dict(
        hog, t=1430, sgv_cached_pages=380, sgv_busy_pages=10,
        cmds_reads=51800)))
    _write(os.path.join(m, "samples"),
           "0 steady 400 20 500 100 10 0 0 0 2000000\n"
           "5 hog 5 0 100 100200 30 500 15 0 61440\n"
           "10 hog 30 0 120 100300 40 600 20 0 65536\n")
    _write(os.path.join(m, "hog.log"), "t=3 filled hog_mib=2800 avail_mib=60"
           "\ndone hog_mib=2816\nrc=0\n")
    _write(os.path.join(m, "fio.json"), json.dumps({"jobs": [
        {"error": 0, "read": {"total_ios": 60000},
         "write": {"total_ios": 60000}}]}))
    _write(os.path.join(m, "fio.rc"), "0\n")

    doc, text = report(d)
    mem = doc["mem"]
    st, hg = mem["steady"], mem["hog"]
    assert st["secs"] == 300 and st["commands"] == 100000, st
    assert st["hit_rate"] == 1.0 and st["sgv_misses"] == 0, st
    assert st["slab_kb"] == 400 and st["sunreclaim_kb"] == 100, st
    assert st["slab_objs"] == 132, st
    assert abs(st["slab_objs_per_cmd"] - 0.00132) < 1e-12, st
    assert abs(st["kmalloc_ktgt_per_cmd"] - 0.0006) < 1e-12, st
    assert abs(st["kmem_cache_alloc_ktgt_per_cmd"] - 0.0003) < 1e-12, st
    assert st["alloc_outside_pool"] == 90, st
    top = st["top_slab_growth"][0]
    assert top["cache"] == "kis_task" and top["kb"] == 16.0, top
    assert top["slab_kb"] == 16, top
    assert st["pool_only"] is True, st
    assert hg["pool_pages_before"] == 420, hg
    assert hg["pool_pages_during_min"] == 5, hg
    assert hg["pool_pages_during_end"] == 30, hg
    assert hg["pool_pages_after"] == 390, hg
    assert hg["shrink_scans"] == 20 and hg["shrunk_pages"] == 600, hg
    assert hg["misses_during"] == 30 and hg["commands_during"] == 500, hg
    assert hg["commands_after"] == 300, hg
    assert hg["avail_kb_during_min"] == 61440, hg
    assert hg["hog_mib"] == 2816 and hg["hog_rc"] == 0, hg
    assert hg["pool_shrank"] is True, hg
    assert mem["fio"]["ok"] and mem["fio"]["ios"] == 120000, mem["fio"]
    assert "hit rate 100.000% (100000 hits, 0 misses)" in text, text
    assert "before 420, during 5 (min) / 30 (end), after 390" in text, text
    assert "outside the pool: yes" in text and "back: yes" in text, text
    assert "kmalloc 0.0006 (60)" in text, text
    json.dumps(doc)

    # A miss is the pool growing (its own kmalloc counts as such); a
    # kmalloc per command elsewhere is not "pool only"; a job with an
    # error fails fio.
    _write(os.path.join(m, "snap.end"), _kv(**dict(end, sgv_misses=1010)))
    _write(os.path.join(m, "kmem_sites"),
           "kmalloc 1000 ktgt_sgv_alloc ktgt_core\n")
    _write(os.path.join(m, "fio.json"), json.dumps({"jobs": [
        {"error": 5, "read": {"total_ios": 10}}]}))
    doc, text = report(d)
    st = doc["mem"]["steady"]
    assert st["sgv_misses"] == 1000 and st["misses_per_cmd"] == 0.01, st
    assert abs(st["hit_rate"] - 100000 / 101000.0) < 1e-12, st
    assert st["pool_only"] is True and st["alloc_outside_pool"] == 0, st
    assert doc["mem"]["fio"]["ok"] is False
    assert "outside the pool: yes" in text and "FAILED" in text, text
    _write(os.path.join(m, "snap.end"), _kv(**end))
    # One allocation per command outside the pool, kmalloc() or from a
    # kmem_cache, is not "pool only".
    for site in ("kmalloc 100000 f ktgt_core",
                 "kmem_cache_alloc 100000 kis_rx_pdu ktgt_iscsi"):
        _write(os.path.join(m, "kmem_sites"), site + "\n")
        doc, text = report(d)
        assert doc["mem"]["steady"]["pool_only"] is False, site
        assert ("outside the pool: NO (slab allocations outside the pool "
                "1.0000") in text, text


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
    return 0 if doc["summary"] or doc["mem"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
