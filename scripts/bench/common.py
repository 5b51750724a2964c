# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared helpers of the benchmark scripts: timing whole processes, medians, tables."""
import os
import statistics
import subprocess
import sys
import time


class RunFailed(Exception):
    pass


def run(command, env=None, label=None):
    """Runs `command` (a list) to completion; returns (wall seconds, stdout, stderr).
    Raises RunFailed with the tail of stderr when it exits non-zero."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise RunFailed(f"{label or command[0]} exited {done.returncode}: {' '.join(command)}\n{tail}")
    return wall, done.stdout, done.stderr


def median(values):
    return statistics.median(values)


def spread(values):
    return f"{min(values):.3f}..{max(values):.3f}"


def table(rows, headers):
    widths = [max(len(str(r[i])) for r in [headers] + rows) for i in range(len(headers))]
    line = lambda r: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))


def say(text):
    print(text, flush=True)


def note(text):
    print(text, file=sys.stderr, flush=True)


def snapshot(binary, workdir, name="metaprior"):
    """Copies the binary into `workdir` (as `name`) and returns the copy's path, so every run
    of one benchmark uses the same build even if the tree is rebuilt meanwhile."""
    import shutil
    copy = os.path.join(workdir, name)
    shutil.copy2(binary, copy)
    return copy


def parse_r(stdout):
    """The `key value` lines an R side prints (lmer_fit.R, glmer_fit.R), as a dict; its
    `lme4-message` lines, in order, under "messages"."""
    out = {"messages": []}
    for line in stdout.splitlines():
        key, _, value = line.partition(" ")
        if key == "lme4-message":
            out["messages"].append(value)
        else:
            out[key] = value
    return out
