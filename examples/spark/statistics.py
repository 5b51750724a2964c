#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Per-task sufficient statistics of a tasks CSV with Apache Spark (PySpark 4.x), in the file
format `metaprior fit --statistics` reads (format version 1; see the README, "Scale").

Two paths give the same numbers as `metaprior statistics` on one machine:

* linear basis (default): Spark SQL aggregations grouped by task: count, Σy², Σx_j·y,
  Σx_j·x_k — the features are the intercept and the input columns, so A = ΦᵀΦ and b = Φᵀy
  are sums of products of columns. Nothing but Spark runs on the executors.
* --basis-from prior.json (rbf, fourier, rff, poly, any fixed feature map): each partition is
  written to a temporary CSV and reduced by the `metaprior` binary (`metaprior statistics
  --basis-from`), via mapPartitions; a task spread over partitions gets one row per
  partition, which `fit --statistics` adds up. The binary must be on every executor (give
  its path with --metaprior, or ship it with spark-submit --files and name it by its file
  name).

The header line (format version, feature map and its digest) comes from `metaprior statistics`
run on the driver on the file's header and one row, so it is byte for byte the one the binary
writes. The statistics come back to the driver (T rows of 3 + d + d(d+1)/2 numbers) and are
written to --output.

Example (local mode):
  spark-submit examples/spark/statistics.py --data tasks.csv --output stats.csv
  metaprior fit --statistics stats.csv --output prior.json
"""
import argparse
import os
import subprocess
import tempfile

from pyspark.sql import SparkSession, functions as F


def header_lines(metaprior, names, task, target, basis_from):
    """The two header lines metaprior writes for these columns and feature map."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "head.csv")
        with open(path, "w") as f:
            f.write(",".join(names) + "\n")
            f.write(",".join("t" if n == task else "0" for n in names) + "\n")
        command = [metaprior, "statistics", "--data", path, "--task", task, "--target", target, "--quiet"]
        if basis_from:
            command += ["--basis-from", basis_from]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return out.split("\n")[:2]


def linear_rows(frame, task, target, inputs):
    """task, n, c, b_1..b_d, upper triangle of A, by SQL aggregation (features 1, x_1, …)."""
    features = [F.lit(1.0)] + [F.col(x).cast("double") for x in inputs]
    y = F.col(target).cast("double")
    d = len(features)
    sums = [F.count(F.lit(1)).alias("n"), F.sum(y * y).alias("c")]
    sums += [F.sum(features[j] * y).alias(f"b_{j + 1}") for j in range(d)]
    sums += [F.sum(features[j] * features[k]).alias(f"A_{j + 1}_{k + 1}") for j in range(d) for k in range(j, d)]
    grouped = frame.groupBy(F.col(task).cast("string").alias("task")).agg(*sums)
    for row in grouped.toLocalIterator():
        yield [row["task"], row["n"]] + [row[c] for c in grouped.columns[2:]]


def binary_rows(frame, metaprior, names, task, target, basis_from):
    """The rows `metaprior statistics --basis-from` writes for each partition."""
    def reduce_partition(rows):
        import csv
        import subprocess
        import tempfile
        from pyspark import SparkFiles
        # The prior file: at its path where that exists (local mode, a shared file system),
        # else shipped with spark-submit --files.
        prior = basis_from if os.path.exists(basis_from) else SparkFiles.get(os.path.basename(basis_from))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "part.csv")
            with open(path, "w", newline="") as f:
                writer = csv.writer(f, lineterminator="\n")
                writer.writerow(names)
                count = 0
                for row in rows:
                    writer.writerow([row[n] for n in names])
                    count += 1
            if count == 0:
                return
            out = subprocess.run([metaprior, "statistics", "--data", path, "--task", task, "--target", target,
                                  "--basis-from", prior, "--quiet"], check=True, capture_output=True, text=True).stdout
        for line in out.split("\n")[2:]:
            if line:
                yield line
    return frame.rdd.mapPartitions(reduce_partition).toLocalIterator()


def text(value):
    """A number as metaprior writes it: the shortest form that reads back (repr), n whole."""
    return str(value) if isinstance(value, int) else repr(float(value))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="tasks CSV (a path Spark can read: local, HDFS, S3, …)")
    parser.add_argument("--output", required=True, help="statistics file to write on the driver")
    parser.add_argument("--task", default="task")
    parser.add_argument("--target", default="y")
    parser.add_argument("--features", help="input columns, comma-separated (default: all but task and target)")
    parser.add_argument("--basis-from", help="prior file whose feature map to use (reduced by the metaprior binary)")
    parser.add_argument("--metaprior", default="metaprior", help="path of the metaprior binary (on the driver and every executor)")
    parser.add_argument("--partitions", type=int, help="repartition the rows into this many partitions first")
    args = parser.parse_args()

    spark = SparkSession.builder.appName("metaprior-statistics").getOrCreate()
    # Every column as text: the numbers are parsed once, as doubles, in the aggregation.
    frame = spark.read.option("header", True).option("inferSchema", False).option("nullValue", "NA").csv(args.data)
    if args.partitions:
        frame = frame.repartition(args.partitions)
    inputs = args.features.split(",") if args.features else [c for c in frame.columns if c not in (args.task, args.target)]
    names = [args.task] + inputs + [args.target]
    frame = frame.select(*names).na.drop()  # --na-action omit: rows with a missing value are left out
    if args.basis_from and os.path.exists(args.basis_from):
        args.basis_from = os.path.abspath(args.basis_from)
    head = header_lines(args.metaprior, names, args.task, args.target, args.basis_from)
    with open(args.output, "w") as out:
        out.write(head[0] + "\n" + head[1] + "\n")
        if args.basis_from:
            for line in binary_rows(frame, args.metaprior, names, args.task, args.target, args.basis_from):
                out.write(line + "\n")
        else:
            for row in linear_rows(frame, args.task, args.target, inputs):
                task = row[0]
                if any(ch in task for ch in ',"\n\r') or task != task.strip():
                    task = '"' + task.replace('"', '""') + '"'
                out.write(",".join([task] + [text(v) for v in row[1:]]) + "\n")
    spark.stop()


if __name__ == "__main__":
    main()
