"""The tracker store alone: `python -m bench.tracker_store`. CPU time of one turn (retrieve the
conversation, add a user message, an action, a bot message and a return to listening, save) with
`bot.stores.RedactingSQLTrackerStore` on SQLite, 40 conversations of 25 turns, best of 5 runs."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path


async def _run(store, conversations: int = 40, turns: int = 25) -> list[float]:  # type: ignore[no-untyped-def]
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

    for c in range(conversations):
        tracker = await store.get_or_create_tracker(f"c{c}")
        for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
            tracker.update(event)
        await store.save(tracker)
    samples = []
    for i in range(turns):
        for c in range(conversations):
            started = time.process_time()
            tracker = await store.retrieve(f"c{c}")
            tracker.update(UserUttered(f"message {i} +32 470 12 34 56", {"name": "greet", "confidence": 1.0}))
            for event in (ActionExecuted("action_greet_user"), BotUttered("hello"), ActionExecuted("action_listen")):
                tracker.update(event)
            await store.save(tracker)
            samples.append((time.process_time() - started) * 1000)
    return samples


def main() -> None:
    from rasa.shared.core.domain import Domain

    from bot.stores import RedactingSQLTrackerStore

    best: list[float] = []
    for _ in range(5):
        with tempfile.TemporaryDirectory() as folder:
            store = RedactingSQLTrackerStore(domain=Domain.from_dict({}), dialect="sqlite", db=str(Path(folder) / "r.db"))
            samples = asyncio.run(_run(store))
        if not best or statistics.fmean(samples) < statistics.fmean(best):
            best = samples
    best.sort()
    print(f"retrieve + save per turn (CPU): mean {statistics.fmean(best):.2f} ms, p50 {best[len(best) // 2]:.2f} ms, "
          f"p95 {best[int(len(best) * 0.95)]:.2f} ms")


if __name__ == "__main__":
    main()
