# Sourced by scripts/notebooks and scripts/check-notebooks (from the repository root): makes
# .venv-notebooks with the pinned notebooks-export/requirements.txt, reusing it while the pins
# are unchanged, and sets NOTEBOOK_PYTHON. Fails, saying why, when Python 3.11 or PyPI is missing.
NOTEBOOK_VENV="${NOTEBOOK_VENV:-.venv-notebooks}"
notebook_requirements="notebooks-export/requirements.txt"

notebook_fail() { echo "notebooks: $*" >&2; exit 1; }

notebook_base_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

notebook_stamp="$(sha256sum "$notebook_requirements" | cut -d' ' -f1)"
if [ -x "$NOTEBOOK_VENV/bin/python" ] && [ "$(cat "$NOTEBOOK_VENV/.requirements-sha256" 2>/dev/null)" = "$notebook_stamp" ]; then
  echo "notebooks: reusing $NOTEBOOK_VENV (pins unchanged)" >&2
else
  base="$(notebook_base_python)" || notebook_fail "Python 3.11 was not found (tried \$PYTHON, python3.11, python3); \
the notebooks' pinned environment needs it. Install it (e.g. apt-get install python3.11 python3.11-venv) and run again."
  echo "notebooks: creating $NOTEBOOK_VENV with $("$base" --version) and installing the pinned packages from PyPI" >&2
  rm -rf "$NOTEBOOK_VENV"
  "$base" -m venv "$NOTEBOOK_VENV" || notebook_fail "could not create a virtual environment with $base (is the venv module installed?)"
  "$NOTEBOOK_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$notebook_requirements" \
    || notebook_fail "pip could not install $notebook_requirements: PyPI unreachable or a pin unavailable for this Python; nothing was skipped, the check fails"
  echo "$notebook_stamp" > "$NOTEBOOK_VENV/.requirements-sha256"
fi
NOTEBOOK_PYTHON="$NOTEBOOK_VENV/bin/python"
"$NOTEBOOK_PYTHON" -c 'import nbclient, nbformat, ipykernel, pandas, matplotlib, arviz' \
  || notebook_fail "$NOTEBOOK_VENV is incomplete; delete it and run again"
