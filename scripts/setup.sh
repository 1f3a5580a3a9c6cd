#!/usr/bin/env bash
# Create .venv with Python 3.10 and the pinned dependencies, unless it is already up to date.
source "$(dirname "$0")/env.sh"
stamp="$VENV/.installed-$(sha256sum requirements.lock | cut -c1-16)"
if [ -f "$stamp" ]; then exit 0; fi
if [ ! -x "$PY" ]; then
  python310="$(find_python310)"
  echo "==> creating .venv with $python310"
  "$python310" -m venv "$VENV"
fi
echo "==> installing pinned dependencies (requirements.lock); the first time takes about 2 minutes"
"$PY" -m pip install --quiet --upgrade "pip==24.0"
"$PY" -m pip install --quiet --no-deps -r requirements.lock
"$PY" -m pip check >/dev/null || { "$PY" -m pip check; exit 1; }
rm -f "$VENV"/.installed-*
touch "$stamp"
