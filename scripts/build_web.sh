#!/usr/bin/env bash
# Bundle the web chat (web/src + npm packages -> web/dist) when its sources changed. Every asset is
# served by the project itself: nothing is loaded from a CDN at run time.
source "$(dirname "$0")/env.sh"
cd web
newest_source="$(find src package.json package-lock.json -type f -printf '%T@\n' | sort -n | tail -1)"
built="$(stat -c %Y dist/widget.js 2>/dev/null || echo 0)"
if [ -f dist/widget.js ] && [ "${built%.*}" -ge "${newest_source%.*}" ]; then exit 0; fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is needed to bundle the web chat (Node.js 18 or newer); the REST channel works without it." >&2
  exit 1
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  echo "==> installing the web chat's npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "==> bundling the web chat"
npm run --silent build
