"""No start without a model: a missing or unreadable model file stops the Rasa server (and
scripts/run.sh) with a message that says what to run, instead of a server that answers everything
with the fallback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.servers import BIN, MODEL, RASA, ROOT, env, free_port

pytestmark = pytest.mark.e2e


#: The project's entry point (scripts/run.sh) and plain `rasa run`.
COMMANDS = {"bot.rasa_runtime": RASA, "rasa": [str(BIN / "rasa")]}


def start_rasa(model: Path, workdir: Path, command: str = "bot.rasa_runtime") -> subprocess.CompletedProcess:
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(f'tracker_store:\n  type: bot.stores.RedactingSQLTrackerStore\n  dialect: sqlite\n  db: "{workdir / "rasa.db"}"\n')
    return subprocess.run(
        [*COMMANDS[command], "run", "--model", str(model), "--endpoints", str(endpoints), "--credentials",
         str(ROOT / "credentials.yml"), "--interface", "127.0.0.1", "--port", str(free_port())],
        cwd=ROOT, env=env(), capture_output=True, text=True, timeout=180,
    )


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_missing_model_stops_the_rasa_server(tmp_path, command) -> None:
    # models/ holds another model: Rasa alone would quietly load that one instead.
    assert MODEL.exists()
    result = start_rasa(tmp_path / "assistant.tar.gz", tmp_path, command)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "model.missing" in output and "make build" in output, output[-3000:]


def test_an_unreadable_model_stops_the_rasa_server(tmp_path) -> None:
    broken = tmp_path / "assistant.tar.gz"
    broken.write_bytes(MODEL.read_bytes()[: 4096])  # a truncated download or copy
    result = start_rasa(broken, tmp_path)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "model.missing" in output and "make build" in output, output[-3000:]


def test_the_preflight_command(tmp_path) -> None:
    def preflight(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot.tools.preflight", *args], cwd=ROOT, env=env(),
                              capture_output=True, text=True, timeout=60)

    assert preflight(str(MODEL)).returncode == 0
    missing = preflight(str(tmp_path / "none.tar.gz"))
    assert missing.returncode == 1 and "make build" in missing.stderr
    (tmp_path / "junk.tar.gz").write_bytes(b"not a model")
    junk = preflight(str(tmp_path / "junk.tar.gz"))
    assert junk.returncode == 1 and "cannot be read" in junk.stderr


def test_run_script_refuses_without_a_model(tmp_path) -> None:
    ports = {name: str(free_port()) for name in ("RASA_PORT", "ACTION_PORT", "WEB_PORT", "STAFF_PORT")}
    process = subprocess.Popen(
        ["scripts/run.sh"], cwd=ROOT, env=env(MODEL=str(tmp_path / "missing.tar.gz"), **ports),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
        pytest.fail(f"scripts/run.sh started without a model:\n{output[-2000:]}")
    assert process.returncode != 0
    assert "model.missing" in output and "make build" in output, output[-2000:]
