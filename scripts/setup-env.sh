#!/usr/bin/env bash
# Creates .venv in the repo (if missing) and installs the project into it.
# Usage: scripts/setup-env.sh [extras]   e.g. scripts/setup-env.sh dev
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
target="."
[ -n "${1:-}" ] && target=".[$1]"
# torch is bounded in pyproject.toml (>=2.4,<2.14): the platform's usual build, CPU-only
# where there is no GPU, instead of a multi-GB download of an untested release.
.venv/bin/python -m pip install --quiet --editable "$target"
