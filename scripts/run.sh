#!/usr/bin/env bash
# Run the assistant: action server on loopback, Rasa server with the REST channel.
source "$(dirname "$0")/env.sh"
scripts/build.sh
mkdir -p var
RASA_PORT="${RASA_PORT:-5005}"
ACTION_PORT="${ACTION_PORT:-5055}"
BIND="${BIND:-127.0.0.1}"

"$VENV/bin/rasa" run actions --actions actions --port "$ACTION_PORT" --cors "" \
  > var/actions.log 2>&1 &
actions_pid=$!
trap 'kill $actions_pid 2>/dev/null || true' EXIT INT TERM

cat <<MSG

The assistant is starting on http://$BIND:$RASA_PORT (this takes about 20 seconds).
Talk to it:
  - in this terminal's sibling:   make chat            (a chat in the terminal, over REST)
  - over REST:  curl -s http://$BIND:$RASA_PORT/webhooks/rest/webhook \\
                  -H 'Content-Type: application/json' \\
                  -d '{"sender": "me", "message": "Скільки триває тимчасовий захист?"}'
Action server log: var/actions.log. Stop with Ctrl+C.

MSG
"$VENV/bin/rasa" run --model models --endpoints endpoints.yml --credentials credentials.yml \
  --interface "$BIND" --port "$RASA_PORT" --cors "" --log-file var/rasa.log
