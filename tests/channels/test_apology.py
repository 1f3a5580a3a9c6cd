"""The apology is ready before the first incident: the Rasa server's entry point loads its knowledge."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_rasa_server_loads_the_apologys_knowledge_at_start_up() -> None:
    code = textwrap.dedent("""
        from bot import rasa_runtime
        from bot.channels import apology
        from bot.knowledge import provider
        rasa_runtime.prepare(["run", "--endpoints", "endpoints.yml"])
        loaded = apology._knowledge()._kb is not None
        def refuse(path):
            raise AssertionError("the first apology loaded the knowledge file")
        provider.load_knowledge = refuse
        text = apology.apology_text("Де знайти житло?", {})
        print(loaded, "www.info-ukraine.be" in text, text.startswith("Вибачте"))
    """)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["True", "True", "True"]


def test_a_broken_knowledge_file_does_not_stop_the_server(tmp_path: Path) -> None:
    (tmp_path / "facts.yml").write_text("version: 1\nfacts: [{id: x}]\n", encoding="utf-8")
    code = textwrap.dedent("""
        from bot.channels import apology
        print(apology.preload(), apology.apology_text("Where can I work?", {}))
    """)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "BOT_KNOWLEDGE_PATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("False Sorry, I cannot answer right now.") and "Official information" not in result.stdout
