# SPDX-License-Identifier: GPL-3.0-or-later
"""The preamble every notebook generator shares: a notebook with the Python 3 kernel, and the
cell builders. A generator (run from the repository's root) does
``from nbcells import md, code, check, write`` and ends with ``write(path)``."""
import nbformat as nbf

nb = nbf.v4.new_notebook()
nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
               "language_info": {"name": "python"}}
cells = []
md = lambda s: cells.append(nbf.v4.new_markdown_cell(s))
code = lambda s, fig=False: cells.append(nbf.v4.new_code_cell(s, metadata={"tags": ["figure"]} if fig else {}))
# A check cell asserts what the text states, so that a re-run that changes a number fails; its
# source is collapsed (it prints the numbers it checks).
check = lambda s: cells.append(nbf.v4.new_code_cell(s, metadata={"tags": ["check"], "jupyter": {"source_hidden": True}}))

#: The helper every notebook from 04 on defines in its first cell (notebook source, spliced into
#: that cell): runs one metaprior command, raises with its error message when it fails, and
#: returns what it printed (stdout, then stderr, where the report goes).
METAPRIOR_HELPER = '''def metaprior(*args):
    # Runs one metaprior command; a non-zero exit raises with its error message.
    run = subprocess.run(["metaprior", *map(str, args)], capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"metaprior {' '.join(map(str, args))} failed:\\n{run.stderr}")
    return run.stdout + run.stderr
'''


def write(path):
    """Writes the notebook built so far (unexecuted) to `path`."""
    nb.cells = cells
    nbf.write(nb, path)
