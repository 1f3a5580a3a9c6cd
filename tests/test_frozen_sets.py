"""The frozen test sets may grow (lines added, never edited to pass), but every change must be
measured again: the README lists each file's SHA-256 next to the figures, and this test fails when
a file differs from what the README says was measured."""

from __future__ import annotations

import re
from pathlib import Path

from bot.tools.evaluate import digests, frozen_files

ROOT = Path(__file__).resolve().parent.parent
_LINE = re.compile(r"^- `(tests/[^`]+\.yml)` `([0-9a-f]{64})`$", re.M)


def readme_digests() -> dict[str, str]:
    return dict(_LINE.findall((ROOT / "README.md").read_text(encoding="utf-8")))


def test_every_frozen_file_is_listed_with_the_digest_it_was_measured_with() -> None:
    recorded = readme_digests()
    actual = digests(frozen_files())
    assert set(actual) == set(recorded), "README's list of frozen files differs: run `make evaluate` and update the README"
    changed = [path for path, digest in actual.items() if recorded[path] != digest]
    assert not changed, f"changed since the README's figures were measured: {changed}; run `make evaluate` and update the README"


def test_the_check_notices_a_changed_file(tmp_path: Path) -> None:
    import hashlib

    some = frozen_files()[0]
    assert hashlib.sha256(some.read_bytes() + b"\n- added line").hexdigest() != readme_digests().get(str(some.relative_to(ROOT)))
