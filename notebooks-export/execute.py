"""Executes the walkthrough notebooks in a clean kernel, and checks them.

Run by scripts/notebooks (``--write-back``: store the executed copies in notebooks-export/) and
by scripts/check-notebooks (``--check``: validate and execute copies in a temporary directory,
never touching the committed files). Both put the metaprior binary given by ``--metaprior``
first on PATH, so the notebooks' ``metaprior`` commands run the build they are checking.

Every notebook runs with a fresh temporary directory as its working directory: whatever its
commands write (simulated tasks, priors, sample CSVs) stays there.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = Path(__file__).resolve().parent
#: Cells that draw a figure carry this tag; the check requires an image/png output in each.
FIGURE_TAG = "figure"
#: Source fragments that mark a cell as drawing: such a cell must carry the figure tag.
DRAWING_MARKS = ("plt.show(", "plt.figure(", "subplots(", ".plot(")
#: Seconds one cell may run before it counts as hung. CI runs the notebooks against the debug
#: build, several times slower than release. Notebook 07's slowest cell (200 episodes of
#: `predict`, 400 processes) took 22.7 s with the release build, the whole notebook 48 s
#: (2026-12-03), against 288–367 s for the notebook in CI: about 170 s for that cell there,
#: too close to the 300 s this was on a shared machine. A hang is caught as surely at 900 s.
CELL_TIMEOUT = 900
#: Text that no output may hold: a fit that stopped short of its optimum, or a Python traceback
#: (printed by a cell that caught an exception, or a stream the kernel echoed).
FORBIDDEN_OUTPUTS = ("NOT converged", "Traceback (most recent call last)")


def notebooks(names: list[str]) -> list[Path]:
    found = sorted(HERE.glob("[0-9][0-9]-*.ipynb"))
    if names:
        found = [p for p in found if p.stem in names or p.name in names]
    if not found:
        sys.exit("notebooks-export: no notebooks found")
    return found


def prepare_environment(metaprior: Path) -> None:
    """PATH: this interpreter's bin (the kernelspec says `python`), then metaprior's folder."""
    if not os.access(metaprior, os.X_OK):
        sys.exit(f"notebooks-export: {metaprior} is not an executable metaprior binary")
    folders = [str(Path(sys.executable).parent), str(metaprior.resolve().parent)]
    os.environ["PATH"] = os.pathsep.join(folders + [os.environ.get("PATH", "")])
    os.environ["JUPYTER_PLATFORM_DIRS"] = "1"
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    found = shutil.which("metaprior")
    if found is None or Path(found).resolve() != metaprior.resolve():
        sys.exit(f"notebooks-export: `metaprior` on PATH is {found}, expected {metaprior}")


def execute(path: Path, workdir: Path) -> nbformat.NotebookNode:
    """Runs a copy of the notebook at `path` in a clean kernel inside `workdir`."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}},
                            record_timing=False, allow_errors=False,
                            # ipykernel 7 warns on stderr that TCP is unencrypted (local only here)
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    client.execute()
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
    return nb


def coalesce_streams(outputs: list) -> list:
    """Joins consecutive stdout (or stderr) chunks into one output, as Jupyter shows them."""
    joined: list = []
    for output in outputs:
        last = joined[-1] if joined else None
        if (output.get("output_type") == "stream" and last is not None
                and last.get("output_type") == "stream" and last.get("name") == output.get("name")):
            last["text"] += output["text"]
        else:
            joined.append(output)
    return joined


def figure_cells(nb: nbformat.NotebookNode) -> list[int]:
    return [i for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and FIGURE_TAG in c.metadata.get("tags", [])]


def output_text(output) -> str:
    """The text an output shows: a stream's text, a result's text/plain, an error's traceback."""
    if output.get("output_type") == "stream":
        text = output.get("text", "")
    elif output.get("output_type") == "error":
        text = "\n".join(output.get("traceback", []))
    else:
        text = output.get("data", {}).get("text/plain", "")
        text = text if isinstance(text, str) else "".join(text)
    return re.sub(r"\x1b\[[0-9;]*m", "", text)          # without the terminal's colour codes


def forbidden_output_problems(nb: nbformat.NotebookNode, name: str) -> list[str]:
    """Cells whose outputs hold a FORBIDDEN_OUTPUTS text (a non-converged fit or a traceback)."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for mark in FORBIDDEN_OUTPUTS:
            if any(mark in output_text(o) for o in cell.outputs):
                problems.append(f"{name} cell {i}: an output contains {mark!r}")
    return problems


def structure_problems(path: Path) -> list[str]:
    """Schema, figure tags and PNG outputs of a committed notebook (as it is on disk)."""
    problems = []
    try:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    except Exception as error:  # unreadable JSON or a notebook nbformat cannot parse
        return [f"{path.name}: not a readable notebook: {error}"]
    if nb.get("nbformat") != 4:
        problems.append(f"{path.name}: nbformat {nb.get('nbformat')}, expected 4")
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as error:
        problems.append(f"{path.name}: fails the nbformat schema: {error.message}")
    figures = figure_cells(nb)
    if not figures:
        problems.append(f"{path.name}: no cell is tagged '{FIGURE_TAG}'")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"{path.name} cell {i}"
        if cell.execution_count is None and cell.source.strip():
            problems.append(f"{where}: not executed in the committed copy (run scripts/notebooks)")
        if any(o.get("output_type") == "error" for o in cell.outputs):
            problems.append(f"{where}: the committed copy holds an error output")
        draws = any(mark in cell.source for mark in DRAWING_MARKS)
        if draws and i not in figures:
            problems.append(f"{where}: draws a figure but is not tagged '{FIGURE_TAG}'")
        if i in figures:
            pngs = [o for o in cell.outputs if "image/png" in o.get("data", {})]
            if not pngs:
                problems.append(f"{where}: figure cell without an image/png output")
    return problems + forbidden_output_problems(nb, path.name)


def check_interoperability(metaprior: Path, workdir: Path) -> None:
    """A sample CSV reads with pandas (comment="#") and with ArviZ's CmdStan reader; so do the
    per-chain files of an MCMC posterior, as chains."""
    import arviz as az
    import pandas as pd

    def run(*args: str) -> None:
        subprocess.run([str(metaprior), *args, "--quiet"], cwd=workdir, check=True)

    run("simulate", "linear-gaussian", "--tasks", "30", "--points", "8", "--seed", "3",
        "--mean", "1,2,-1", "--output", "tasks.csv")
    run("simulate", "linear-gaussian", "--tasks", "1", "--points", "4", "--seed", "4",
        "--mean", "1,2,-1", "--output", "new.csv")
    run("fit", "--data", "tasks.csv", "--output", "prior.json")
    draws, dimension = 250, 3
    run("adapt", "--prior", "prior.json", "--data", "new.csv", "--draws", str(draws),
        "--seed", "5", "--output", "samples.csv")
    table = pd.read_csv(workdir / "samples.csv", comment="#")
    expected = ["lp__"] + [f"phi.{j}" for j in range(1, dimension + 1)]
    assert list(table.columns) == expected, f"sample CSV columns {list(table.columns)}"
    assert table.shape == (draws, dimension + 1), f"sample CSV shape {table.shape}"
    assert table.notna().all().all(), "sample CSV has missing values"
    data = az.from_cmdstan(posterior=str(workdir / "samples.csv"))
    phi = data.posterior["phi"]
    assert phi.dims == ("chain", "draw", "phi_dim_0"), f"phi dims {phi.dims}"
    assert phi.shape == (1, draws, dimension), f"phi shape {phi.shape}"
    assert abs(float(phi.values[0, :, 1].mean()) - table["phi.2"].mean()) < 1e-9
    print(f"interoperability: pandas.read_csv(comment='#') {table.shape}, "
          f"arviz.from_cmdstan phi {tuple(phi.shape)} {phi.dims}: ok")

    # A binomial prior's MCMC posterior: one file per chain, as CmdStan writes them, which
    # arviz.from_cmdstan must read as that many chains with each file's draws.
    run("simulate", "logistic-tasks", "--tasks", "60", "--points", "12", "--seed", "3", "--output", "binary.csv")
    run("fit", "--model", "binomial", "--data", "binary.csv", "--formula", "y ~ x + (x | task)",
        "--output", "binary.json")
    (workdir / "binary-new.csv").write_text("x,y\n-1,0\n0.5,1\n1.2,1\n0,0\n")
    chains, per_chain = 4, 200
    run("adapt", "--prior", "binary.json", "--data", "binary-new.csv", "--chains", str(chains),
        "--draws", str(per_chain), "--seed", "5", "--output", "chains.csv")
    files = [str(workdir / f"chains_{c}.csv") for c in range(1, chains + 1)]
    data = az.from_cmdstan(posterior=files)
    phi = data.posterior["phi"]
    assert phi.shape == (chains, per_chain, 2), f"chain files read as {tuple(phi.shape)}"
    for c, path in enumerate(files):
        chain = pd.read_csv(path, comment="#")
        assert (phi.values[c, :, 0] == chain["phi.1"].values).all(), f"{path}: draws differ from ArviZ's chain {c}"
    print(f"interoperability: arviz.from_cmdstan of {chains} chain files, phi {tuple(phi.shape)}: ok")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write-back", action="store_true",
                      help="execute and store the executed copies in notebooks-export/")
    mode.add_argument("--check", action="store_true",
                      help="validate, execute in a temporary directory, check figures")
    parser.add_argument("--metaprior", type=Path, required=True, help="the metaprior binary")
    parser.add_argument("names", nargs="*", help="notebooks to run (default: all)")
    options = parser.parse_args()
    metaprior = options.metaprior.resolve()
    prepare_environment(metaprior)

    failures: list[str] = []
    paths = notebooks(options.names)
    if options.check:
        for path in paths:
            failures += structure_problems(path)
    with tempfile.TemporaryDirectory(prefix="metaprior-notebooks-") as scratch:
        for path in paths:
            workdir = Path(scratch) / path.stem
            workdir.mkdir()
            started = time.monotonic()
            try:
                executed = execute(path, workdir)
            except CellExecutionError as error:
                failures.append(f"{path.name}: a cell failed:\n{error}")
                print(f"FAIL {path.name}", flush=True)
                continue
            except Exception as error:  # kernel died, timeout, …
                failures.append(f"{path.name}: execution stopped: {type(error).__name__}: {error}")
                print(f"FAIL {path.name}", flush=True)
                continue
            seconds = time.monotonic() - started
            # In both modes: the executed outputs must not hold a non-converged fit or a traceback.
            failures += [f"{path.name}: executed copy, {problem[len(path.name) + 1:]}"
                         for problem in forbidden_output_problems(executed, path.name)]
            if options.write_back:
                nbformat.validate(executed)
                nbformat.write(executed, path, version=4)
                print(f"executed {path.name} in {seconds:.1f} s, written back", flush=True)
            else:
                missing = [i for i in figure_cells(executed)
                           if not any("image/png" in o.get("data", {}) for o in executed.cells[i].outputs)]
                if missing:
                    failures.append(f"{path.name}: figure cells {missing} drew no image/png when executed")
                print(f"ok   {path.name} executed in {seconds:.1f} s", flush=True)
        if options.check:
            interop = Path(scratch) / "interoperability"
            interop.mkdir()
            try:
                check_interoperability(metaprior, interop)
            except (AssertionError, subprocess.CalledProcessError) as error:
                failures.append(f"interoperability: {error}")
    for failure in failures:
        print(f"notebooks-export: {failure}", file=sys.stderr)
    if options.check:
        items = [p.name for p in paths] + ["interoperability"]
        # a failure names its notebook first: "NAME: …" or, for one cell, "NAME cell i: …"
        failed = {item for item in items if any(f.startswith((item + ":", item + " cell ")) for f in failures)}
        print(f"notebooks: {len(items) - len(failed)} passed, {len(failed)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
