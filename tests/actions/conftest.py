"""Trackers loaded from JSON fixtures, and a dispatcher that collects what an action sends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

TRACKERS = Path(__file__).with_name("trackers")


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def tracker() -> Callable[[str], Tracker]:
    def load(name: str) -> Tracker:
        return Tracker.from_dict(json.loads((TRACKERS / f"{name}.json").read_text(encoding="utf-8")))

    return load


@pytest.fixture
def domain() -> dict:
    import yaml

    return yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))
