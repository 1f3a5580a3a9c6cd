"""Knowledge edits take effect in the running action server without a restart; a broken edit is
refused and logged, and the last good knowledge keeps serving."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.e2e.servers import RASA, ROOT, env, free_port, wait_for

pytestmark = pytest.mark.e2e


def ask(url: str, text: str, intent: str) -> str:
    tracker = {
        "sender_id": "reload-test",
        "slots": {"language": "en", "region": "flanders"},
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": [], "metadata": {}},
        "events": [],
        "latest_action_name": "action_listen",
    }
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    body = json.dumps({"next_action": "action_answer_question", "sender_id": "reload-test", "tracker": tracker, "domain": domain})
    request = urllib.request.Request(f"{url}/webhook", data=body.encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return "\n".join(r.get("text") or "" for r in json.loads(response.read())["responses"])


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def eventually(check, tries: int = 60):  # type: ignore[no-untyped-def]
    """The watcher looks at the files every 2 seconds and reloads them in the background: ask again
    until the change shows (bounded; not a timing assertion)."""
    for _ in range(tries):
        result = check()
        if result:
            return result
        time.sleep(0.5)
    return check()


def test_edit_reload_and_refusal_while_running(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "data" / "knowledge", knowledge)
    port = free_port()
    log = tmp_path / "actions.log"
    server = subprocess.Popen(
        [*RASA, "run", "actions", "--actions", "actions", "--port", str(port)],
        cwd=ROOT, env=env(BOT_KNOWLEDGE_PATH=str(knowledge)), stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/health", server, 120, log)
        housing = knowledge / "housing.yml"
        before = ask(url, "emergency village Ghent", "ask_housing")
        assert "in Ghent, with 600 places." in before

        # A staff member corrects a fact: the next answer has it, no restart.
        edit(housing, "in Ghent, with {places} places.", "in Ghent, with {places} places, now being built.")
        assert eventually(lambda: "with 600 places, now being built." in ask(url, "emergency village Ghent", "ask_housing"))

        # A broken edit (a figure typed into a text) is refused and logged; the last good knowledge answers.
        edit(housing, "with {places} places, now being built.", "with 650 places, now being built.")
        assert eventually(lambda: "knowledge.reload.refused" in log.read_text())
        still = ask(url, "emergency village Ghent", "ask_housing")
        assert "with 600 places, now being built." in still and "650" not in still
        logged = log.read_text()
        assert "knowledge.reload.refused" in logged and "housing.yml: housing.flanders.ghent_village: text.en" in logged
        assert server.poll() is None

        # Fixed: the new version is served.
        edit(housing, "with 650 places, now being built.", "with {places} places, under construction.")
        assert eventually(lambda: "with 600 places, under construction." in ask(url, "emergency village Ghent", "ask_housing"))
    finally:
        server.terminate()
        server.wait(timeout=20)
