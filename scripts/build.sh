#!/usr/bin/env bash
# Everything the assistant needs before it runs: environment, compiled catalogs, a trained model.
source "$(dirname "$0")/env.sh"
scripts/setup.sh
"$PY" -m bot.tools.catalogs compile
"$PY" -m bot.knowledge validate >/dev/null
"$PY" -m bot.tools.model train-if-needed
