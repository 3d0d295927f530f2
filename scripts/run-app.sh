#!/usr/bin/env bash
# Installs what the app needs into .venv, then serves it at http://localhost:8501.
# Extra arguments go to `streamlit run` (e.g. --server.port 8600).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-env.sh
exec .venv/bin/streamlit run app.py "$@"
