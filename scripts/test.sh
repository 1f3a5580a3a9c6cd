#!/usr/bin/env bash
# Run the whole test suite: build what the tests need, then pytest (unit, data validation,
# held-out NLU evaluation, end-to-end conversations through a running server).
source "$(dirname "$0")/env.sh"
scripts/build.sh
"$PY" -m pytest "$@"
