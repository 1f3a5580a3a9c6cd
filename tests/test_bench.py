"""The benchmark runs (on a tiny load): both assistants answer every message, and it reports
latency, throughput, memory and the ratio. The real run is `make bench`; its figures are in
bench/RESULTS.md, not asserted here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(1200)
def test_benchmark_runs_on_a_tiny_load() -> None:
    results = ROOT / "bench" / "results"
    before = set(results.glob("*.json")) if results.exists() else set()
    run = subprocess.run(
        [sys.executable, "-m", "bench.run", "--seconds", "3", "--levels", "1", "2", "--skip-training", "--skip-stock-training"],
        cwd=ROOT, capture_output=True, text=True, timeout=1100,
        env={"PYTHONPATH": str(ROOT), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(Path.home())},
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "| this assistant | 2 |" in run.stdout and "| stock rasa init | 2 |" in run.stdout
    [new] = set(results.glob("*.json")) - before
    report = json.loads(new.read_text())
    for side in ("stock", "ours"):
        assert all(level["errors"] == 0 and level["messages"] > 0 for level in report[side]["levels"])
        assert all(level["degraded"] == 0 for level in report[side]["levels"]), "an apology is not an answer"
        assert report[side]["peak_rss_mb"]["rasa server"] > 0
    assert all(level["empty_replies"] == 0 for level in report["ours"]["levels"]), "every message gets an answer"
