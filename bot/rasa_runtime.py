"""The project's Rasa entry point: `python -m bot.rasa_runtime <rasa arguments>`, used by
scripts/run.sh, the tests and the benchmark instead of the `rasa` command.

    python -m bot.rasa_runtime run --model models/assistant.tar.gz --endpoints endpoints.yml ...
    python -m bot.rasa_runtime run actions --actions actions --port 5055

Before handing over to Rasa's own command line (same arguments, same behaviour) it prepares the
process in one explicit place, rather than as a side effect of Rasa importing a channel:

- files it creates are readable by the owner only (umask 077; `var/` 0700, its files 0600);
- personal data is removed from every log line, exception text and traceback (`bot.logs`);
- for the action server (`run actions`): TensorFlow, JAX and PyTorch are left out (`bot.frameworks`;
  the Rasa server leaves them out through its `tensorflow` patch);
- for the Rasa server (`run` without `actions`): the changes of `bot.rasa_patches`, after checking
  that the installed Rasa is one they were written for, with the action endpoint's `timeout` read
  from the endpoints file; and the knowledge the channels' apology names the official website from
  (loaded now, not during the incident that makes the first apology).

Started with plain `rasa run`, the assistant still works, without these: Rasa's five-minute action
timeout, slower validation, and log lines that are not redacted.
"""

from __future__ import annotations

import sys
from typing import Optional, Sequence

DEFAULT_ENDPOINTS = "endpoints.yml"


def _option(argv: Sequence[str], name: str) -> Optional[str]:
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _words(argv: Sequence[str]) -> list[str]:
    return [a for a in argv if not a.startswith("-")]


def is_rasa_server(argv: Sequence[str]) -> bool:
    """`run` (the Rasa server), not `run actions` (the action server) or another command."""
    return _words(argv)[:1] == ["run"] and not is_action_server(argv)


def is_action_server(argv: Sequence[str]) -> bool:
    """`run actions`."""
    return _words(argv)[:2] == ["run", "actions"]


def prepare(argv: Sequence[str]) -> tuple[str, ...]:
    """Everything done before Rasa starts; returns the names of the Rasa patches installed."""
    from bot import logs

    logs.private_files()
    logs.install()
    if is_action_server(argv):
        from bot import frameworks

        frameworks.leave_out()  # the action server uses no TensorFlow, JAX or PyTorch
    if not is_rasa_server(argv):
        return ()
    from bot import rasa_patches

    endpoints = _option(argv, "--endpoints") or DEFAULT_ENDPOINTS
    installed = rasa_patches.install(action_timeout=rasa_patches.action_timeout_of(endpoints))
    from bot.channels import apology

    apology.preload()
    return installed


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    prepare(args)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *args]
    rasa_main()


if __name__ == "__main__":
    main()
