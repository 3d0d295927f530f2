#!/usr/bin/env bash
# Installs the project with its test extras (dev, ray for the ray backend's tests, onnx for ONNX export,
# tensorboard for its event files) into
# .venv, Chromium for the browser test (through apt-get, when run as root and it is missing),
# checks style with ruff, then runs the whole test suite.
# Extra arguments go to pytest (e.g. -k runner, -m "not browser").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-env.sh dev,ray,onnx,tensorboard
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Chromium for the browser test (apt-get)..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
echo "ruff check (style and imports, settings in pyproject.toml)..."
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
