#!/usr/bin/env bash
# Everything the assistant needs before it runs: environment, compiled catalogs, validated knowledge,
# a trained model, and the web chat's bundled assets.
source "$(dirname "$0")/env.sh"
scripts/setup.sh
"$PY" -m bot.tools.catalogs compile
"$PY" -m bot.knowledge validate >/dev/null
"$PY" -m bot.tools.model train-if-needed
scripts/build_web.sh
