#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""insnprof.py: the profile between two snapshots of the insnprof plugin.

    insnprof.py SNAP_A SNAP_B KALLSYMS [--per SYMBOL] [--top N] [--json F]
                [--callers F1,F2,...]
    insnprof.py --compare A.json B.json [N]
    insnprof.py --self-test

SNAP_A and SNAP_B are files written by tests/bench/insnprof/insnprof.c
("user INSNS", then "VADDR NINSNS COUNT" per translated kernel block);
KALLSYMS is the guest's /proc/kallsyms of the same boot, read as root.
Each block's executions between the snapshots times its length go to the
text symbol its first instruction is in; the executions of a block that
starts at a symbol's address are that function's calls. Everything is
divided by the calls of --per (default blk_mq_start_request: one per
block-layer request, whatever the driver below), so two targets'
profiles compare per I/O. Prints the totals, the modules, and the --top
functions by instructions per request, with the executions of their
blocks (under TCG each is a dispatch of translated code, so blocks
weigh in time beyond their instructions), and the direct callers of
the --callers functions (the plugin records the call that ends a
block). --compare prints two runs'
--json side by side: the modules, and the N functions whose
instructions per request differ most.
"""

import argparse
import bisect
import json
import sys


def read_snap(path):
    """((user instructions, user cycles), {vaddr: (instructions,
    executions, cycles)}, {(vaddr, callee): executions} of the blocks that
    end in a call, the number of translations). Cycles are 0 unless the
    plugin ran with time=1."""
    user = (0, 0)
    blocks = {}
    calls_out = {}
    nrec = 0
    with open(path) as f:
        for line in f:
            p = line.split()
            nrec += 1
            if len(p) in (2, 3) and p[0] == "user":
                user = (int(p[1]), int(p[2]) if len(p) == 3 else 0)
                continue
            if len(p) not in (3, 4, 5):
                continue
            va, n, c = int(p[0], 16), int(p[1]), int(p[2])
            cyc = int(p[4]) if len(p) == 5 else 0
            ins, calls, cycles = blocks.get(va, (0, 0, 0))
            blocks[va] = (ins + n * c, calls + c, cycles + cyc)
            callee = int(p[3], 16) if len(p) >= 4 else 0
            if callee:
                calls_out[(va, callee)] = calls_out.get((va, callee), 0) + c
    # One line per translation (run at least once): the difference of
    # two snapshots' lines counts the kernel's translations between them.
    return user, blocks, calls_out, nrec


def read_kallsyms(path):
    syms = []
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) < 3 or p[1] not in "tTwW":
                continue
            mod = p[3].strip("[]") if len(p) > 3 else "vmlinux"
            syms.append((int(p[0], 16), p[2], mod))
    syms.sort()
    return syms


def sym_of(syms, addrs, va):
    """(name, module) of the text symbol holding va."""
    i = bisect.bisect_right(addrs, va) - 1
    if i < 0 or va - addrs[i] > 1 << 20:
        return ("[unknown]", "?"), -1
    return (syms[i][1], syms[i][2]), i


def ran(a, b):
    """(vaddr, instructions, executions, cycles) between snapshots a and b
    of each kernel block that ran in the window."""
    for va, (ins, calls, cycles) in b[1].items():
        ins0, calls0, cycles0 = a[1].get(va, (0, 0, 0))
        if calls > calls0:
            yield va, ins - ins0, calls - calls0, cycles - cycles0


def profile(a, b, syms, per_sym):
    """The window between snapshots a and b (read_snap's tuples) over the
    sorted symbols syms: (requests, kernel, user, modules, functions,
    callers), functions {(name, module): [insns, calls, blocks, cycles]}
    (blocks: executions of its blocks, each a dispatch of translated code
    under TCG; cycles: the host's, with time=1), callers {callee name:
    {(caller name, module): calls}} for the direct calls; user is
    (instructions, cycles)."""
    ua, _, ca, _ = a
    ub, _, cb, _ = b
    addrs = [s[0] for s in syms]
    callers = {}
    for (va, callee), c in cb.items():
        c -= ca.get((va, callee), 0)
        if c <= 0:
            continue
        (name, _), _ = sym_of(syms, addrs, callee)
        key, _ = sym_of(syms, addrs, va)
        d = callers.setdefault(name, {})
        d[key] = d.get(key, 0) + c
    fn = {}
    mods = {}
    kernel = 0
    for va, ins, calls, cycles in ran(a, b):
        key, i = sym_of(syms, addrs, va)
        e = fn.setdefault(key, [0, 0, 0, 0])
        e[0] += ins
        e[2] += calls
        e[3] += cycles
        if i >= 0 and va == addrs[i]:
            e[1] += calls
        mods[key[1]] = mods.get(key[1], 0) + ins
        kernel += ins
    per = sum(e[1] for k, e in fn.items() if k[0] == per_sym)
    return per, kernel, (ub[0] - ua[0], ub[1] - ua[1]), mods, fn, callers


def block_overhead(a, b):
    """With time=1: the fewest host cycles per execution of any block run
    at least 1000 times in the window, an upper bound of what the plugin's
    callback adds to each execution."""
    best = None
    for _, _, n, cycles in ran(a, b):
        if n >= 1000 and cycles > 0:
            c = cycles / n
            best = c if best is None else min(best, c)
    return best or 0


def self_test():
    import os
    import tempfile
    d = tempfile.mkdtemp()

    def w(name, text):
        path = os.path.join(d, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    ks = w("kallsyms", "ffffffff81000000 T start_req\n"
           "ffffffff81000100 t helper\n"
           "ffffffff81000200 D some_data\n"
           "ffffffffc0001000 t mod_fn\t[mymod]\n")
    # helper's block at +0x100 is a call; its second block at +0x140
    # is not; a block translated twice (two records) adds up; the block
    # at +0x210 is past a data symbol, which is no function: helper's.
    # start_req's block ends in a call of helper (an old snapshot line
    # without the callee column counts as no call); mod_fn calls
    # helper too.
    a = w("a", "user 1000\nffffffff81000000 5 10\n"
          "ffffffff81000100 3 10 0\nffffffff81000140 2 4 0\n")
    b = w("b", "user 1600\nffffffff81000000 5 14 ffffffff81000100\n"
          "ffffffff81000000 5 6 ffffffff81000100\n"
          "ffffffff81000100 3 30 0\n"
          "ffffffff81000140 2 24 0 700\n"
          "ffffffffc0001010 7 2 ffffffff81000100\n"
          "ffffffff81000210 1 1 0\n")
    per, kernel, user, mods, fn, callers = profile(
        read_snap(a), read_snap(b), read_kallsyms(ks), "start_req")
    ok = True
    for what, got, want in (
            ("requests", per, 10),
            ("user", user, (600, 0)),
            ("start_req", fn[("start_req", "vmlinux")], [50, 10, 10, 0]),
            ("helper", fn[("helper", "vmlinux")], [60 + 40 + 1, 20, 41,
                                                   700]),
            ("mod_fn", fn[("mod_fn", "mymod")], [14, 0, 2, 0]),
            ("kernel", kernel, 50 + 100 + 14 + 1),
            ("mymod", mods.get("mymod"), 14),
            ("callers", callers, {"helper": {("start_req", "vmlinux"): 20,
                                             ("mod_fn", "mymod"): 2}})):
        if got != want:
            print("insnprof self-test: %s is %s, expected %s"
                  % (what, got, want))
            ok = False
    for f in (a, b, ks):
        os.unlink(f)
    os.rmdir(d)
    print("insnprof self-test: %s" % ("ok" if ok else "FAILED"))
    return 0 if ok else 1


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if sys.argv[1:2] == ["--compare"] and len(sys.argv) in (4, 5):
        return compare(sys.argv[2], sys.argv[3],
                       int(sys.argv[4]) if len(sys.argv) == 5 else 40)
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("kallsyms")
    ap.add_argument("--per", default="blk_mq_start_request")
    ap.add_argument("--top", type=int, default=45)
    ap.add_argument("--json")
    ap.add_argument("--callers", default="memset,memcpy,kmem_cache_alloc,"
                    "__kmalloc,ktime_get",
                    help="functions whose direct callers to list")
    o = ap.parse_args()

    syms = read_kallsyms(o.kallsyms)
    if not syms or syms[0][0] == 0:
        print("insnprof: no addresses in %s (not root, or kptr_restrict=2)"
              % o.kallsyms)
        return 1
    snap_a, snap_b = read_snap(o.a), read_snap(o.b)
    per, kernel, (user, user_cycles), mods, fn, callers = profile(
        snap_a, snap_b, syms, o.per)
    if per <= 0:
        print("insnprof: no calls of %s in the window" % o.per)
        return 1

    mblocks = {}
    for (name, mod), e in fn.items():
        mblocks[mod] = mblocks.get(mod, 0) + e[2]
    distinct = hot = hot_len = 0
    for _, ins, n, _ in ran(snap_a, snap_b):
        distinct += 1
        if n >= per / 2:
            hot += 1
            hot_len += ins / n
    print("insnprof: %d requests (calls of %s); per request: %.0f kernel"
          " instructions in %.0f blocks, %.0f user instructions; in the"
          " window %d distinct kernel blocks ran, %d were translated; %d"
          " blocks (%.0f instructions) ran at least once per 2 requests"
          % (per, o.per, kernel / per, sum(mblocks.values()) / per,
             user / per, distinct, snap_b[3] - snap_a[3], hot, hot_len))
    print("%-28s %12s %7s %11s" % ("module", "insns/req", "share",
                                   "blocks/req"))
    for m, ins in sorted(mods.items(), key=lambda x: -x[1]):
        if ins / per >= 1:
            print("%-28s %12.0f %6.1f%% %11.0f" % (
                m, ins / per, 100.0 * ins / kernel, mblocks[m] / per))
    print("%-40s %-14s %10s %9s %10s %10s" % (
        "function", "module", "insns/req", "calls/req", "insns/call",
        "blocks/req"))
    top = sorted(fn.items(), key=lambda x: -x[1][0])
    for (name, mod), (ins, calls, blocks, _) in top[:o.top]:
        print("%-40s %-14s %10.1f %9.2f %10s %10.1f" % (
            name[:40], mod[:14], ins / per, calls / per,
            "%.0f" % (ins / calls) if calls else "-", blocks / per))
    cycles = sum(e[3] for e in fn.values())
    if cycles:
        c0 = block_overhead(snap_a, snap_b)
        blocks = sum(mblocks.values())
        print("host time (time=1): %.1f kcycles per request in the kernel,"
              " %.1f in user space; the callback's cost, at most %.0f"
              " cycles per block, subtracted: %.1f kcycles in the kernel"
              % (cycles / per / 1e3, user_cycles / per / 1e3, c0,
                 (cycles - blocks * c0) / per / 1e3))
        mcyc = {}
        for (name, mod), e in fn.items():
            mcyc[mod] = mcyc.get(mod, 0) + e[3] - e[2] * c0
        print("%-28s %14s %7s" % ("module", "net kcyc/req", "share"))
        net = sum(mcyc.values())
        for m, c in sorted(mcyc.items(), key=lambda x: -x[1]):
            if c / per >= 100:
                print("%-28s %14.1f %6.1f%%" % (m, c / per / 1e3,
                                                100.0 * c / net))
        print("%-40s %-14s %12s %10s" % ("function", "module",
                                         "net kcyc/req", "insns/req"))
        bytime = sorted(fn.items(), key=lambda x: -(x[1][3] - x[1][2] * c0))
        for (name, mod), e in bytime[:o.top]:
            print("%-40s %-14s %12.2f %10.1f" % (
                name[:40], mod[:14], (e[3] - e[2] * c0) / per / 1e3,
                e[0] / per))
    for name in o.callers.split(","):
        d = callers.get(name)
        if not d:
            continue
        print("callers of %s (direct calls per request): %s" % (
            name, ", ".join("%s %.2f" % (k[0], c / per) for k, c in
                            sorted(d.items(), key=lambda x: -x[1])
                            if c / per >= 0.01)))
    if o.json:
        with open(o.json, "w") as f:
            json.dump({"per": o.per, "requests": per, "kernel": kernel,
                       "user": user, "user_cycles": user_cycles,
                       "modules": mods, "blocks": mblocks,
                       "functions": [[n, m] + e for (n, m), e in top
                                     if e[0] > 0 or e[1] > 0],
                       "callers": {name: [[k[0], k[1], c] for k, c in
                                          d.items() if c / per >= 0.01]
                                   for name, d in callers.items()
                                   if sum(d.values()) / per >= 0.01}}, f)
    return 0


def compare(fa, fb, top):
    """Two profiles' JSON (--json) side by side, per request: the modules,
    then the functions whose instructions differ most."""
    pa, pb = (json.load(open(f)) for f in (fa, fb))
    na, nb = pa["requests"], pb["requests"]
    print("A %s: %.0f kernel + %.0f user instructions per request"
          % (fa, pa["kernel"] / na, pa["user"] / na))
    print("B %s: %.0f kernel + %.0f user instructions per request"
          % (fb, pb["kernel"] / nb, pb["user"] / nb))
    print("%-28s %10s %10s %10s" % ("module", "A", "B", "B - A"))
    mods = set(pa["modules"]) | set(pb["modules"])
    for m in sorted(mods, key=lambda m: -max(pa["modules"].get(m, 0) / na,
                                              pb["modules"].get(m, 0) / nb)):
        x, y = pa["modules"].get(m, 0) / na, pb["modules"].get(m, 0) / nb
        if max(x, y) >= 1:
            print("%-28s %10.0f %10.0f %+10.0f" % (m, x, y, y - x))
    fa_ = {(f[0], f[1]): f[2:] for f in pa["functions"]}
    fb_ = {(f[0], f[1]): f[2:] for f in pb["functions"]}
    print("%-36s %-14s %9s %7s %9s %7s" % ("function", "module", "A insns",
                                           "calls", "B insns", "calls"))
    keys = sorted(set(fa_) | set(fb_), key=lambda k: -abs(
        fb_.get(k, [0, 0])[0] / nb - fa_.get(k, [0, 0])[0] / na))
    for k in keys[:top]:
        x, y = fa_.get(k, [0, 0]), fb_.get(k, [0, 0])
        print("%-36s %-14s %9.1f %7.2f %9.1f %7.2f" % (
            k[0][:36], k[1][:14], x[0] / na, x[1] / na, y[0] / nb,
            y[1] / nb))
    return 0


if __name__ == "__main__":
    sys.exit(main())
