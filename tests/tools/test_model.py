"""The retraining fingerprint covers everything the model's predictions depend on."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.tools import model

ROOT = Path(__file__).resolve().parents[2]


def test_every_project_module_the_components_load_is_in_the_fingerprint() -> None:
    """Import the custom components as Rasa does and list the project modules that got loaded."""
    code = (
        "import json, sys; import bot.components.guards, bot.components.linear_intent; "
        "print(json.dumps(sorted(m.__file__ for m in list(sys.modules.values()) if getattr(m, '__file__', None))))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = {Path(f).resolve() for f in json.loads(result.stdout.splitlines()[-1])}
    project = {f for f in loaded if (ROOT / "bot") in f.parents}
    assert {ROOT / "bot" / name for name in ("nlu_features.py", "text.py", "payloads.py", "languages.py")} <= project
    covered = set(model.model_code())
    assert project <= covered, f"loaded by the components but not in the fingerprint: {sorted(map(str, project - covered))}"


@pytest.fixture
def copy_of_project(tmp_path: Path, monkeypatch) -> Path:
    for name in (*model.INPUTS, "bot"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
        else:
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, tmp_path / name)
    monkeypatch.setattr(model, "ROOT", tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "changed", ["bot/nlu_features.py", "bot/text.py", "bot/payloads.py", "bot/languages.py", "bot/components/guards.py",
                "data/nlu/en/basics.yml", "config.yml"],
)
def test_editing_what_the_model_depends_on_asks_for_retraining(copy_of_project: Path, changed: str) -> None:
    before = model.fingerprint()
    file = copy_of_project / changed
    file.write_text(file.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert model.fingerprint() != before


def test_editing_other_code_does_not(copy_of_project: Path) -> None:
    before = model.fingerprint()
    file = copy_of_project / "bot" / "answers.py"
    file.write_text(file.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert model.fingerprint() == before
