"""Changes to Rasa 3.6.21, installed by `bot.rasa_runtime` (the project's Rasa entry point) and
nowhere else. Each was measured with a profiler under load (bench/RESULTS.md has the figures) or fixes
a fault; each has a contract test against the installed Rasa (tests/test_rasa_patches.py):

- `validator`: the action server's response is checked against Rasa's schema with a validator built
  once, not with `jsonschema.validate`, which checks the schema itself again on every call: measured
  here, that was half of the Rasa server's time per message;
- `events`: an event's class is looked up by its type name from a table built once, instead of walking
  every subclass of Event for each stored event read back from the tracker store;
- `timeout`: the action endpoint's own `timeout` (endpoints.yml, in seconds) instead of Rasa's fixed
  five minutes (`DEFAULT_REQUEST_TIMEOUT`, which `RemoteAction.run` reads from its module at each
  call; Rasa 3.6.21 ignores the endpoint's `timeout`), so a slow or stuck action server makes the user
  wait seconds, not minutes, before the channel apologises. Rasa's own request method is kept: one
  call per action, never sent twice;
- `tracker`: the action server is sent the tracker's state (slots, latest message, paused, follow-up
  action, active loop, latest action, latest input channel) with only the events of the current turn
  (from the latest user message on) instead of every event of the session, serialised again on every
  action call: what the actions read (`ACTIONS_READ`, checked against actions/ by the contract
  test) is all there, and a turn no longer costs more the longer the conversation;
- `states`: `DialogueStateTracker.applied_events` and `Domain.states_for_tracker_history` (the
  states RulePolicy matches its rules against, built for every prediction by replaying every event
  of the session) continue from where they stopped for the same tracker object when it only grew
  since (the tracker store keeps trackers between turns), instead of starting over: the same answer,
  checked against Rasa's own on every step of generated conversations by the contract test;
- `copy`: `DialogueStateTracker.copy` (Rasa copies the tracker before every action it runs, twice a
  turn here) builds the copy from the tracker's state instead of replaying every event of the
  session into a new tracker: the same tracker, attribute by attribute, checked against Rasa's copy
  on every step of generated conversations by the contract test;
- `rule_log`: RulePolicy formats every state of the session into text for one debug log line on
  every prediction, whether debug logging is on or not; it is formatted only when that line will be
  written (the same line with debug logging on);
- `tensorflow`: the Rasa server runs without TensorFlow (about 300 MB and seconds of start-up), which
  this assistant's pipeline and policies never use (config.yml: no DIET, no TED): Rasa 3.6.21 imports
  it through five modules (`TENSORFLOW_MODULES`): the training callbacks and data generators, which
  its core imports through `rasa.utils.train_utils`, and DIET, the response selector and TED, which
  the training schema's validator imports when a model is loaded. They are replaced by placeholders
  that can be named but refuse to be created or loaded; TensorFlow, JAX and PyTorch are then left out
  of the process (`bot.frameworks`). Training keeps TensorFlow; a model whose pipeline needs it fails
  at start-up, saying to keep it with BOT_RASA_PATCHES_SKIP=tensorflow;
- `rule_window`: RulePolicy reads every state of the session on every prediction, although a rule
  can only match its last few (the longest rule's length): from the longest rule's length on, every
  rule still possible stays possible, and states further back change nothing it decides. It is
  handed the last (longest rule + 2) states, copied from the `states` change's memory, instead of
  copies of all of them, so a turn no longer costs more the longer the session (not with debug
  logging on for RulePolicy, whose debug line shows every state); checked against Rasa's prediction
  on every step of long generated conversations by the contract test;
- `runner`: the model's graph (three runs a turn: the NLU pipeline, then the policies before each
  action) is run by calling its nodes in dependency order, as `dask.get` does, without building a
  dask graph, working out the nodes the targets need and formatting the whole tracker into a debug
  line on every run (the order is worked out once per set of targets; the debug line is written
  when debug logging is on): the same outputs, checked against Rasa's runner by the contract test.

They were written for the Rasa versions in `SUPPORTED_RASA`; on another version `install` refuses
with a message saying what to check, unless BOT_RASA_PATCHES_ANY_VERSION=1.
"""

from __future__ import annotations

import contextvars
import inspect
import itertools
import logging
import operator
import os
import weakref
from typing import Any, Iterable, Optional, Text

logger = logging.getLogger(__name__)

#: The Rasa versions these changes were written for and tested against.
SUPPORTED_RASA = ("3.6.21",)
#: The changes by name, so the benchmark can measure Rasa without one of them
#: (BOT_RASA_PATCHES_SKIP=validator,events); production installs all.
PATCHES = ("tensorflow", "validator", "events", "timeout", "tracker", "states", "copy", "rule_log", "rule_window",
           "runner")
#: What the actions (actions/) read of rasa_sdk's Tracker: the `tracker` change sends everything
#: these need (tests/test_rasa_patches.py checks actions/ reads nothing else).
ACTIONS_READ = frozenset({"latest_message", "get_slot", "sender_id", "get_latest_input_channel"})

_installed: Optional[tuple[str, ...]] = None


class UnsupportedRasa(RuntimeError):
    """The installed Rasa is not one the patches were written for, or lacks what they replace."""


def check_rasa_version(version: Optional[str] = None) -> None:
    """Refuse a Rasa version the patches were not written for (unless explicitly overridden)."""
    if version is None:
        import rasa

        version = rasa.__version__
    if version in SUPPORTED_RASA or os.environ.get("BOT_RASA_PATCHES_ANY_VERSION") == "1":
        return
    raise UnsupportedRasa(
        f"bot.rasa_patches was written for Rasa {', '.join(SUPPORTED_RASA)}, not {version}. Check each change "
        "in bot/rasa_patches.py against this Rasa (run tests/test_rasa_patches.py), add the version to "
        "SUPPORTED_RASA, or start with BOT_RASA_PATCHES_ANY_VERSION=1 to install them anyway, or with "
        "BOT_RASA_PATCHES_SKIP=tensorflow,validator,events,timeout,tracker,states,copy,rule_log,rule_window,runner to "
        "run without them."
    )


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise UnsupportedRasa(f"bot.rasa_patches: {what} (the installed Rasa changed; see tests/test_rasa_patches.py)")


# ----------------------------------------------------------------------------------- validator


def _validate_action_result(self: Any, result: Any) -> bool:
    """Rasa's check of an action server response, with the validator built once."""
    from jsonschema import ValidationError

    try:
        _response_validator(type(self)).validate(result)
        return True
    except ValidationError as error:
        error.message += ". Failed to validate Action server response from API."
        raise error


_validators: dict = {}


def _response_validator(action_class: Any) -> Any:
    validator = _validators.get(action_class)
    if validator is None:
        from jsonschema.validators import validator_for

        schema = action_class.action_response_format_spec()
        validator = validator_for(schema)(schema)
        _validators[action_class] = validator
    return validator


def _install_validator() -> None:
    from rasa.core.actions.action import RemoteAction

    original = getattr(RemoteAction, "_validate_action_result", None)
    _require(original is not None, "RemoteAction._validate_action_result is gone")
    _require(list(inspect.signature(original).parameters) == ["self", "result"],
             "RemoteAction._validate_action_result(self, result) changed its signature")
    _require(callable(getattr(RemoteAction, "action_response_format_spec", None)),
             "RemoteAction.action_response_format_spec is gone")
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


# -------------------------------------------------------------------------------------- events


def event_lookup(original: Any) -> Any:
    """`Event.resolve_by_type` from a table of type names built once (`original` answers the rest)."""
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    table: dict = {}

    def resolve_by_type(type_name: Text, default: Any = None) -> Any:
        if not table:
            for cls in all_subclasses(Event):
                table.setdefault(cls.type_name, cls)
        found = table.get(type_name)
        if found is not None:
            return found
        table.clear()  # a class defined since: rebuild once, then Rasa's own answer
        return original(type_name, default)

    return resolve_by_type


def _install_event_lookup() -> None:
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    _require(list(inspect.signature(original).parameters) == ["type_name", "default"],
             "Event.resolve_by_type(type_name, default) changed its signature")
    Event.resolve_by_type = staticmethod(event_lookup(original))  # type: ignore[assignment]


# ------------------------------------------------------------------------------------- timeout


def _install_action_timeout(seconds: Optional[float]) -> None:
    """Rasa's `RemoteAction.run` passes the module's DEFAULT_REQUEST_TIMEOUT to the endpoint's
    request on every call: set it to the endpoint's own timeout."""
    import rasa.core.actions.action as action_module

    _require(hasattr(action_module, "DEFAULT_REQUEST_TIMEOUT"),
             "rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT is gone")
    _require("DEFAULT_REQUEST_TIMEOUT" in action_module.RemoteAction.run.__code__.co_names,
             "RemoteAction.run no longer reads DEFAULT_REQUEST_TIMEOUT")
    if seconds is None:
        return
    if not seconds > 0:
        raise ValueError(f"the action endpoint's timeout must be a positive number of seconds, not {seconds!r}")
    action_module.DEFAULT_REQUEST_TIMEOUT = float(seconds)  # type: ignore[attr-defined]


def action_timeout_of(endpoints_file: Optional[str]) -> Optional[float]:
    """The `timeout` (seconds) of the action endpoint in an endpoints file, if one is set."""
    if not endpoints_file or not os.path.isfile(endpoints_file):
        return None
    from rasa.utils.endpoints import read_endpoint_config

    endpoint = read_endpoint_config(endpoints_file, "action_endpoint")
    timeout = endpoint.kwargs.get("timeout") if endpoint is not None else None
    if timeout is None:
        return None
    try:
        return float(timeout)
    except (TypeError, ValueError):
        raise ValueError(f"{endpoints_file}: action_endpoint.timeout must be a number of seconds, not {timeout!r}") from None


# ------------------------------------------------------------------------------------- tracker


def current_turn_events(tracker: Any) -> list:
    """The tracker's events from its latest user message on (all of them if it has none)."""
    from rasa.shared.core.events import UserUttered

    events = tracker.events
    taken: list = []
    for event in reversed(events):
        taken.append(event)
        if isinstance(event, UserUttered):
            taken.reverse()
            return taken
    return list(events)


def action_call_format(self: Any, tracker: Any, domain: Any) -> dict:
    """`RemoteAction._action_call_format` with the current turn's events only (Rasa sends all)."""
    import rasa
    from rasa.shared.core.trackers import EventVerbosity

    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [event.as_dict() for event in current_turn_events(tracker)]
    result = {"next_action": self._name, "sender_id": tracker.sender_id, "tracker": state, "version": rasa.__version__}
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
        result["domain"] = domain.as_dict()
    return result


def _install_action_call_format() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.trackers import DialogueStateTracker

    original = getattr(RemoteAction, "_action_call_format", None)
    _require(original is not None, "RemoteAction._action_call_format is gone")
    _require(list(inspect.signature(original).parameters) == ["self", "tracker", "domain"],
             "RemoteAction._action_call_format(self, tracker, domain) changed its signature")
    _require("current_state" in original.__code__.co_names and "_is_selective_domain_enabled" in original.__code__.co_names,
             "RemoteAction._action_call_format no longer builds the call from current_state")
    _require(callable(getattr(DialogueStateTracker, "current_state", None)), "DialogueStateTracker.current_state is gone")
    RemoteAction._action_call_format = action_call_format  # type: ignore[method-assign]


# -------------------------------------------------------------------------------------- states

#: Rasa 3.6.21's code that `states` continues incrementally (sha256 of `inspect.getsource`): the
#: copies below are of exactly this code; another version is refused.
STATES_SOURCES = {
    "DialogueStateTracker.applied_events": "764d5065ea9997d613c1984d9357370f9ae32d31ca21346086f16c54f0487aae",
    "Domain.states_for_tracker_history": "035111ce73ac90ba50e143abf556f924af07d9f452893f5a96a62895d44df8b7",
}

_memos: dict = {}
#: Set by `rule_window` while RulePolicy builds its prediction states: how many of the last states
#: it needs (None: all).
_rule_window: "contextvars.ContextVar[Optional[int]]" = contextvars.ContextVar("bot_rule_window", default=None)


def _memo_of(tracker: Any) -> Optional[dict]:
    """Per-tracker-object memory (dropped with the tracker), or None for trackers not to memoise
    (training trackers, rule trackers, trackers with a bounded event history)."""
    from rasa.shared.core.trackers import DialogueStateTracker

    if type(tracker) is not DialogueStateTracker or tracker._max_event_history is not None or tracker.is_rule_tracker:
        return None
    key = id(tracker)
    entry = _memos.get(key)
    if entry is not None and entry[0]() is tracker:
        return entry[1]
    memo: dict = {}
    _memos[key] = (weakref.ref(tracker, lambda _ref, key=key: _memos.pop(key, None)), memo)
    return memo


def _fold_applied(tracker: Any, events: Iterable, applied: list, loop_names: Any) -> None:
    """The loop of Rasa 3.6.21's `DialogueStateTracker.applied_events`, over `events`, into `applied`."""
    from rasa.shared.core.events import (ActionExecuted, ActionReverted, Restarted, SessionStarted,
                                         UserUtteranceReverted, UserUttered)

    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied.clear()
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in loop_names
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)


def incremental_applied_events(original: Any) -> Any:
    def applied_events(self: Any) -> list:
        memo = _memo_of(self)
        if memo is None:
            return original(self)
        from rasa.shared.core.events import ActiveLoop

        events = self.events
        count = len(events)
        known = memo.get("applied")
        if known is not None:
            known_count, last, loop_names, applied = known
            if count >= known_count and (known_count == 0 or events[known_count - 1] is last):
                new = list(itertools.islice(events, known_count, None))
                if not any(isinstance(e, ActiveLoop) and e.name and e.name not in loop_names for e in new):
                    applied = list(applied)
                    _fold_applied(self, new, applied, loop_names)
                    memo["applied"] = (count, events[-1] if count else None, loop_names, applied)
                    return list(applied)
        loop_names = frozenset(e.name for e in events if isinstance(e, ActiveLoop) and e.name)
        applied = []
        _fold_applied(self, list(events), applied, loop_names)
        memo["applied"] = (count, events[-1] if count else None, loop_names, applied)
        return list(applied)

    return applied_events


def _state_step(domain: Any, run: dict, tr: Any, hide_rule_turn: bool, omit_unset_slots: bool,
                ignore_rule_only_turns: bool, rule_only_data: Any) -> None:
    """One step of the loop of Rasa 3.6.21's `Domain.states_for_tracker_history` (`run` holds its
    variables: states, last_ml_action_sub_state, turn_was_hidden)."""
    import rasa.shared.core.constants as c

    states = run["states"]
    if ignore_rule_only_turns:
        if not run["turn_was_hidden"]:
            run["last_ml_action_sub_state"] = domain._get_prev_action_sub_state(tr)
        if not tr.followup_action and not tr.latest_action_name == tr.active_loop_name:
            run["turn_was_hidden"] = hide_rule_turn
        if run["turn_was_hidden"]:
            return
    state = domain.get_active_state(tr, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if states:
            domain._substitute_rule_only_user_input(state, states[-1])
        if run["last_ml_action_sub_state"]:
            state[c.PREVIOUS_ACTION] = run["last_ml_action_sub_state"]
    states.append(domain._clean_state(state))


def _copy_state(state: dict) -> dict:
    return {key: (dict(value) if isinstance(value, dict) else value) for key, value in state.items()}


def incremental_states(original: Any) -> Any:
    def states_for_tracker_history(self: Any, tracker: Any, omit_unset_slots: bool = False,
                                   ignore_rule_only_turns: bool = False, rule_only_data: Any = None) -> list:
        memo = _memo_of(tracker)
        if memo is None:
            return original(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        import copy
        import json

        from rasa.shared.core.events import ActionExecuted

        try:
            data_key = json.dumps(rule_only_data, sort_keys=True, default=str)
        except (TypeError, ValueError):
            return original(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        key = (id(self), bool(omit_unset_slots), bool(ignore_rule_only_turns), data_key)
        runs = memo.setdefault("states", {})
        applied = tracker.applied_events()
        run = runs.get(key)
        if run is not None:
            done = run["applied"]
            if (run["domain"]() is not self or len(applied) < len(done)
                    or not all(map(operator.is_, applied, done))):
                run = None
        if run is None:
            run = {"domain": weakref.ref(self), "applied": [], "replay": tracker.init_copy(), "states": [],
                   "last_ml_action_sub_state": None, "turn_was_hidden": False}
            runs[key] = run
        replay = run["replay"]
        for event in applied[len(run["applied"]):]:
            if isinstance(event, ActionExecuted):
                _state_step(self, run, replay, event.hide_rule_turn, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
            replay.update(event)
        run["applied"] = applied
        # The last step (the state after every event) on a copy: the next call continues before it.
        # Only the last states when RulePolicy asks for its window (`rule_window`).
        window = _rule_window.get()
        states = run["states"][-window:] if window else run["states"]
        last = {**run, "states": [_copy_state(s) for s in states],
                "last_ml_action_sub_state": copy.copy(run["last_ml_action_sub_state"])}
        _state_step(self, last, replay, False, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        return last["states"]

    return states_for_tracker_history


def _source_hash(function: Any) -> str:
    import hashlib

    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def changed_sources(sources: dict, *classes: type) -> list:
    """The names ("Class.method") of `sources` whose source in the installed Rasa is not the one
    recorded (sha256 of `inspect.getsource`); `classes` are the classes the names refer to."""
    by_name = {cls.__name__: cls for cls in classes}
    changed = []
    for name, digest in sources.items():
        owner, attribute = name.split(".")
        if _source_hash(getattr(by_name[owner], attribute)) != digest:
            changed.append(name)
    return changed


def _require_sources(sources: dict, *classes: type) -> None:
    changed = changed_sources(sources, *classes)
    _require(not changed, f"{', '.join(changed)} not Rasa 3.6.21's")


def _install_states() -> None:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    _require_sources(STATES_SOURCES, DialogueStateTracker, Domain)
    applied = DialogueStateTracker.applied_events
    history = Domain.states_for_tracker_history
    DialogueStateTracker.applied_events = incremental_applied_events(applied)  # type: ignore[method-assign]
    Domain.states_for_tracker_history = incremental_states(history)  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------- copy

#: Rasa 3.6.21's code whose result `copy` builds without replaying (sha256 of `inspect.getsource`).
COPY_SOURCES = {
    "DialogueStateTracker.copy": "dfa48dca9f355ad1b42c625bc6f6370bafe83514ed17a77904ed64c67bf07285",
    "DialogueStateTracker.travel_back_in_time": "09d16f28f007492f653b504cf2b6064dc453444c524799378609a85b04efd632",
    "DialogueStateTracker.init_copy": "429fcd2243b9e0e1a6e8ffc3057a4f2fb4ecbb677055c644129bc65b6cd32b75",
    "DialogueStateTracker.__init__": "8f39eb22462aa62b140d9da1f6db986cbc76383d8f7cc4e3dc7664fa7d84cb2d",
    "DialogueStateTracker._reset": "190858eaf560a0c0a86f45dca86498f8a9fada57ddb6c7dd1e68648c9779e103",
    "DialogueStateTracker.update": "b55e6b1c724fa6e916399f81ea51dd5600ad6702f0b172923a83ca84bc23c668",
}

def state_copy(original: Any) -> Any:
    def copy(self: Any) -> Any:
        """The tracker `travel_back_in_time(inf)` rebuilds by replaying every event, built from the
        tracker's own state instead: its events (the same objects, a new deque), its slots (copied,
        with their values and whether they were set), the replayed attributes (the loop and latest
        action dictionaries copied, since Rasa changes them in place)."""
        import copy as copying
        from rasa.shared.core.trackers import DialogueStateTracker

        infinity = float("inf")
        # Rasa's replay stops at the first event not before infinity (a NaN timestamp): that case
        # is left to it, so the copy is always the one Rasa would build.
        if type(self) is not DialogueStateTracker or not all(e.timestamp <= infinity for e in self.events):
            return original(self)
        tracker = self.init_copy()
        tracker.events = tracker._create_events(list(self.events))
        tracker.slots = {name: copying.copy(slot) for name, slot in self.slots.items()}
        tracker._paused = self._paused
        tracker.followup_action = self.followup_action
        tracker.latest_action = copying.copy(self.latest_action)
        tracker.latest_message = self.latest_message
        tracker.latest_bot_utterance = self.latest_bot_utterance
        tracker.active_loop = copying.copy(self.active_loop)
        return tracker

    return copy


def _install_copy() -> None:
    from rasa.shared.core.trackers import DialogueStateTracker

    _require_sources(COPY_SOURCES, DialogueStateTracker)
    DialogueStateTracker.copy = state_copy(DialogueStateTracker.copy)  # type: ignore[method-assign]


# ------------------------------------------------------------------------------------ rule_log

#: Rasa 3.6.21's code the `rule_log` change relies on: `format_tracker_states` is called once, for
#: the debug line of `_find_action_from_rules` (sha256 of `inspect.getsource`).
RULE_LOG_SOURCES = {
    "RulePolicy._find_action_from_rules": "be6da6ee0f5429bd9bbded9f22186f3729469e5b392949493fd34a00ef9531d9",
    "Policy.format_tracker_states": "32b101cb34fd1c32fd17557044632ecbe9cb5638e605ca81864ddcb6b469a22a",
}
#: The logger RulePolicy's structlog debug line goes through (structlog's stdlib level filter).
RULE_POLICY_LOGGER = "rasa.core.policies.rule_policy"
#: What the debug line gets instead of the states while debug logging is off (never written).
STATES_NOT_FORMATTED = "(not formatted: debug logging is off)"


def lazy_state_format(original: Any) -> Any:
    def format_tracker_states(states: list) -> str:
        """Rasa's text of every state for the debug line, only when that line will be written."""
        if logging.getLogger(RULE_POLICY_LOGGER).isEnabledFor(logging.DEBUG):
            return original(states)
        return STATES_NOT_FORMATTED

    return format_tracker_states


def _install_rule_log() -> None:
    from rasa.core.policies.policy import Policy
    from rasa.core.policies.rule_policy import RulePolicy

    _require_sources(RULE_LOG_SOURCES, RulePolicy, Policy)
    RulePolicy.format_tracker_states = staticmethod(lazy_state_format(Policy.format_tracker_states))  # type: ignore[method-assign]


# --------------------------------------------------------------------------------- rule_window

#: Rasa 3.6.21's code whose result depends only on the last (longest rule + 1) states, as read for
#: `rule_window` (sha256 of `inspect.getsource`): RulePolicy's prediction and the featurizer's steps
#: (each changes one state at a time, or the last one).
RULE_WINDOW_SOURCES = {
    "Policy._prediction_states": "ed9b82bed2f26ad7a0de61709e02339983912bece614191089c3adba60cf1452",
    "RulePolicy.predict_action_probabilities": "301c6695cd5011b41d997d450b759927a1c8c0c510687352c3daf3eb98e616af",
    "RulePolicy._predict": "f5182d8a10639e14d2643795210767a17fc4c8b5c2852b946f41c6c9f1a8a4e0",
    "RulePolicy._find_action_from_rules": "be6da6ee0f5429bd9bbded9f22186f3729469e5b392949493fd34a00ef9531d9",
    "RulePolicy._get_possible_keys": "2915fd81711e194c6d667728e00bd0e51e9c1c2791a0be14c55f0ef9938f9936",
    "RulePolicy._is_rule_applicable": "64a108b016b46e573d6020b755a6036439dc207a364b45c9ea5dcb0f18dc7068",
    "RulePolicy._create_feature_key": "641eda8d019918ce3001989a2b64c1d32281ede2fd2f68a4e17693a3c47c4e71",
    "RulePolicy._rule_prediction": "90316ddf7eb4b3140d45f21e51ca072c212ba28329077d99cb618191456f273f",
    "MaxHistoryTrackerFeaturizer.prediction_states": "451caf09a389e8719ad4ee38eb97dfd10b4743cd3928f1f9569779394fd3462e",
    "MaxHistoryTrackerFeaturizer.slice_state_history": "f90eb9f4789d2c104d5c471557bdefdb7746cc483b43e92c5d270a50f4e4f443",
    "TrackerFeaturizer._choose_last_user_input": "0a4f5a414bf19fbbb2d8c4b0ce47e65ccdcb50bfea656b87ed4b7fa9f14a9bfa",
    "TrackerFeaturizer._remove_user_text_if_intent": "b0dc0d2430e6b41e6ff8dd5306ef06ed9a7992c707e34ef3a65f03b19102260f",
}
#: States beyond the longest rule handed to RulePolicy: one so that the key it makes of the states
#: when no rule matches is longer than any rule (it is looked up among the rules), one to spare.
RULE_WINDOW_MARGIN = 2


def rule_window_of(policy: Any) -> Optional[int]:
    """The number of last states `policy`'s rules can look at, plus the margin (None: no rules)."""
    import json

    from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH

    found = policy.__dict__.get("_bot_rule_window", False)
    if found is False:
        keys = [*policy.lookup.get(RULES, {}), *policy.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})]
        found = max((len(json.loads(key)) for key in keys), default=0) + RULE_WINDOW_MARGIN if keys else None
        policy.__dict__["_bot_rule_window"] = found
    return found


def windowed_prediction_states(original: Any) -> Any:
    def _prediction_states(self: Any, tracker: Any, domain: Any, use_text_for_last_user_input: bool = False,
                           rule_only_data: Any = None) -> list:
        """Rasa's prediction states, of which RulePolicy is given the last it can use."""
        window = None if logging.getLogger(RULE_POLICY_LOGGER).isEnabledFor(logging.DEBUG) else rule_window_of(self)
        token = _rule_window.set(window)
        try:
            return original(self, tracker, domain, use_text_for_last_user_input, rule_only_data)
        finally:
            _rule_window.reset(token)

    return _prediction_states


def _install_rule_window() -> None:
    from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer, TrackerFeaturizer
    from rasa.core.policies.policy import Policy
    from rasa.core.policies.rule_policy import RulePolicy

    _require_sources(RULE_WINDOW_SOURCES, Policy, RulePolicy, MaxHistoryTrackerFeaturizer, TrackerFeaturizer)
    _require("_prediction_states" not in RulePolicy.__dict__, "RulePolicy has its own _prediction_states")
    _require(RulePolicy.get_default_config().get("max_history") is None, "RulePolicy's featurizer keeps a bounded history")
    RulePolicy._prediction_states = windowed_prediction_states(Policy._prediction_states)  # type: ignore[method-assign]


# -------------------------------------------------------------------------------------- runner

#: Rasa 3.6.21's graph runner, whose result `runner` gives without dask (sha256 of `inspect.getsource`).
RUNNER_SOURCES = {
    "DaskGraphRunner.run": "45f0f52f574f3aa9546a552bf671183e171092c18b66e97f5771a7fa295de37e",
    "DaskGraphRunner._build_dask_graph": "5bb99f974d512a36acb61caaf77aafc851b90c04ce4d02c262f230c75086cbee",
    "DaskGraphRunner._add_inputs_to_graph": "d04a0ca2df6241c16997b89d63e2ca89cd1d43bd5f9920843a2a86cb4286ac73",
    "GraphSchema.minimal_graph_schema": "58dfb30335499fff7640e0d4ea6c0a715e23abc27e641b05636798db7bb4f9fe",
}
RUNNER_LOGGER = "rasa.engine.runner.dask"


def _run_plan(runner: Any, targets: tuple) -> Optional[tuple]:
    """The nodes the targets need, each after the nodes it needs: ((name, node, needs), ...); None
    when a target is not a node (Rasa's runner answers that case)."""
    plans = runner.__dict__.setdefault("_bot_run_plans", {})
    if targets in plans:
        return plans[targets]
    from graphlib import TopologicalSorter

    schema = runner._graph_schema.minimal_graph_schema(list(targets))
    plan: Optional[tuple] = None
    if all(target in schema.nodes for target in targets):
        order = TopologicalSorter(
            {name: [need for need in node.needs.values() if need in schema.nodes] for name, node in schema.nodes.items()}
        ).static_order()
        plan = tuple((name, runner._instantiated_nodes[name], tuple(schema.nodes[name].needs.values())) for name in order)
    plans[targets] = plan
    return plan


def sequential_run(original: Any) -> Any:
    def run(self: Any, inputs: Optional[dict] = None, targets: Optional[list] = None) -> dict:
        """Rasa's `DaskGraphRunner.run`: each node called with its needs' outputs (an input, or a
        node run before it; the name itself when neither, as dask passes it), in dependency order."""
        from rasa.engine.exceptions import GraphRunError

        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        plan = _run_plan(self, run_targets)
        if plan is None or (inputs and any(name in inputs for name, _, _ in plan)):
            return original(self, inputs, targets)  # a target or an input that is not what Rasa runs here
        results: dict = {}
        if inputs:
            graph = dict.fromkeys(name for name, _, _ in plan)
            self._add_inputs_to_graph(inputs, graph)  # Rasa's own check of input names
            results = {name: graph[name] for name in inputs}
        if logging.getLogger(RUNNER_LOGGER).isEnabledFor(logging.DEBUG):
            logging.getLogger(RUNNER_LOGGER).debug(
                f"Running graph with inputs: {inputs}, targets: {targets} and {self._execution_context}.")
        try:
            for name, node, needs in plan:
                results[name] = node(*(results.get(need, need) for need in needs))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        return dict(results[target] for target in run_targets)

    return run


def _install_runner() -> None:
    from rasa.engine.graph import GraphSchema
    from rasa.engine.runner.dask import DaskGraphRunner

    _require_sources(RUNNER_SOURCES, DaskGraphRunner, GraphSchema)
    DaskGraphRunner.run = sequential_run(DaskGraphRunner.run)  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------- tensorflow

#: The Rasa 3.6.21 modules that import TensorFlow and that the Rasa server imports whatever the
#: model: the names other Rasa modules import from them, and their sources (sha256 of the file). The
#: training callbacks and data generators come through `rasa.utils.train_utils` (imported by Rasa's
#: core); DIET, the response selector and TED through the training schema's validator, which the
#: model's metadata names and Rasa imports when it loads the model (it never runs in the server).
TENSORFLOW_MODULES = {
    "rasa.utils.tensorflow.callback": (
        ("RasaTrainingLogger", "RasaModelCheckpoint"),
        "745cf6fe393d9fcb354869eb639e2bf7e34a178b7e3301c1a3e036540b6ada7e"),
    "rasa.utils.tensorflow.data_generator": (
        ("RasaDataGenerator", "RasaBatchDataGenerator"),
        "9d766a17c1ef507e8223a9f8436bd7ff6d2517055d5e66f59f92f76448268fd5"),
    "rasa.nlu.classifiers.diet_classifier": (
        ("DIETClassifier",),
        "ca5e35c7a0305dc8720ce252f6eb1599173493c26f549a3e8de673a7b4ff5556"),
    "rasa.nlu.selectors.response_selector": (
        ("ResponseSelector",),
        "590eaebc094689022eef45d68a43886e0c02089a7cfb460a8fa0f7ece9ba1f59"),
    "rasa.core.policies.ted_policy": (
        ("TEDPolicy",),
        "fcb8b8dcd4be88253245f32dc3c39a2bd95110fd1876897ee7da539aee886396"),
}
TENSORFLOW_LEFT_OUT = (
    "TensorFlow is left out of the Rasa server (bot.rasa_patches, change 'tensorflow'), and with it "
    "{name}. A model whose pipeline or policies need TensorFlow runs with BOT_RASA_PATCHES_SKIP=tensorflow."
)


def _placeholder(name: str) -> type:
    """A class standing for one that needs TensorFlow: it can be named (Rasa's training-schema
    validator compares classes with it), not created, loaded or trained."""
    message = TENSORFLOW_LEFT_OUT.format(name=name)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError(message)

    return type(name, (), {"__init__": refuse, "create": classmethod(refuse), "load": classmethod(refuse),
                           "__doc__": message})


def _file_hash(module_name: str) -> Optional[str]:
    import hashlib
    import importlib.util

    spec = importlib.util.find_spec(module_name)
    if spec is None or not spec.origin or not os.path.isfile(spec.origin):
        return None
    with open(spec.origin, "rb") as source:
        return hashlib.sha256(source.read()).hexdigest()


def _install_without_tensorflow() -> None:
    import sys
    import types

    from bot import frameworks

    if any(sys.modules.get(name) for name in (*TENSORFLOW_MODULES, "tensorflow")):
        raise RuntimeError("bot.rasa_patches: TensorFlow is imported already: the 'tensorflow' change is installed "
                           "before Rasa's core is imported (bot.rasa_runtime does it first thing)")
    for module_name, (names, digest) in TENSORFLOW_MODULES.items():
        _require(_file_hash(module_name) == digest, f"{module_name} is not Rasa 3.6.21's")
    import importlib

    for module_name, (names, _) in TENSORFLOW_MODULES.items():
        parent, _, child = module_name.rpartition(".")
        module = types.ModuleType(module_name, TENSORFLOW_LEFT_OUT.format(name=module_name))
        for name in names:
            setattr(module, name, _placeholder(name))
        sys.modules[module_name] = module
        setattr(importlib.import_module(parent), child, module)  # packages without TensorFlow
    frameworks.leave_out()


# ------------------------------------------------------------------------------------- install


def _skipped_from_env() -> set:
    return {name.strip() for name in os.environ.get("BOT_RASA_PATCHES_SKIP", "").split(",") if name.strip()}


def install(skip: Optional[Iterable[str]] = None, action_timeout: Optional[float] = None) -> tuple[str, ...]:
    """Install the changes once per process (after checking the Rasa version); returns their names.

    `skip` defaults to BOT_RASA_PATCHES_SKIP; `action_timeout` is the action endpoint's timeout in
    seconds (None keeps Rasa's five minutes).
    """
    global _installed
    if _installed is not None:
        return _installed
    skipped = set(_skipped_from_env() if skip is None else skip)
    unknown = skipped - set(PATCHES)
    if unknown:
        raise ValueError(f"unknown Rasa patch(es) to skip: {', '.join(sorted(unknown))} (known: {', '.join(PATCHES)})")
    installed = tuple(name for name in PATCHES if name not in skipped)
    if installed:
        check_rasa_version()
    if "tensorflow" in installed:
        _install_without_tensorflow()
    if "validator" in installed:
        _install_validator()
    if "events" in installed:
        _install_event_lookup()
    if "timeout" in installed:
        _install_action_timeout(action_timeout)
    if "tracker" in installed:
        _install_action_call_format()
    if "states" in installed:
        _install_states()
    if "copy" in installed:
        _install_copy()
    if "rule_log" in installed:
        _install_rule_log()
    if "rule_window" in installed:
        _install_rule_window()  # narrows what `states` hands out: without it, changes nothing
    if "runner" in installed:
        _install_runner()
    _installed = installed
    logger.info("rasa_patches.installed: %s (action timeout %s)", ", ".join(installed) or "none",
                f"{action_timeout:g} s" if action_timeout and "timeout" in installed else "Rasa's default")
    return installed


def installed() -> Optional[tuple[str, ...]]:
    """The names of the installed changes, or None when `install` was not called in this process."""
    return _installed
