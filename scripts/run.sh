#!/usr/bin/env bash
# Run the assistant: action server on loopback, Rasa server (REST, web chat socket.io, Telegram),
# and the web chat page.
source "$(dirname "$0")/env.sh"
scripts/build.sh
# Logs, conversations and tokens are for the owner's eyes only: every file created from here on is
# 0600 (folders 0700), and what var/ already holds is made so.
umask 077
mkdir -p var
chmod -R go-rwx var
MODEL="${MODEL:-models/assistant.tar.gz}"
# No start without a readable model: the server would answer everything with the fallback.
"$PY" -m bot.tools.preflight "$MODEL" || exit 1
RASA_PORT="${RASA_PORT:-5005}"
ACTION_PORT="${ACTION_PORT:-5055}"
WEB_PORT="${WEB_PORT:-8080}"
STAFF_PORT="${STAFF_PORT:-8081}"
BIND="${BIND:-127.0.0.1}"
export ASSISTANT_SOCKET_URL="${ASSISTANT_SOCKET_URL:-http://$BIND:$RASA_PORT}"
export SOCKETIO_ALLOWED_ORIGINS="${SOCKETIO_ALLOWED_ORIGINS:-http://$BIND:$WEB_PORT,http://localhost:$WEB_PORT}"
# The staff page hands staff replies to the Rasa server (hand-over to helpline staff).
export HANDOVER_DELIVERY_URL="${HANDOVER_DELIVERY_URL:-http://$BIND:$RASA_PORT}"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

# The action server listens on loopback only: only the Rasa server calls it.
"$PY" -m bot.rasa_runtime run actions --actions actions --port "$ACTION_PORT" --cors "" \
  > var/actions.log 2>&1 &
pids+=($!)
"$PY" -m bot.web.chat --host "$BIND" --port "$WEB_PORT" > var/web.log 2>&1 &
pids+=($!)
"$PY" -m bot.web.staff --host "$BIND" --port "$STAFF_PORT" > var/staff.log 2>&1 &
pids+=($!)

cat <<MSG

The assistant is starting (about 20 seconds). Then:
  - web chat:        http://$BIND:$WEB_PORT/
  - terminal chat:   make chat          (in another terminal)
  - staff page:      http://$BIND:$STAFF_PORT/   (token: \$STAFF_TOKEN, or the file var/staff_token;
                     the inbox of users waiting for a person: http://$BIND:$STAFF_PORT/inbox)
  - REST:            curl -s http://$BIND:$RASA_PORT/webhooks/rest/webhook \\
                       -H 'Content-Type: application/json' \\
                       -d '{"sender": "me", "message": "Скільки триває тимчасовий захист?"}'
  - Telegram:        see README, "Telegram"
Logs: var/rasa.log, var/actions.log, var/web.log, var/staff.log. Stop with Ctrl+C.

MSG
"$PY" -m bot.rasa_runtime run --model "$MODEL" --endpoints endpoints.yml --credentials credentials.yml \
  --interface "$BIND" --port "$RASA_PORT" --cors "" --log-file var/rasa.log
