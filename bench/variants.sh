#!/usr/bin/env bash
# Before/after figures for bench/RESULTS.md: this assistant alone with one change undone at a time,
# 10 and 50 concurrent conversations, BENCH_SECONDS (default 30) each. Run on a quiet machine after
# `make build`; results land in bench/results/ (one .json and .md per line below). About 25 minutes,
# most of it training the DIET/TED variants.
set -euo pipefail
cd "$(dirname "$0")/.."
run() { .venv/bin/python -m bench.run --no-stock --levels 10 50 --seconds "${BENCH_SECONDS:-30}" "$@"; }

run --skip-training --label "this assistant"
# The changes to Rasa's hot paths (bot/rasa_patches.py), all and one at a time.
run --skip-training --label "without the Rasa patches" --env BOT_RASA_PATCHES_SKIP=tensorflow,validator,events,timeout,tracker,states,copy,rule_log,rule_window,runner
run --skip-training --label "without the cached response validator" --env BOT_RASA_PATCHES_SKIP=validator
run --skip-training --label "without the event type table" --env BOT_RASA_PATCHES_SKIP=events
# Long conversations (issue 14): the tracker cache, the current-turn action call, the incremental states.
run --skip-training --label "without trackers kept in memory" --env BOT_TRACKER_CACHE=0
run --skip-training --label "without the current-turn action call" --env BOT_RASA_PATCHES_SKIP=tracker
run --skip-training --label "without the incremental states" --env BOT_RASA_PATCHES_SKIP=states
run --skip-training --label "without the rule window" --env BOT_RASA_PATCHES_SKIP=rule_window
run --skip-training --label "without the dask-free graph runner" --env BOT_RASA_PATCHES_SKIP=runner
run --skip-training --label "with TensorFlow in the Rasa server" --env BOT_RASA_PATCHES_SKIP=tensorflow
# Rasa's own SQLTrackerStore on the same SQLite file (no pooled connection, no redaction).
run --skip-training --label "Rasa's SQLTrackerStore" --tracker-store SQL
# Two Sanic workers need a shared lock store.
run --skip-training --label "2 Sanic workers + Redis lock store" --env SANIC_WORKERS=2 --redis-lock-store 127.0.0.1
# Pipelines and policies (trained into bench/work/models, the real model is not touched).
run --config bench/configs/linear_memo_rules.yml --label "+ MemoizationPolicy"
# DIET and TED need TensorFlow: the Rasa server keeps it for them (BOT_RASA_PATCHES_SKIP=tensorflow).
run --config bench/configs/diet_small_rules.yml --label "small DIET + rules" --env BOT_RASA_PATCHES_SKIP=tensorflow
run --config bench/configs/diet_ted.yml --label "DIET + TED + UnexpecTED (Rasa defaults)" --env BOT_RASA_PATCHES_SKIP=tensorflow
run --config bench/configs/diet_ted.yml --skip-training --label "Rasa defaults, TensorFlow on 1 thread" \
  --env BOT_RASA_PATCHES_SKIP=tensorflow --env TF_INTRA_OP_PARALLELISM_THREADS=1 --env TF_INTER_OP_PARALLELISM_THREADS=1
