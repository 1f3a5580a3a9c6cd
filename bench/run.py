"""Benchmark: this assistant against a stock Rasa 3.6 assistant (`rasa init`), side by side.

    python -m bench.run                       # full run: 1, 10 and 50 conversations, 60 s each
    python -m bench.run --seconds 3 --levels 1 2 --skip-stock-training   # a tiny run (CI)

Both assistants are trained (or their models reused with --skip-*-training), started with the REST
channel on loopback, and driven with the same closed-loop load: N conversations, each sending its
next message as soon as the previous one is answered. The stock assistant gets its own example
messages; this one a mix of questions in Ukrainian, Dutch, French and English. A conversation is
--conversation-length messages (30 by default: the script repeated); then the virtual user starts a
new one. After the load levels, one conversation of --curve messages (300 by default) is sent one
message at a time, and the latency at messages 1, 50, 100, 200 and 300 is reported (the median of
the five messages around each point), so a cost that grows with the conversation shows. Beside
latency, the CPU time the server processes (Rasa and action server) spend per message is reported
for each level and along the curve: it varies much less than latency when the machine is shared.
Printed as tables (p50/p95/p99 latency, throughput, errors, the latency curve, peak resident memory
of every process of the set-up and their total, model load time, training time, and the ratio of
this assistant to the stock one); saved to bench/results/. This assistant runs as in
scripts/run.sh: Rasa server, action server, web chat page and staff page (the pages idle, for their
memory). A degraded reply (an apology because something failed inside: marked degraded in its custom
payload, bot/channels/degraded.py, or carrying the apology text) counts as an error, and any error
makes the run fail (exit status 1).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"

STOCK_MESSAGES = ["hello", "I am feeling sad", "yes", "great, thanks", "are you a bot?", "no", "goodbye"]
OUR_MESSAGES = {
    "uk": ["Привіт", "Скільки триває тимчасовий захист?", "Де знайти житло?", "у Генті", "А школа для дитини?", "дякую"],
    "nl": ["Hallo", "Hoe lang duurt de tijdelijke bescherming?", "Waar kan ik Nederlands leren?", "Antwerpen", "Hoe vind ik werk?", "bedankt"],
    "fr": ["Bonjour", "Combien de temps dure la protection temporaire ?", "Je cherche un logement", "à Liège", "Et l'école ?", "merci"],
    "en": ["Hi", "How long does temporary protection last?", "Where can I find work?", "I live in Brussels", "Is there psychological support?", "thanks"],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env(**extra: str) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
            "SANIC_HOST": "127.0.0.1", "SQLALCHEMY_SILENCE_UBER_WARNING": "1", **extra}


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def peak_rss_mb(pid: int) -> Optional[float]:
    """Peak resident memory (VmHWM) of a process and its child processes (Sanic workers), in MB."""
    total = 0.0
    for process in [pid, *(child for child in _children(pid))]:
        try:
            for line in Path(f"/proc/{process}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total or None


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) used so far by processes and their child processes, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        for process in [pid, *_children(pid)]:
            try:
                fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / ticks
            except (OSError, IndexError, ValueError):
                continue
    return total


def rss_mb(pid: int) -> Optional[float]:
    """Resident memory now (VmRSS) of a process and its child processes, in MB."""
    total = 0.0
    for process in [pid, *(child for child in _children(pid))]:
        try:
            for line in Path(f"/proc/{process}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total or None


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 300) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return time.monotonic() - started
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout} s")


@dataclass
class LevelResult:
    conversations: int
    seconds: float
    messages: int
    errors: int
    empty_replies: int
    degraded: int
    throughput: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    #: CPU time of the assistant's server processes per answered message: steadier than latency
    #: when other work shares the machine.
    cpu_ms_per_message: Optional[float] = None


@dataclass
class CurveResult:
    messages: int
    errors: int
    degraded: int
    #: message number -> median latency (ms) of the five messages around it
    points: dict[int, float] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    #: message number -> CPU ms of the server processes for the ten messages around it, per message
    cpu_points: dict[int, float] = field(default_factory=dict)


@dataclass
class AssistantResult:
    name: str
    training_s: Optional[float]
    startup_s: float
    levels: list[LevelResult] = field(default_factory=list)
    peak_rss_mb: dict[str, Optional[float]] = field(default_factory=dict)
    rss_mb: dict[str, Optional[float]] = field(default_factory=dict)
    curve: Optional[CurveResult] = None


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


_APOLOGIES: Optional[tuple[str, ...]] = None


def apologies() -> tuple[str, ...]:
    """The first line of the channels' apology in every language (bot/channels/apology.py)."""
    global _APOLOGIES
    if _APOLOGIES is None:
        from bot.channels.apology import apology_text
        from bot.languages import LANGUAGES

        _APOLOGIES = tuple(sorted({apology_text("", None, lang).splitlines()[0] for lang in LANGUAGES}))
    return _APOLOGIES


def degraded_reply(body: object) -> bool:
    """A reply marked degraded, or one that carries the apology text: not an answer."""
    from bot.channels.degraded import is_degraded

    if is_degraded(body):
        return True
    texts = [m.get("text") or "" for m in body if isinstance(m, dict)] if isinstance(body, list) else []
    return any(line in text for text in texts for line in apologies())


async def drive(url: str, conversations: int, seconds: float, messages_for,  # type: ignore[no-untyped-def]
                conversation_length: int = 30, pids: Optional[list[int]] = None) -> LevelResult:
    latencies: list[float] = []
    errors = 0
    empty = 0
    degraded = 0
    run_id = os.urandom(3).hex()

    async def user(session: aiohttp.ClientSession, index: int, deadline: float) -> None:
        nonlocal errors, empty, degraded
        script = messages_for(index)
        turn = 0
        while time.monotonic() < deadline:
            text = script[turn % len(script)]
            # A conversation is `conversation_length` messages (the script repeated); then the
            # virtual user starts a new one.
            sender = f"bench-{run_id}-{conversations}-{index}-{turn // conversation_length}"
            turn += 1
            started = time.perf_counter()
            try:
                async with session.post(url, json={"sender": sender, "message": text}) as response:
                    body = await response.json(content_type=None)
                    if response.status != 200:
                        errors += 1
                        continue
                    if not body:
                        empty += 1  # answered with no message (the stock bot does this for some turns)
                    elif degraded_reply(body):
                        degraded += 1  # an apology because something failed inside: not an answer
                        errors += 1
                        continue
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                errors += 1
                continue
            latencies.append((time.perf_counter() - started) * 1000)

    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=conversations)) as session:
        started = time.monotonic()
        cpu_before = cpu_seconds(pids or [])
        deadline = started + seconds
        await asyncio.gather(*(user(session, i, deadline) for i in range(conversations)))
        elapsed = time.monotonic() - started
        cpu = cpu_seconds(pids or []) - cpu_before
    return LevelResult(
        cpu_ms_per_message=round(cpu * 1000 / len(latencies), 1) if pids and latencies else None,
        conversations=conversations, seconds=round(elapsed, 1), messages=len(latencies), errors=errors, empty_replies=empty,
        degraded=degraded,
        throughput=round(len(latencies) / elapsed, 1), p50_ms=round(percentile(latencies, 0.5), 1),
        p95_ms=round(percentile(latencies, 0.95), 1), p99_ms=round(percentile(latencies, 0.99), 1),
    )


CURVE_POINTS = (1, 50, 100, 200, 300)


async def curve(url: str, length: int, script: list[str], pids: Optional[list[int]] = None) -> CurveResult:
    """One conversation of `length` messages, one at a time: the latency of every message."""
    latencies: list[float] = []
    cpu_marks: list[float] = [cpu_seconds(pids or [])]
    errors = degraded = 0
    sender = f"bench-curve-{os.urandom(3).hex()}"
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for turn in range(length):
            started = time.perf_counter()
            try:
                async with session.post(url, json={"sender": sender, "message": script[turn % len(script)]}) as response:
                    body = await response.json(content_type=None)
                    if response.status != 200:
                        errors += 1
                    elif body and degraded_reply(body):
                        errors += 1
                        degraded += 1
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)
            cpu_marks.append(cpu_seconds(pids or []))
    points, cpu_points = {}, {}
    for point in CURVE_POINTS:
        if point <= length:
            low = max(0, min(point - 3, length - 5))
            points[point] = round(statistics.median(latencies[low : low + 5]), 1)
            if pids:
                low = max(0, min(point - 6, length - 10))
                high = min(length, low + 10)
                cpu_points[point] = round((cpu_marks[high] - cpu_marks[low]) * 1000 / (high - low), 1)
    return CurveResult(messages=length, errors=errors, degraded=degraded, points=points,
                       latencies_ms=[round(v, 1) for v in latencies], cpu_points=cpu_points)


def prepare_stock(train: bool) -> tuple[Path, Optional[float]]:
    """The `rasa init` project (scaffolded from Rasa's own template) and its training time."""
    import rasa.cli

    project = WORK / "stock"
    template = Path(rasa.cli.__file__).parent / "initial_project"
    if not project.exists():
        shutil.copytree(template, project)
    model = project / "models" / "stock.tar.gz"
    if not train and model.exists():
        return model, None
    started = time.monotonic()
    subprocess.run([str(BIN / "rasa"), "train", "--fixed-model-name", "stock", "--out", "models", "--force"], cwd=project,
                   env=env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return model, round(time.monotonic() - started, 1)


def prepare_ours(train: bool, config: Optional[Path] = None) -> tuple[Path, Optional[float]]:
    from bot.tools.model import MODEL_PATH, TRAIN_DATA, train as train_model

    if config is not None:
        # A variant of this assistant's config (for before/after figures), trained beside the real model.
        model = WORK / "models" / f"{config.stem}.tar.gz"
        if not train and model.exists():
            return model, None
        started = time.monotonic()
        subprocess.run([str(BIN / "rasa"), "train", "--data", *TRAIN_DATA, "--config", str(config), "--domain", "domain.yml",
                        "--out", str(model.parent), "--fixed-model-name", config.stem], cwd=ROOT, env=env(), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return model, round(time.monotonic() - started, 1)
    if not train and MODEL_PATH.exists():
        return MODEL_PATH, None
    started = time.monotonic()
    if train_model() != 0:
        raise RuntimeError("training this assistant failed")
    return MODEL_PATH, round(time.monotonic() - started, 1)


def run_assistant(name: str, model: Path, training: Optional[float], cwd: Path, levels: list[int], seconds: float,
                  messages_for, credentials: Optional[Path], with_actions: bool,
                  variant_env: Optional[dict] = None, lock_store: Optional[str] = None,
                  tracker_store: str = "bot.stores.RedactingSQLTrackerStore", conversation_length: int = 30,
                  curve_length: int = 300) -> AssistantResult:  # type: ignore[no-untyped-def]
    logs = WORK / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    processes: dict[str, subprocess.Popen] = {}
    rasa_port = free_port()
    # Every virtual user is on loopback and starts a new conversation per pass: limits out of the way.
    extra = {"RATE_LIMIT_PER_MINUTE": "1000000", "RATE_LIMIT_BURST": "100000",
             "RATE_LIMIT_ADDRESS_PER_MINUTE": "1000000", "RATE_LIMIT_ADDRESS_BURST": "100000",
             "RATE_LIMIT_NEW_SESSIONS_PER_HOUR": "100000000", "RATE_LIMIT_NEW_SESSIONS_BURST": "1000000",
             **(variant_env or {})}
    try:
        endpoints = None
        if with_actions:
            action_port = free_port()
            processes["action server"] = subprocess.Popen(
                [sys.executable, "-m", "bot.rasa_runtime", "run", "actions", "--actions", "actions", "--port", str(action_port)],
                cwd=ROOT, env=env(**extra), stdout=(logs / f"{name}-actions.log").open("w"), stderr=subprocess.STDOUT)
            wait_ready(f"http://127.0.0.1:{action_port}/health", processes["action server"])
            # The web chat page and the staff page of the default set-up (scripts/run.sh), idle: their memory.
            for label, module in (("web chat page", "bot.web.chat"), ("staff page", "bot.web.staff")):
                port = free_port()
                processes[label] = subprocess.Popen(
                    [sys.executable, "-m", module, "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT,
                    env=env(**{"STAFF_TOKEN": os.urandom(16).hex(), **extra}),
                    stdout=(logs / f"{name}-{module}.log").open("w"), stderr=subprocess.STDOUT)
            endpoints = WORK / f"{name}-endpoints.yml"
            db = WORK / f"{name}-{os.getpid()}.db"
            endpoints.write_text(
                f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n  timeout: 10\n'
                f"tracker_store:\n  type: {tracker_store}\n  dialect: sqlite\n  db: \"{db}\"\n"
                + (f"lock_store:\n  type: bot.stores.AtomicRedisLockStore\n  url: {lock_store}\n  port: 6379\n  db: 4\n" if lock_store else ""))
        # This assistant through its entry point (the Rasa patches, log redaction); the stock one as `rasa run`.
        rasa = [sys.executable, "-m", "bot.rasa_runtime"] if with_actions else [str(BIN / "rasa")]
        command = [*rasa, "run", "--model", str(model), "--interface", "127.0.0.1", "--port", str(rasa_port)]
        if endpoints:
            command += ["--endpoints", str(endpoints)]
        if credentials:
            command += ["--credentials", str(credentials)]
        started = time.monotonic()
        processes["rasa server"] = subprocess.Popen(command, cwd=cwd, env=env(**extra),
                                                    stdout=(logs / f"{name}-rasa.log").open("w"), stderr=subprocess.STDOUT)
        wait_ready(f"http://127.0.0.1:{rasa_port}/webhooks/rest/", processes["rasa server"])
        startup = round(time.monotonic() - started, 1)
        result = AssistantResult(name=name, training_s=training, startup_s=startup)
        url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
        asyncio.run(drive(url, 2, 2, messages_for, conversation_length))  # warm-up, not measured
        servers = [p.pid for label, p in processes.items() if label in ("rasa server", "action server")]
        for level in levels:
            result.levels.append(asyncio.run(drive(url, level, seconds, messages_for, conversation_length, servers)))
        if curve_length:
            result.curve = asyncio.run(curve(url, curve_length, messages_for(0), servers))
        result.peak_rss_mb = {label: (round(v, 0) if (v := peak_rss_mb(p.pid)) else None) for label, p in processes.items()}
        result.rss_mb = {label: (round(v, 0) if (v := rss_mb(p.pid)) else None) for label, p in processes.items()}
        for label, process in processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name}: the {label} exited with {process.returncode} during the run")
        return result
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def table(stock: AssistantResult, ours: AssistantResult) -> str:
    lines = [
        "| assistant | conversations | messages/s | p50 ms | p95 ms | p99 ms | CPU ms/msg | errors | of which degraded | empty replies |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in (stock, ours):
        for level in result.levels:
            lines.append(f"| {result.name} | {level.conversations} | {level.throughput} | {level.p50_ms} | {level.p95_ms} | "
                         f"{level.p99_ms} | {level.cpu_ms_per_message} | {level.errors} | {level.degraded} | {level.empty_replies} |")
    lines += ["", "| assistant | training s | start-up s | peak resident memory MB |", "| --- | ---: | ---: | --- |"]
    for result in (stock, ours):
        lines.append(f"| {result.name} | {result.training_s if result.training_s is not None else 'reused'} | {result.startup_s} | {memory(result)} |")
    lines += curve_table([stock, ours])
    lines += ["", "| ratio (this / stock) | conversations | throughput | p95 |", "| --- | ---: | ---: | ---: |"]
    for mine, theirs in zip(ours.levels, stock.levels):
        throughput = mine.throughput / theirs.throughput if theirs.throughput else float("nan")
        p95 = mine.p95_ms / theirs.p95_ms if theirs.p95_ms else float("nan")
        lines.append(f"| | {mine.conversations} | {throughput:.2f}x | {p95:.2f}x |")
    return "\n".join(lines)


def table_single(ours: AssistantResult) -> str:
    lines = ["| assistant | conversations | messages/s | p50 ms | p95 ms | p99 ms | CPU ms/msg | errors | training s | start-up s | peak MB |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for level in ours.levels:
        lines.append(f"| {ours.name} | {level.conversations} | {level.throughput} | {level.p50_ms} | {level.p95_ms} | "
                     f"{level.p99_ms} | {level.cpu_ms_per_message} | {level.errors} | {ours.training_s} | {ours.startup_s} | {memory(ours)} |")
    lines += curve_table([ours])
    return "\n".join(lines)


def memory(result: AssistantResult) -> str:
    """Peak resident memory of each process and their total (MB)."""
    values = {k: v for k, v in result.peak_rss_mb.items() if v}
    parts = [f"{k} {v:.0f}" for k, v in values.items()]
    if len(values) > 1:
        parts.append(f"total {sum(values.values()):.0f}")
    return ", ".join(parts)


def curve_table(results: list[AssistantResult]) -> list[str]:
    """Latency (ms, median of five messages) at points of one long conversation, and last / first."""
    with_curve = [r for r in results if r.curve and r.curve.points]
    if not with_curve:
        return []
    points = sorted({p for r in with_curve for p in r.curve.points})  # type: ignore[union-attr]
    lines = ["", "| assistant (one conversation) | " + " | ".join(f"msg {p} ms" for p in points) + " | last / first | errors |",
             "| --- | " + " | ".join("---:" for _ in points) + " | ---: | ---: |"]
    for result in with_curve:
        curve = result.curve
        assert curve is not None
        for label, values_of in (("", curve.points), (" (CPU ms/msg)", curve.cpu_points)):
            if not values_of:
                continue
            values = [values_of.get(p) for p in points]
            first, last = values_of[points[0]], values_of[points[-1]]
            ratio = f"{last / first:.2f}x" if first else "n/a"
            lines.append(f"| {result.name}{label} | " + " | ".join("" if v is None else f"{v}" for v in values)
                         + f" | {ratio} | {curve.errors if not label else ''} |")
    return lines


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--skip-stock-training", action="store_true", help="reuse the stock model if present")
    parser.add_argument("--skip-training", action="store_true", help="reuse this assistant's model if present")
    parser.add_argument("--no-stock", action="store_true", help="measure only this assistant (variants)")
    parser.add_argument("--config", type=Path, help="a variant config for this assistant (trained beside it)")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for this assistant's processes")
    parser.add_argument("--redis-lock-store", metavar="HOST", help="use the Redis lock store (needed for SANIC_WORKERS>1)")
    parser.add_argument("--tracker-store", default="bot.stores.RedactingSQLTrackerStore",
                        help="tracker store class on SQLite (SQL: Rasa's own, for before/after figures)")
    parser.add_argument("--label", default="this assistant")
    parser.add_argument("--conversation-length", type=int, default=30, help="messages per conversation under load")
    parser.add_argument("--curve", type=int, default=300, metavar="N",
                        help="messages of the one long conversation for the latency curve (0: none)")
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)

    variant_env = dict(item.split("=", 1) for item in args.env)
    stock = None
    if not args.no_stock:
        stock_model, stock_training = prepare_stock(train=not args.skip_stock_training)
        stock = run_assistant("stock rasa init", stock_model, stock_training, stock_model.parent.parent, args.levels,
                              args.seconds, lambda i: STOCK_MESSAGES[i % 3:] + STOCK_MESSAGES[: i % 3], None, False,
                              conversation_length=args.conversation_length, curve_length=args.curve)
    our_model, our_training = prepare_ours(train=not args.skip_training, config=args.config)
    languages = list(OUR_MESSAGES)
    ours = run_assistant(args.label, our_model, our_training, ROOT, args.levels, args.seconds,
                         lambda i: OUR_MESSAGES[languages[i % 4]], ROOT / "credentials.yml", True,
                         variant_env=variant_env, lock_store=args.redis_lock_store,
                         tracker_store=args.tracker_store, conversation_length=args.conversation_length,
                         curve_length=args.curve)
    report = table(stock, ours) if stock else table_single(ours)
    print(report)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    machine = {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
               "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}
    (RESULTS / f"{stamp}.json").write_text(json.dumps({"date": stamp, "machine": machine, "seconds": args.seconds,
                                                        "conversation_length": args.conversation_length,
                                                        "stock": asdict(stock) if stock else None, "ours": asdict(ours),
                                                        "variant": {"config": str(args.config) if args.config else None,
                                                                    "env": variant_env, "redis_lock_store": args.redis_lock_store,
                                                                    "tracker_store": args.tracker_store}},
                                                       indent=1))
    (RESULTS / f"{stamp}.md").write_text(report + "\n")
    errors = sum(level.errors for result in (stock, ours) if result for level in result.levels)
    errors += sum(result.curve.errors for result in (stock, ours) if result and result.curve)
    if errors:
        print(f"FAILED: {errors} error(s) or degraded replies", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
