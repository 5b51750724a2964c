# SPDX-License-Identifier: GPL-3.0-or-later
"""Python side of scripts/bench-ingest: makes the benchmark file and times both readers."""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd


def make_file(path, rows, tasks=1000, seed=1):
    rng = np.random.default_rng(seed)
    task = np.arange(rows) % tasks  # interleaved: a task's rows are not contiguous
    x1 = rng.normal(size=rows)
    x2 = rng.uniform(-5, 5, size=rows)
    y = 1.5 * x1 - 0.5 * x2 + rng.normal(scale=0.3, size=rows)
    frame = pd.DataFrame({"task": task, "x1": x1, "x2": x2, "y": y})
    frame.to_csv(path, index=False)  # floats in repr form: up to 17 significant digits


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--file", default=None)
    args = parser.parse_args()

    path = args.file or os.path.join(tempfile.gettempdir(), f"metaprior-bench-{args.rows}.csv")
    if not os.path.exists(path):
        print(f"generating {path} ({args.rows} rows)", file=sys.stderr)
        make_file(path, args.rows)
    size_mb = os.path.getsize(path) / 1e6
    command = [args.binary, "inspect", "--data", path, "--timing"]

    # Warm the page cache for both readers alike.
    subprocess.run(command, check=True, capture_output=True)
    pd.read_csv(path)

    # pandas as a whole process too (interpreter start, `import pandas`, the read), to set
    # beside metaprior's whole process: the in-process figure leaves out pandas' start-up,
    # which metaprior's includes. Reported only; the target stays in-process pandas.
    pandas_command = [sys.executable, "-c", f"import pandas; pandas.read_csv({path!r})"]

    metaprior_wall, metaprior_ingest, pandas_times = [], [], []
    metaprior_cpu, pandas_cpu = [], []
    pandas_process_wall, pandas_process_cpu = [], []

    def run_child(argv):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(argv, check=True, capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return done, wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime

    for _ in range(args.runs):
        done, wall, cpu = run_child(command)
        metaprior_wall.append(wall)
        metaprior_cpu.append(cpu)
        for line in done.stderr.splitlines():
            if line.startswith("ingest:"):
                metaprior_ingest.append(float(line.split()[1]))
        cpu = time.process_time()
        start = time.perf_counter()
        frame = pd.read_csv(path)
        pandas_times.append(time.perf_counter() - start)
        pandas_cpu.append(time.process_time() - cpu)
        assert len(frame) == args.rows
        _, wall, cpu = run_child(pandas_command)
        pandas_process_wall.append(wall)
        pandas_process_cpu.append(cpu)

    m_wall = statistics.median(metaprior_wall)
    m_ingest = statistics.median(metaprior_ingest)
    p = statistics.median(pandas_times)
    print(f"file: {path} ({args.rows} rows x 4 columns, {size_mb:.1f} MB), {args.runs} runs each, median")
    print(f"metaprior command:   {' '.join(command)}")
    print(f"pandas call:         pandas.read_csv('{path}')  (pandas {pd.__version__})")
    print(f"{'reader':<44}{'median s':>10}")
    print(f"{'metaprior inspect, whole process (wall)':<44}{m_wall:>10.3f}")
    print(f"{'metaprior, ingest only (reported)':<44}{m_ingest:>10.3f}")
    print(f"{'pandas.read_csv, in-process':<44}{p:>10.3f}")
    print(f"{'metaprior inspect, whole process (CPU time)':<44}{statistics.median(metaprior_cpu):>10.3f}")
    print(f"{'pandas.read_csv (CPU time)':<44}{statistics.median(pandas_cpu):>10.3f}")
    print(f"{'pandas, whole process (wall; not the target)':<44}{statistics.median(pandas_process_wall):>10.3f}")
    print(f"{'pandas, whole process (CPU time)':<44}{statistics.median(pandas_process_cpu):>10.3f}")
    print(f"pandas whole process: {' '.join(pandas_command[:2])} \"{pandas_command[2]}\"")
    print(f"load average now: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (metaprior parses on all cores; pandas on one)")
    print(f"ratio pandas / metaprior (whole process): {p / m_wall:.2f}x "
          f"({'target 1.5x met' if p / m_wall >= 1.5 else 'target 1.5x MISSED'})")
    print(f"ratio pandas / metaprior (ingest only):   {p / m_ingest:.2f}x")
    print(f"ratio of whole processes (pandas process / metaprior process): "
          f"{statistics.median(pandas_process_wall) / m_wall:.2f}x wall, "
          f"{statistics.median(pandas_process_cpu) / statistics.median(metaprior_cpu):.2f}x CPU")
    return 0 if m_wall <= p else 1


if __name__ == "__main__":
    sys.exit(main())
