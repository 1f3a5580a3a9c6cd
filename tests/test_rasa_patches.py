"""Contract tests of bot.rasa_patches against the installed Rasa: what each change replaces still
exists with the same signature and behaves as the change assumes, the replacement gives the same
answers, and the changes are installed only by the project's entry point (bot.rasa_runtime)."""

from __future__ import annotations

import asyncio
import inspect
import json
import socket
import struct
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from aiohttp import web

from bot import rasa_patches
from tests.e2e.background_app import BackgroundApp

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """`code` in a fresh interpreter (patches are installed once per process)."""
    import os

    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", **env},
    )


# ------------------------------------------------------------------------------------ versions


def test_the_installed_rasa_is_one_the_patches_were_written_for() -> None:
    import rasa

    assert rasa.__version__ in rasa_patches.SUPPORTED_RASA
    rasa_patches.check_rasa_version()


def test_another_rasa_version_is_refused_unless_overridden(monkeypatch) -> None:
    monkeypatch.delenv("BOT_RASA_PATCHES_ANY_VERSION", raising=False)
    with pytest.raises(rasa_patches.UnsupportedRasa, match="written for Rasa 3.6.21, not 3.7.0"):
        rasa_patches.check_rasa_version("3.7.0")
    monkeypatch.setenv("BOT_RASA_PATCHES_ANY_VERSION", "1")
    rasa_patches.check_rasa_version("3.7.0")


def test_install_refuses_in_a_process_with_another_rasa_version() -> None:
    result = run_python("""
        import rasa
        rasa.__version__ = "3.7.0"
        from bot import rasa_patches
        rasa_patches.install()
    """)
    assert result.returncode != 0 and "UnsupportedRasa" in result.stderr and "not 3.7.0" in result.stderr


# ----------------------------------------------------------------------------------- validator


def _responses() -> list:
    return [
        {"events": [], "responses": []},
        {"events": [{"event": "slot", "name": "language", "value": "uk"}], "responses": [{"text": "Привіт"}]},
        {"events": [{"event": "action", "name": "action_listen"}], "responses": [{"text": "x", "buttons": []}]},
        {},
        {"events": "not a list"},
        {"events": [{"no": "event key"}]},
        {"responses": [{"text": 5}], "events": []},
        {"events": [{"event": "not-an-event"}]},
    ]


def test_the_cached_validator_accepts_and_refuses_what_rasa_does() -> None:
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    original = RemoteAction.__dict__["_validate_action_result"]
    assert original is not rasa_patches._validate_action_result, "installed in the test process"
    assert list(inspect.signature(original).parameters) == ["self", "result"]
    action = RemoteAction("action_test", None)
    for response in _responses():
        try:
            expected = original(action, response)
        except ValidationError:
            expected = "refused"
        try:
            got = rasa_patches._validate_action_result(action, response)
        except ValidationError:
            got = "refused"
        assert got == expected, response


def test_the_validator_refuses_invalid_responses_at_all() -> None:
    """The comparison above means something: Rasa's schema refuses some of those responses."""
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction("action_test", None)
    refused = 0
    for response in _responses():
        try:
            rasa_patches._validate_action_result(action, response)
        except ValidationError:
            refused += 1
    assert 0 < refused < len(_responses())


# -------------------------------------------------------------------------------------- events


def test_the_event_table_finds_the_class_rasa_finds() -> None:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    original = Event.resolve_by_type
    assert list(inspect.signature(original).parameters) == ["type_name", "default"]
    lookup = rasa_patches.event_lookup(original)
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert {"user", "bot", "action", "slot", "session_started", "restart"} <= names
    for name in names:
        assert lookup(name) is original(name), name
    assert lookup("nonsense", default=Event) is original("nonsense", default=Event) is Event
    assert lookup("topic") is None and original("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        original("nonsense")
    with pytest.raises(ValueError, match="Unknown event name"):
        lookup("nonsense")


def test_stored_events_read_back_through_the_table() -> None:
    from rasa.shared.core.events import Event, SlotSet, UserUttered

    lookup = rasa_patches.event_lookup(Event.resolve_by_type)
    assert lookup("user") is UserUttered and lookup("slot") is SlotSet
    event = Event.from_parameters({"event": "slot", "name": "language", "value": "uk"})
    assert isinstance(event, SlotSet) and event.value == "uk"


# ------------------------------------------------------------------------------------- timeout


def _recording_endpoint():  # type: ignore[no-untyped-def]
    """Rasa's endpoint whose request only records how it was called."""
    from rasa.utils.endpoints import EndpointConfig

    class Recording(EndpointConfig):
        calls: list = []

        async def request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.calls.append(kwargs)
            return {"events": [], "responses": []}

    return Recording(url="http://127.0.0.1:1/webhook")


async def _run_remote_action(endpoint) -> list:  # type: ignore[no-untyped-def]
    from rasa.core.actions.action import RemoteAction
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.empty()
    return await RemoteAction("action_test", endpoint).run(
        CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), DialogueStateTracker("s", []), domain
    )


async def test_rasa_reads_the_action_timeout_from_its_module_at_each_call(monkeypatch) -> None:
    """What the `timeout` change relies on: RemoteAction.run passes the module's
    DEFAULT_REQUEST_TIMEOUT to the endpoint as `timeout`, read when it runs (not at import)."""
    import rasa.core.actions.action as action_module

    assert "DEFAULT_REQUEST_TIMEOUT" in action_module.RemoteAction.run.__code__.co_names
    endpoint = _recording_endpoint()
    await _run_remote_action(endpoint)
    assert endpoint.calls[-1]["timeout"] == 300 and endpoint.calls[-1]["method"] == "post"
    monkeypatch.setattr(action_module, "DEFAULT_REQUEST_TIMEOUT", 2.5)
    await _run_remote_action(endpoint)
    assert endpoint.calls[-1]["timeout"] == 2.5


def _release_later(app: web.Application, hits: list, released: threading.Event) -> None:
    async def webhook(request: web.Request) -> web.Response:
        hits.append(await request.read())
        while not released.is_set():
            await asyncio.sleep(0.05)
        return web.json_response({"events": [], "responses": []})

    app.router.add_post("/webhook", webhook)


async def test_a_stuck_action_server_is_given_up_on_after_the_endpoint_timeout(monkeypatch) -> None:
    """With the module's timeout lowered, Rasa's own request gives up on an action server that has not
    answered (it is still holding the request when the error arrives) and sends the call once."""
    import rasa.core.actions.action as action_module
    from rasa.utils.endpoints import EndpointConfig

    hits: list = []
    released = threading.Event()
    app = web.Application()
    _release_later(app, hits, released)
    server = BackgroundApp(app).start()
    try:
        monkeypatch.setattr(action_module, "DEFAULT_REQUEST_TIMEOUT", 0.5)
        endpoint = EndpointConfig(url=f"http://127.0.0.1:{server.port}/webhook", timeout=0.5)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(_run_remote_action(endpoint), 60)
        assert not released.is_set()
        assert len(hits) == 1
    finally:
        released.set()
        server.stop()


async def test_a_post_the_action_server_may_have_received_is_never_sent_again() -> None:
    """The action server reads the call and drops the connection: Rasa's request fails, once."""
    from rasa.utils.endpoints import EndpointConfig

    listener = socket.create_server(("127.0.0.1", 0))
    hits: list = []

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.settimeout(1)
            try:
                hits.append(connection.recv(65536))
            except OSError:
                pass
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        endpoint = EndpointConfig(url=f"http://127.0.0.1:{listener.getsockname()[1]}/webhook")
        with pytest.raises(Exception):  # noqa: B017 - whichever client error aiohttp raises
            await endpoint.request(json={"next_action": "action_test"}, method="post", timeout=30)
        await asyncio.sleep(0.2)
        assert len(hits) == 1, f"the POST was sent {len(hits)} times"
    finally:
        listener.close()


# ------------------------------------------------------------------------------------- tracker


def _conversation(turns: int = 6):  # type: ignore[no-untyped-def]
    """A Rasa tracker of several turns as the assistant records them (slots, buttons, channel)."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.from_path(ROOT / "domain.yml")
    tracker = DialogueStateTracker("rest-abc", domain.slots)
    for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
        tracker.update(event)
    for i in range(turns):
        text = ["Привіт", "Де знайти житло?", "у Генті", "/choose_region{\"region\": \"gent\"}", "дякую", "Hoe vind ik werk?"][i % 6]
        parse = {"text": text, "intent": {"name": "ask_housing", "confidence": 0.8},
                 "intent_ranking": [{"name": "ask_housing", "confidence": 0.8}, {"name": "greet", "confidence": 0.2}],
                 "entities": [{"entity": "region", "value": "gent", "start": 0, "end": 4}] if i % 3 == 2 else [],
                 "metadata": {"language": "uk"}}
        tracker.update(UserUttered(text, parse["intent"], parse["entities"], parse_data=parse,
                                   input_channel="rest" if i % 2 else "socketio", message_id=f"m{i}", metadata={"language": "uk"}))
        tracker.update(ActionExecuted("action_answer_question", policy="RulePolicy", confidence=1.0))
        tracker.update(BotUttered(f"answer {i}", {"buttons": [{"title": "Так", "payload": "/affirm"}]}))
        tracker.update(SlotSet("language", "uk"))
        if i % 2:
            tracker.update(SlotSet("region", "gent"))
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("А школа для дитини?", {"name": "ask_school", "confidence": 0.9},
                               parse_data={"text": "А школа для дитини?", "intent": {"name": "ask_school", "confidence": 0.9},
                                           "entities": [], "metadata": {"language": "uk"}},
                               input_channel="telegram", message_id="last", metadata={"language": "uk"}))
    tracker.update(ActionExecuted("action_answer_question", policy="RulePolicy", confidence=1.0))
    return tracker, domain


def test_rasa_builds_the_action_call_as_the_tracker_change_assumes() -> None:
    """Contract: Rasa's own call carries the tracker's full state with every event; the change sends
    the same call (same keys, same state, same domain) with the events of the current turn only."""
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import UserUttered

    assert RemoteAction._action_call_format.__module__ == "rasa.core.actions.action"  # not installed here
    tracker, domain = _conversation()
    action = RemoteAction("action_answer_question", None)
    rasas = RemoteAction._action_call_format(action, tracker, domain)
    ours = rasa_patches.action_call_format(action, tracker, domain)
    assert rasas.keys() == ours.keys() and {k: v for k, v in rasas.items() if k != "tracker"} == {
        k: v for k, v in ours.items() if k != "tracker"}
    assert {k: v for k, v in rasas["tracker"].items() if k != "events"} == {k: v for k, v in ours["tracker"].items() if k != "events"}
    assert len(rasas["tracker"]["events"]) == len(tracker.events) > 30
    last_user = max(i for i, e in enumerate(tracker.events) if isinstance(e, UserUttered))
    assert ours["tracker"]["events"] == rasas["tracker"]["events"][last_user:]
    assert [e["event"] for e in ours["tracker"]["events"]] == ["user", "action"]
    json.dumps(ours)  # what Rasa posts


def test_a_tracker_without_user_message_is_sent_whole() -> None:
    from rasa.shared.core.events import ActionExecuted, SessionStarted
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker("s", [])
    for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
        tracker.update(event)
    assert rasa_patches.current_turn_events(tracker) == list(tracker.events)
    assert rasa_patches.current_turn_events(DialogueStateTracker("s", [])) == []


def _names_read_of_tracker(path: Path) -> set:
    """What a module reads of a variable or parameter named `tracker`: attribute names, and
    `<call>` for each function it is passed to (other than turn_from_tracker, checked itself)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    read = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "tracker":
            parent = parents.get(node)
            if isinstance(parent, ast.Attribute):
                read.add(parent.attr)
            elif isinstance(parent, ast.Call) and getattr(parent.func, "id", None) == "turn_from_tracker":
                continue
            else:
                read.add(f"<{type(parent).__name__}>")
    return read


def test_the_actions_read_only_what_the_tracker_change_sends() -> None:
    """Every use of the tracker in actions/ is in ACTIONS_READ (a new use must be added there and sent)."""
    read = set().union(*(_names_read_of_tracker(path) for path in sorted((ROOT / "actions").glob("*.py"))))
    assert read and read <= rasa_patches.ACTIONS_READ, read - rasa_patches.ACTIONS_READ


def test_the_actions_read_the_same_from_the_current_turn_as_from_the_whole_tracker() -> None:
    """rasa_sdk's Tracker from Rasa's full call and from the change's call: everything the actions
    read is equal (the turn the dialogue logic gets, the input channel, the sender, every slot)."""
    from rasa.core.actions.action import RemoteAction
    from rasa_sdk import Tracker

    from actions.base import turn_from_tracker
    from bot.dialogue import SLOTS

    trackers = [_conversation(n) for n in (1, 3, 7)]
    for rasa_tracker, domain in trackers:
        action = RemoteAction("action_answer_question", None)
        full = Tracker.from_dict(RemoteAction._action_call_format(action, rasa_tracker, domain)["tracker"])
        slim = Tracker.from_dict(rasa_patches.action_call_format(action, rasa_tracker, domain)["tracker"])
        assert turn_from_tracker(full) == turn_from_tracker(slim)
        assert full.latest_message == slim.latest_message and full.sender_id == slim.sender_id
        assert full.get_latest_input_channel() == slim.get_latest_input_channel() == "telegram"
        assert {s: full.get_slot(s) for s in SLOTS} == {s: slim.get_slot(s) for s in SLOTS}
        assert full.current_slot_values() == slim.current_slot_values()
    # The fixtures of the actions' tests, cut to their current turn, read the same.
    for path in sorted((ROOT / "tests" / "actions" / "trackers").glob("*.json")):
        state = json.loads(path.read_text(encoding="utf-8"))
        events = state.get("events") or []
        users = [i for i, e in enumerate(events) if e.get("event") == "user"]
        cut = {**state, "events": events[users[-1]:] if users else events}
        full, slim = Tracker.from_dict(state), Tracker.from_dict(cut)
        assert turn_from_tracker(full) == turn_from_tracker(slim), path.name
        assert full.get_latest_input_channel() == slim.get_latest_input_channel(), path.name


# -------------------------------------------------------------------------------------- states


def test_the_rasa_code_the_states_change_continues_is_the_one_it_copies() -> None:
    """Contract: the loops `states` copies are exactly Rasa 3.6.21's (sha256 of their source)."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    assert DialogueStateTracker.applied_events.__module__ == "rasa.shared.core.trackers"  # not installed here
    assert rasa_patches.changed_sources(rasa_patches.STATES_SOURCES, DialogueStateTracker, Domain) == []
    for name in ("_undo_till_previous", "_first_loop_execution_or_unhappy_path", "_undo_till_previous_loop_execution",
                 "init_copy", "generate_all_prior_trackers"):
        assert callable(getattr(DialogueStateTracker, name)), name
    for name in ("_get_prev_action_sub_state", "get_active_state", "_remove_rule_only_features",
                 "_substitute_rule_only_user_input", "_clean_state"):
        assert callable(getattr(Domain, name)), name


def _random_event(rng, i: int):  # type: ignore[no-untyped-def]
    from rasa.shared.core.events import (ActionExecuted, ActionReverted, ActiveLoop, AllSlotsReset, BotUttered,
                                         FollowupAction, Restarted, SessionStarted, SlotSet, UserUtteranceReverted,
                                         UserUttered)

    kind = rng.choices(
        ["turn", "slot", "bot", "hidden", "loop", "loop_end", "followup", "revert_user", "revert_action", "restart",
         "session", "reset", "new_loop"],
        weights=[30, 10, 8, 6, 4, 3, 2, 2, 2, 1, 1, 1, 1])[0]
    intent = rng.choice(["greet", "ask_housing", "inform_region", "thank", "affirm"])
    if kind == "turn":
        text = f"message {i}"
        return [ActionExecuted("action_listen"),
                UserUttered(text, {"name": intent, "confidence": 0.9},
                            [{"entity": "region", "value": "gent"}] if rng.random() < 0.3 else [],
                            parse_data={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []})]
    if kind == "slot":
        return [SlotSet(rng.choice(["language", "region", "pending_topic"]), rng.choice(["uk", "gent", None, "housing"]))]
    if kind == "bot":
        return [ActionExecuted(rng.choice(["action_answer_question", "action_greet_user"])), BotUttered(f"answer {i}")]
    if kind == "hidden":
        return [ActionExecuted("action_greet_user", hide_rule_turn=True)]
    if kind == "loop":
        return [ActionExecuted("some_form"), ActiveLoop("some_form")]
    if kind == "loop_end":
        return [ActionExecuted("some_form"), ActiveLoop(None)]
    if kind == "new_loop":
        return [ActionExecuted(f"form_{i}"), ActiveLoop(f"form_{i}")]
    if kind == "followup":
        return [FollowupAction("action_show_help")]
    if kind == "revert_user":
        return [UserUtteranceReverted()]
    if kind == "revert_action":
        return [ActionReverted()]
    if kind == "restart":
        return [Restarted()]
    if kind == "session":
        return [ActionExecuted("action_session_start"), SessionStarted()]
    return [AllSlotsReset()]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_states_change_gives_rasas_answer_at_every_step(seed: int, monkeypatch) -> None:
    """Generated conversations (turns, slots, hidden rule turns, loops, follow-ups, reverts,
    restarts, sessions, slot resets), grown one event group at a time: at every step the
    incremental `applied_events` and `states_for_tracker_history` give exactly Rasa's answer, for
    each combination of arguments RulePolicy and the featurizers use."""
    import random

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    rng = random.Random(seed)
    original_applied = DialogueStateTracker.applied_events
    original_states = Domain.states_for_tracker_history
    incremental_applied = rasa_patches.incremental_applied_events(original_applied)
    incremental_states = rasa_patches.incremental_states(original_states)
    domain = Domain.from_path(ROOT / "domain.yml")
    rule_only = {"rule_only_slots": ["pending_topic"], "rule_only_loops": ["some_form"]}
    tracker = DialogueStateTracker("s", domain.slots)
    for step in range(160):
        for event in _random_event(rng, step):
            tracker.update(event)
        expected_applied = original_applied(tracker)
        assert incremental_applied(tracker) == expected_applied and all(
            a is b for a, b in zip(incremental_applied(tracker), expected_applied)), step
        for omit, ignore, data in ((False, False, None), (False, True, rule_only), (True, False, None), (False, True, None)):
            expected = original_states(domain, tracker, omit, ignore, data)
            monkeypatch.setattr(DialogueStateTracker, "applied_events", incremental_applied)
            try:
                got = incremental_states(domain, tracker, omit, ignore, data)
                assert got == expected, (step, omit, ignore)
                got[-1].clear()  # a caller changing what it got changes nothing for the next call
                assert incremental_states(domain, tracker, omit, ignore, data) == expected, (step, omit, ignore)
            finally:
                monkeypatch.setattr(DialogueStateTracker, "applied_events", original_applied)
        if step % 40 == 39:  # past_states as RulePolicy calls it, through the tracker
            assert tracker.past_states(domain) == original_states(domain, tracker)


def test_the_rasa_code_the_rule_window_relies_on_is_the_one_it_was_written_for() -> None:
    from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer, TrackerFeaturizer
    from rasa.core.policies.policy import Policy
    from rasa.core.policies.rule_policy import RulePolicy

    assert rasa_patches.changed_sources(rasa_patches.RULE_WINDOW_SOURCES, Policy, RulePolicy,
                                        MaxHistoryTrackerFeaturizer, TrackerFeaturizer) == []


def _rule_policy(agent):  # type: ignore[no-untyped-def]
    from rasa.core.policies.rule_policy import RulePolicy

    return next(node._component for node in agent.processor.graph_runner._instantiated_nodes.values()
                if isinstance(getattr(node, "_component", None), RulePolicy))


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_the_rule_window_gives_rasas_prediction_at_every_step(agent, seed: int, monkeypatch) -> None:
    """The model's RulePolicy over long generated conversations: at every step, given only the
    last states (with the `states` change, as in the server), it predicts what Rasa's own code
    predicts from every state."""
    import logging
    import random

    from rasa.core.policies.policy import Policy
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    policy, domain = _rule_policy(agent), agent.domain
    window = rasa_patches.rule_window_of(policy)
    assert window is not None and 3 <= window < 40
    plain = {(DialogueStateTracker, "applied_events"): DialogueStateTracker.applied_events,
             (Domain, "states_for_tracker_history"): Domain.states_for_tracker_history,
             (RulePolicy, "_prediction_states"): Policy._prediction_states}
    patched = {(DialogueStateTracker, "applied_events"): rasa_patches.incremental_applied_events(DialogueStateTracker.applied_events),
               (Domain, "states_for_tracker_history"): rasa_patches.incremental_states(Domain.states_for_tracker_history),
               (RulePolicy, "_prediction_states"): rasa_patches.windowed_prediction_states(Policy._prediction_states)}

    def predict(methods: dict):  # type: ignore[no-untyped-def]
        for (cls, name), method in methods.items():
            monkeypatch.setattr(cls, name, method)
        return policy.predict_action_probabilities(tracker, domain)

    logging.getLogger(rasa_patches.RULE_POLICY_LOGGER).setLevel(logging.INFO)
    rng = random.Random(seed)
    tracker = DialogueStateTracker("s", domain.slots)
    longest = 0
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, FollowupAction

    known = set(domain.action_names_or_texts)
    for step in range(240):
        events = _random_event(rng, step)
        if any(isinstance(e, ActiveLoop) or (isinstance(e, (ActionExecuted, FollowupAction)) and e.action_name not in known)
               for e in events):
            continue  # this model has no forms: a loop it does not know is not a conversation it can have
        for event in events:
            tracker.update(event)
        ours, rasas = predict(patched), predict(plain)
        assert (ours.probabilities, ours.events, ours.hide_rule_turn, ours.is_end_to_end_prediction,
                ours.is_no_user_prediction) == (rasas.probabilities, rasas.events, rasas.hide_rule_turn,
                                                rasas.is_end_to_end_prediction, rasas.is_no_user_prediction), step
        longest = max(longest, len(tracker.past_states(domain)))
    assert longest > 3 * window  # the window did leave states out


def test_the_rule_window_is_not_used_with_debug_logging_on(agent, monkeypatch) -> None:
    """With RulePolicy's debug line on, it is given (and writes) every state, as Rasa does."""
    import logging

    from rasa.core.policies.policy import Policy
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    policy, domain = _rule_policy(agent), agent.domain
    monkeypatch.setattr(Domain, "states_for_tracker_history", rasa_patches.incremental_states(Domain.states_for_tracker_history))
    windowed = rasa_patches.windowed_prediction_states(Policy._prediction_states)
    tracker = DialogueStateTracker("s", domain.slots)
    for i in range(40):
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(f"m{i}", {"name": "greet", "confidence": 1.0}))
        tracker.update(ActionExecuted("action_greet_user"))
    logger = logging.getLogger(rasa_patches.RULE_POLICY_LOGGER)
    level = logger.level
    try:
        logger.setLevel(logging.INFO)
        assert len(windowed(policy, tracker, domain)) == rasa_patches.rule_window_of(policy) + 1
        logger.setLevel(logging.DEBUG)
        assert len(windowed(policy, tracker, domain)) == len(Policy._prediction_states(policy, tracker, domain)) > 80
    finally:
        logger.setLevel(level)


def test_the_states_change_leaves_other_trackers_to_rasa() -> None:
    """Training trackers, rule trackers and trackers with a bounded history: Rasa's own code."""
    from rasa.shared.core.events import ActionExecuted
    from rasa.shared.core.generator import TrackerWithCachedStates
    from rasa.shared.core.trackers import DialogueStateTracker

    bounded = DialogueStateTracker("s", [], max_event_history=5)
    rules = DialogueStateTracker("s", [], is_rule_tracker=True)
    training = TrackerWithCachedStates("s", [])
    for tracker in (bounded, rules, training):
        tracker.update(ActionExecuted("action_listen"))
        assert rasa_patches._memo_of(tracker) is None
    normal = DialogueStateTracker("s", [])
    assert rasa_patches._memo_of(normal) == {}
    key = id(normal)
    del normal
    import gc

    gc.collect()
    assert key not in rasa_patches._memos  # forgotten with its tracker


def test_the_rasa_code_the_copy_change_rebuilds_is_the_one_it_was_written_for() -> None:
    """Contract: the copy, the replay it skips and the constructor are exactly Rasa 3.6.21's."""
    from rasa.shared.core.trackers import DialogueStateTracker

    assert rasa_patches.changed_sources(rasa_patches.COPY_SOURCES, DialogueStateTracker) == []


def _tracker_state(tracker) -> dict:  # type: ignore[no-untyped-def]
    """Everything a tracker holds, slots by value and whether they were set; events by identity."""
    state = {key: value for key, value in vars(tracker).items() if key not in ("events", "slots")}
    state["events"] = [id(event) for event in tracker.events]
    state["maxlen"] = tracker.events.maxlen
    state["slots"] = {name: (type(slot), slot.value, slot.has_been_set) for name, slot in tracker.slots.items()}
    return state


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_copy_change_gives_rasas_copy_at_every_step(seed: int) -> None:
    """Generated conversations (turns, slots, loops, follow-ups, reverts, restarts, sessions, slot
    resets), one event group at a time: the copy without replay holds exactly what Rasa's replaying
    copy holds, and changing either copy (new events, a slot, the loop) leaves the tracker as it was."""
    import random

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecutionRejected, SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    rng = random.Random(seed)
    original = DialogueStateTracker.copy
    fast = rasa_patches.state_copy(original)
    domain = Domain.from_path(ROOT / "domain.yml")
    tracker = DialogueStateTracker("s", domain.slots)
    tracker.model_id, tracker.assistant_id = "model", "assistant"
    for step in range(160):
        for event in _random_event(rng, step):
            tracker.update(event)
        before = _tracker_state(tracker)
        expected, got = original(tracker), fast(tracker)
        assert got is not tracker and _tracker_state(got) == _tracker_state(expected), step
        changes = [SlotSet("region", f"changed {step}"), ActionExecutionRejected("some_form")]
        for copied in (got, expected):
            copied.update_with_events(changes, domain)
        assert _tracker_state(got) == _tracker_state(expected), step
        assert _tracker_state(tracker) == before, step


def test_the_copy_change_leaves_subclasses_to_rasa() -> None:
    from rasa.shared.core.generator import TrackerWithCachedStates

    calls = []
    fast = rasa_patches.state_copy(lambda tracker: calls.append(tracker) or "rasa's copy")
    training = TrackerWithCachedStates("s", [])
    assert fast(training) == "rasa's copy" and calls == [training]


def test_the_states_are_formatted_only_for_the_debug_line_of_the_rule_policy() -> None:
    """Contract: in Rasa 3.6.21 `format_tracker_states` has one caller, the debug line of
    RulePolicy._find_action_from_rules (source hashes, and no other use in Rasa's code)."""
    import rasa
    from rasa.core.policies.policy import Policy
    from rasa.core.policies.rule_policy import RulePolicy

    assert rasa_patches.changed_sources(rasa_patches.RULE_LOG_SOURCES, RulePolicy, Policy) == []
    source = inspect.getsource(RulePolicy._find_action_from_rules)
    assert source.count("format_tracker_states") == 1
    assert "current_states = self.format_tracker_states(states)" in source
    # Assigned, then only logged.
    assert source.count("current_states") == 3
    assert '"rule_policy.actions.find", current_states=copy.deepcopy(current_states)' in source
    users = [path for path in Path(rasa.__file__).parent.rglob("*.py") if "format_tracker_states" in path.read_text(encoding="utf-8")]
    assert sorted(p.name for p in users) == ["policy.py", "rule_policy.py"]


def test_the_states_are_formatted_as_rasa_does_when_debug_logging_is_on() -> None:
    import logging

    from rasa.core.policies.policy import Policy

    states = [{"user": {"intent": "greet"}, "prev_action": {"action_name": "action_listen"}}, {}]
    lazy = rasa_patches.lazy_state_format(Policy.format_tracker_states)
    logger = logging.getLogger(rasa_patches.RULE_POLICY_LOGGER)
    level = logger.level
    try:
        logger.setLevel(logging.DEBUG)
        assert lazy(states) == Policy.format_tracker_states(states) != rasa_patches.STATES_NOT_FORMATTED
        logger.setLevel(logging.INFO)
        assert lazy(states) == rasa_patches.STATES_NOT_FORMATTED
    finally:
        logger.setLevel(level)


def test_the_action_timeout_is_read_from_the_endpoints_file(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text('action_endpoint:\n  url: "http://127.0.0.1:5055/webhook"\n  timeout: 7\n')
    assert rasa_patches.action_timeout_of(str(endpoints)) == 7.0
    assert rasa_patches.action_timeout_of(str(ROOT / "endpoints.yml")) == 10.0
    endpoints.write_text('action_endpoint:\n  url: "http://127.0.0.1:5055/webhook"\n')
    assert rasa_patches.action_timeout_of(str(endpoints)) is None
    assert rasa_patches.action_timeout_of(str(tmp_path / "missing.yml")) is None
    endpoints.write_text('action_endpoint:\n  url: "http://x/webhook"\n  timeout: soon\n')
    with pytest.raises(ValueError, match="timeout must be a number"):
        rasa_patches.action_timeout_of(str(endpoints))


# -------------------------------------------------------------------------------------- runner


@pytest.fixture(scope="module")
def agent():
    from rasa.core.agent import load_agent

    loaded = asyncio.run(load_agent(model_path=str(ROOT / "models" / "assistant.tar.gz")))
    assert loaded.is_ready()
    return loaded


def test_a_changed_rasa_source_is_named() -> None:
    from rasa.engine.graph import GraphSchema
    from rasa.engine.runner.dask import DaskGraphRunner

    altered = {**rasa_patches.RUNNER_SOURCES, "DaskGraphRunner.run": "0" * 64}
    assert rasa_patches.changed_sources(altered, DaskGraphRunner, GraphSchema) == ["DaskGraphRunner.run"]


def test_the_rasa_code_the_runner_change_replaces_is_the_one_it_was_written_for() -> None:
    from rasa.engine.graph import GraphSchema
    from rasa.engine.runner.dask import DaskGraphRunner

    assert rasa_patches.changed_sources(rasa_patches.RUNNER_SOURCES, DaskGraphRunner, GraphSchema) == []


RUNNER_TEXTS = (
    "How do I register for temporary protection?", "Mon fils a 9 ans, comment l'inscrire dans une école ?",
    "Wij wonen in Aalst en hebben geen huis meer", "Скільки триває тимчасовий захист?", "привіт", "", "???",
    "/greet", "will it be foggy on the E40 tomorrow morning", "Ik woon in Luik en zoek een psycholoog",
)


def test_the_runner_change_gives_rasas_outputs_for_the_model(agent) -> None:
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    runner = agent.processor.graph_runner
    metadata = agent.processor.model_metadata
    original = DaskGraphRunner.run
    sequential = rasa_patches.sequential_run(original)
    tracker = DialogueStateTracker.from_events("runner", [ActionExecuted("action_listen")], agent.domain.slots)
    for text in RUNNER_TEXTS:
        inputs = {"__message__": [UserMessage(text, sender_id="runner")], "__tracker__": tracker}
        ours = sequential(runner, inputs, [metadata.nlu_target])
        rasas = original(runner, inputs, [metadata.nlu_target])
        assert list(ours) == list(rasas) == [metadata.nlu_target]
        parsed = ours[metadata.nlu_target][0].as_dict(only_output_properties=True)
        assert parsed == rasas[metadata.nlu_target][0].as_dict(only_output_properties=True), text
        tracker.update(UserUttered(text, parse_data=parsed))
        for _ in range(2):
            ours = sequential(runner, {"__tracker__": tracker}, [metadata.core_target])[metadata.core_target]
            rasas = original(runner, {"__tracker__": tracker}, [metadata.core_target])[metadata.core_target]
            assert (ours.probabilities, ours.policy_name, ours.events, ours.optional_events, ours.is_end_to_end_prediction,
                    ours.is_no_user_prediction, ours.diagnostic_data, ours.action_metadata) == (
                    rasas.probabilities, rasas.policy_name, rasas.events, rasas.optional_events,
                    rasas.is_end_to_end_prediction, rasas.is_no_user_prediction, rasas.diagnostic_data,
                    rasas.action_metadata), text
            action = agent.domain.action_names_or_texts[ours.max_confidence_index]
            tracker.update(ActionExecuted(action))
            if action == "action_listen":
                break
            tracker.update(BotUttered("…"))


def test_the_runner_change_leaves_what_it_does_not_run_to_rasa(agent, caplog) -> None:
    import logging

    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    runner = agent.processor.graph_runner
    sequential = rasa_patches.sequential_run(DaskGraphRunner.run)
    # a target that is an input, not a node: Rasa's own runner answers (the input itself)
    assert sequential(runner, {"__tracker__": "t", "x": 1}, ["x"]) == DaskGraphRunner.run(runner, {"x": 1}, ["x"]) == {"x": 1}
    # an input named after a node it runs is refused as Rasa refuses it
    node = next(iter(runner._graph_schema.minimal_graph_schema([agent.processor.model_metadata.nlu_target]).nodes))
    with pytest.raises(GraphRunError, match="clashes with a node name"):
        sequential(runner, {"__message__": node}, [agent.processor.model_metadata.nlu_target])
    # the debug line, only with debug logging on
    with caplog.at_level(logging.DEBUG, logger=rasa_patches.RUNNER_LOGGER):
        sequential(runner, {"__tracker__": None, "__message__": []}, [agent.processor.model_metadata.nlu_target])
    assert any(r.getMessage().startswith("Running graph with inputs:") for r in caplog.records)


# ---------------------------------------------------------------------------------- tensorflow


def _rasa_imports_from(module_name: str) -> dict:
    """{importing Rasa module: names it imports from `module_name`}, over all of Rasa's source."""
    import ast
    import rasa

    found: dict = {}
    package = Path(rasa.__file__).parent
    for path in package.rglob("*.py"):
        importer = "rasa." + ".".join(path.relative_to(package).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == module_name:
                found.setdefault(importer, set()).update(alias.name for alias in node.names)
            elif isinstance(node, ast.Import) and any(alias.name == module_name for alias in node.names):
                found.setdefault(importer, set()).add("*")
    return found


def _imports_tensorflow(module_name: str) -> bool:
    import ast
    import importlib.util

    source = Path(importlib.util.find_spec(module_name).origin).read_text(encoding="utf-8")
    return any(isinstance(node, (ast.Import, ast.ImportFrom)) and
               any((getattr(node, "module", None) or alias.name).split(".")[0] == "tensorflow" for alias in node.names)
               for node in ast.walk(ast.parse(source)))


def test_the_rasa_modules_the_tensorflow_change_replaces_are_the_ones_it_was_written_for() -> None:
    for module_name, (names, digest) in rasa_patches.TENSORFLOW_MODULES.items():
        assert rasa_patches._file_hash(module_name) == digest, module_name
        # every Rasa module that could be imported in the server without TensorFlow (one that does
        # not import it itself, and is not replaced) imports only names the placeholder has
        for importer, imported in _rasa_imports_from(module_name).items():
            if importer in rasa_patches.TENSORFLOW_MODULES or _imports_tensorflow(importer):
                continue
            assert imported <= set(names), (importer, module_name, imported - set(names))


def test_the_rasa_server_loads_the_model_and_understands_without_tensorflow() -> None:
    result = run_python("""
        import asyncio, sys
        from bot import rasa_runtime
        rasa_runtime.prepare(["run", "--model", "models/assistant.tar.gz"])
        import rasa.__main__, rasa.server, rasa.core.run  # everything `rasa run` imports before the model
        from rasa.core.agent import load_agent
        agent = asyncio.run(load_agent(model_path="models/assistant.tar.gz"))
        intent = asyncio.run(agent.parse_message("Скільки триває тимчасовий захист?"))["intent"]["name"]
        left = sorted(m for m in ("tensorflow", "jax", "torch") if sys.modules.get(m) is not None)
        print("RESULT", agent.is_ready(), intent, *left or ["none"])
    """)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "RESULT True ask_protection_duration none" in result.stdout, result.stdout[-500:]


def test_a_model_that_needs_tensorflow_says_how_to_keep_it() -> None:
    result = run_python("""
        from bot import rasa_runtime
        rasa_runtime.prepare(["run"])
        from rasa.nlu.classifiers.diet_classifier import DIETClassifier
        from rasa.core.policies.ted_policy import TEDPolicy
        for component in (DIETClassifier, TEDPolicy):
            try:
                component.load({}, None, None, None)
            except RuntimeError as error:
                print(error)
    """)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count("BOT_RASA_PATCHES_SKIP=tensorflow") == 2, result.stdout
    assert "DIETClassifier" in result.stdout and "TEDPolicy" in result.stdout


def test_the_tensorflow_change_is_refused_once_tensorflow_is_imported() -> None:
    result = run_python("""
        import rasa.utils.train_utils  # imports TensorFlow
        from bot import rasa_patches
        rasa_patches.install()
    """)
    assert result.returncode != 0 and "TensorFlow is imported already" in result.stderr, result.stderr[-2000:]
    kept = run_python("""
        import sys
        from bot import rasa_runtime
        rasa_runtime.prepare(["run"])
        import rasa.utils.train_utils
        print(sys.modules["tensorflow"] is not None)
    """, BOT_RASA_PATCHES_SKIP="tensorflow")
    assert kept.returncode == 0 and kept.stdout.split()[-1:] == ["True"], kept.stderr[-2000:]


# ------------------------------------------------------------------------------------- install


def test_importing_the_channels_installs_nothing() -> None:
    result = run_python("""
        import bot.channels, bot.channels.rest, bot.stores
        import rasa.core.actions.action as a
        from rasa.shared.core.events import Event
        from bot import rasa_patches
        print(rasa_patches.installed(), a.DEFAULT_REQUEST_TIMEOUT,
              a.RemoteAction._validate_action_result is rasa_patches._validate_action_result)
    """)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["None", "300", "False"]


def test_the_entry_point_installs_the_patches_for_the_rasa_server_only(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text('action_endpoint:\n  url: "http://127.0.0.1:5055/webhook"\n  timeout: 4\n')
    server = run_python(f"""
        from bot import rasa_runtime, rasa_patches
        print(",".join(rasa_runtime.prepare(["run", "--model", "m.tar.gz", "--endpoints", {str(endpoints)!r}])))
        import rasa.core.actions.action as a
        print(a.DEFAULT_REQUEST_TIMEOUT, a.RemoteAction._validate_action_result is rasa_patches._validate_action_result)
    """)
    assert server.returncode == 0, server.stderr[-2000:]
    assert server.stdout.split() == ["tensorflow,validator,events,timeout,tracker,states,copy,rule_log,rule_window,runner",
                                     "4.0", "True"]
    actions = run_python("""
        from bot import rasa_runtime, rasa_patches
        print(rasa_runtime.prepare(["run", "actions", "--actions", "actions"]), rasa_patches.installed())
    """)
    assert actions.returncode == 0 and actions.stdout.split() == ["()", "None"], actions.stderr[-2000:]
    skipped = run_python(f"""
        from bot import rasa_runtime
        installed = rasa_runtime.prepare(["run", "--endpoints={endpoints}"])
        import rasa.core.actions.action as a
        print(installed, a.DEFAULT_REQUEST_TIMEOUT)
    """, BOT_RASA_PATCHES_SKIP="validator,timeout")
    assert skipped.stdout.split() == ["('tensorflow',", "'events',", "'tracker',", "'states',", "'copy',", "'rule_log',", "'rule_window',", "'runner')",
                                      "300"], skipped.stderr[-2000:]


def test_an_unknown_patch_name_to_skip_is_refused() -> None:
    result = run_python("from bot import rasa_patches; rasa_patches.install()", BOT_RASA_PATCHES_SKIP="session")
    assert result.returncode != 0 and "unknown Rasa patch(es) to skip: session" in result.stderr


def test_the_entry_point_runs_rasas_command_line() -> None:
    result = subprocess.run([sys.executable, "-m", "bot.rasa_runtime", "--version"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                                                         "RASA_TELEMETRY_ENABLED": "false", "HOME": str(Path.home())})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Rasa Version      :         3.6.21" in result.stdout


def test_endpoints_json_is_unchanged_by_the_timeout_change() -> None:
    """The endpoint keeps Rasa's own request method: nothing in the process replaced it."""
    from rasa.utils.endpoints import EndpointConfig

    assert EndpointConfig.request.__module__ == "rasa.utils.endpoints"
    assert json.dumps(EndpointConfig(url="http://x", timeout=3).kwargs) == '{"timeout": 3}'
