"""Micro-benchmarks of the per-message pieces: `python -m bench.components`.

Times, over the held-out messages of the four languages: language detection, region matching,
composing an answer from the knowledge file (with and without a cache of rendered answers), the NLU
parse of the trained model, and a staff search query over the full knowledge file.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from typing import Callable, Iterable


def timed(label: str, items: Iterable, work: Callable, repeat: int = 1) -> dict:
    samples = []
    items = list(items)
    for _ in range(repeat):
        for item in items:
            started = time.perf_counter()
            work(item)
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    result = {
        "what": label,
        "n": len(samples),
        "mean_ms": round(statistics.fmean(samples), 3),
        "p50_ms": round(samples[len(samples) // 2], 3),
        "p95_ms": round(samples[int(len(samples) * 0.95)], 3),
        "max_ms": round(samples[-1], 3),
    }
    print(f"| {label} | {result['n']} | {result['mean_ms']} | {result['p50_ms']} | {result['p95_ms']} | {result['max_ms']} |", flush=True)
    return result


def main() -> int:
    from bot.answers import compose_answer
    from bot.dialogue import INTENT_TOPICS, warm_up
    from bot.staff.search import FactIndex, TopicPrior
    from bot.tools.evaluate import load_examples

    examples = load_examples()
    texts = [e.text for e in examples]
    assistant = warm_up()
    kb = assistant.knowledge.get()
    print("| piece | messages | mean ms | p50 ms | p95 ms | max ms |\n| --- | ---: | ---: | ---: | ---: | ---: |")
    timed("language detection (lingua + signal words)", texts, assistant.detector.detect)
    timed("region matching (spaCy PhraseMatcher, postcodes)", texts, assistant.gazetteer.resolve)
    questions = [(e.text, INTENT_TOPICS[e.intent], "uk" if e.lang == "ru" else e.lang) for e in examples if e.intent in INTENT_TOPICS]
    timed("answer from the knowledge file", questions, lambda q: compose_answer(kb, q[1], q[2], "flanders", None, question=q[0]))
    cache: dict = {}

    def cached(q: tuple) -> None:
        key = (q[1], q[2], "flanders")
        if key not in cache:
            cache[key] = compose_answer(kb, q[1], q[2], "flanders", None)

    timed("answer from a cache of rendered answers", questions, cached)
    index = FactIndex(kb, TopicPrior.from_training_data())
    queries = [e.text for e in examples][:400]
    timed("staff search query (full knowledge file)", queries, index.search)

    from bot.tools.model import MODEL_PATH

    if MODEL_PATH.exists():
        from rasa.core.agent import Agent

        agent = Agent.load(str(MODEL_PATH))
        loop = asyncio.new_event_loop()
        timed("NLU parse (trained model, in process)", texts[:400], lambda t: loop.run_until_complete(agent.parse_message(t)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
