# Shared settings for the project's scripts (sourced, not run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
# Rasa's telemetry stays off: nothing about users or the project leaves the machine.
export RASA_TELEMETRY_ENABLED=false
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export PIP_DISABLE_PIP_VERSION_CHECK=1
# The action server listens on loopback only (rasa-sdk reads SANIC_HOST; its default is 0.0.0.0).
export SANIC_HOST="${SANIC_HOST:-127.0.0.1}"
TRAIN_DATA=(data/nlu data/rules data/stories)

find_python310() {
  if [ -n "${PYTHON310:-}" ]; then echo "$PYTHON310"; return; fi
  if command -v pyenv >/dev/null 2>&1; then
    local p; p="$(pyenv which python3.10 2>/dev/null || true)"
    if [ -n "$p" ] && [ -x "$p" ]; then echo "$p"; return; fi
  fi
  if command -v python3.10 >/dev/null 2>&1; then command -v python3.10; return; fi
  for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10; do
    if [ -x "$p" ]; then echo "$p"; return; fi
  done
  echo "Python 3.10 is needed (Rasa 3.6 supports 3.8-3.10). Install it, e.g. 'pyenv install 3.10', or set PYTHON310." >&2
  return 1
}
