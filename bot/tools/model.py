"""Training the model: `python -m bot.tools.model train|train-if-needed|path`.

The model is retrained when its inputs changed: a hash of the config, domain, training data, custom
components, every project module they import (text cleaning, features, payloads, languages...) and
pinned dependencies is stored next to the model and compared (content, not file times, so a fresh
clone or a `touch` does not force or skip a training wrongly).
"""

from __future__ import annotations

import ast
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
MODEL_NAME = "assistant"
MODEL_PATH = MODELS / f"{MODEL_NAME}.tar.gz"
FINGERPRINT_PATH = MODELS / f"{MODEL_NAME}.fingerprint"
TRAIN_DATA = ("data/nlu", "data/rules", "data/stories")
INPUTS = ("config.yml", "domain.yml", *TRAIN_DATA, "bot/components", "requirements.lock")
#: The package whose modules the custom components import (followed from bot/components).
PACKAGE = "bot"


def _module_file(name: str) -> Path | None:
    """The file of a project module `bot.x.y` (a module or a package's __init__), if it exists."""
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(file: Path) -> set[str]:
    """The project modules `file` imports (at any depth of its code), by static reading."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), str(file))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from bot import text`
    return {name for name in found if name == PACKAGE or name.startswith(PACKAGE + ".")}


def model_code() -> list[Path]:
    """The project's Python files the model's predictions depend on: the custom components and every
    project module they import, directly or not (with the packages' __init__ files)."""
    pending = sorted((ROOT / PACKAGE / "components").glob("*.py"))
    seen: set[Path] = set()
    while pending:
        file = pending.pop()
        if file in seen:
            continue
        seen.add(file)
        for name in _imported_modules(file):
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):  # the module and its parent packages
                module = _module_file(".".join(parts[:depth]))
                if module is not None and module not in seen:
                    pending.append(module)
    return sorted(seen)


def fingerprint() -> str:
    """A hash of everything the trained model depends on."""
    digest = hashlib.sha256()
    files: list[Path] = []
    for name in INPUTS:
        path = ROOT / name
        files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    files += [f for f in model_code() if f not in files]
    for file in files:
        if file.suffix in (".pyc",) or "__pycache__" in file.parts:
            continue
        digest.update(str(file.relative_to(ROOT)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def is_up_to_date() -> bool:
    return (
        MODEL_PATH.exists()
        and FINGERPRINT_PATH.exists()
        and FINGERPRINT_PATH.read_text().strip() == fingerprint()
    )


def train() -> int:
    """Train with Rasa and record the inputs' fingerprint; returns the exit code."""
    MODELS.mkdir(exist_ok=True)
    expected = fingerprint()
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT)}
    command = [
        str(Path(sys.executable).with_name("rasa")), "train",
        "--data", *TRAIN_DATA, "--config", "config.yml", "--domain", "domain.yml",
        "--out", str(MODELS), "--fixed-model-name", MODEL_NAME, "--force",
    ]
    started = time.monotonic()
    print(f"==> training the model ({' '.join(TRAIN_DATA)})", flush=True)
    result = subprocess.run(command, cwd=ROOT, env=env)
    if result.returncode == 0 and MODEL_PATH.exists():
        FINGERPRINT_PATH.write_text(expected + "\n")
        print(f"==> trained in {time.monotonic() - started:.0f} s: {MODEL_PATH}", flush=True)
    return result.returncode


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "train-if-needed"
    if command == "train":
        return train()
    if command == "train-if-needed":
        if is_up_to_date():
            print(f"==> model is up to date: {MODEL_PATH.relative_to(ROOT)}")
            return 0
        return train()
    if command == "path":
        print(MODEL_PATH)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
