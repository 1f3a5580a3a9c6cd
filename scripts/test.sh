#!/usr/bin/env bash
# Run the whole test suite: build what the tests need, then pytest (unit, data validation, held-out
# NLU evaluation, end-to-end conversations, browser tests, production tests).
source "$(dirname "$0")/env.sh"
scripts/build.sh
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's chromium for the browser tests"
    (apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 \
      || (apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends chromium >/dev/null 2>&1)) \
      || echo "could not install chromium: the browser tests will fail with a message saying so" >&2
  else
    echo "chromium is missing (Debian: apt-get install chromium): the browser tests will fail saying so" >&2
  fi
fi
mkdir -p tests/artifacts
"$PY" -m pytest "$@"
