#!/usr/bin/env bash
# Everything the assistant needs before it runs: environment, compiled catalogs, validated knowledge,
# a trained model, the question model, and the web chat's bundled assets.
source "$(dirname "$0")/env.sh"
scripts/setup.sh
"$PY" -m bot.tools.catalogs compile
"$PY" -m bot.knowledge validate >/dev/null
"$PY" -m bot.tools.model train-if-needed
"$PY" -m bot.questions >/dev/null  # the question model of the knowledge (kept in models/questions/)
scripts/build_web.sh
