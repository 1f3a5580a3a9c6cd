"""Checks before the Rasa server starts: `python -m bot.tools.preflight [MODEL]`.

A Rasa server without a readable model answers every message with the fallback (or nothing) and
says so only in a warning; `rasa run --model <missing file>` even loads another model from
`models/` when there is one. The project refuses to start instead, with what to run:
scripts/run.sh runs this check, and the Rasa server process runs it again when it loads the
project's channels (bot/channels/server.py).
"""

from __future__ import annotations

import sys
import tarfile
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = ROOT / "models" / "assistant.tar.gz"
WHAT_TO_RUN = "run `make build` (or `make train` to train again)"


def model_problem(path: Path) -> Optional[str]:
    """None when `path` (a model file, or a folder of them) holds a readable Rasa model, else why not."""
    if path.is_dir():
        models = sorted(path.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        if not models:
            return f"no trained model in {path}: {WHAT_TO_RUN}"
        path = models[-1]
    if not path.exists():
        return f"no trained model at {path}: {WHAT_TO_RUN}"
    try:
        with tarfile.open(path, "r:gz") as archive:
            names = archive.getnames()
    except (OSError, tarfile.TarError, EOFError) as error:
        return f"the model {path} cannot be read ({type(error).__name__}: {error}): {WHAT_TO_RUN}"
    if "metadata.json" not in names:
        return f"the model {path} is not a Rasa model (no metadata.json): {WHAT_TO_RUN}"
    return None


def main(argv: Optional[list[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    model = Path(args[0]) if args else DEFAULT_MODEL
    problem = model_problem(model)
    if problem:
        print(f"model.missing: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
