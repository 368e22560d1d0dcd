#!/usr/bin/env bash
# Builds the web UI (frontend/ -> frontend/dist), which `vlad up` serves at /.
# `make frontend` runs it when a source is newer than the build; nobody needs to run npm by hand.
#   scripts/build-frontend.sh         install what package-lock.json names, then build
#   scripts/build-frontend.sh --deps  install only (scripts/gen-api-types.sh needs openapi-typescript)
set -euo pipefail
cd "$(dirname "$0")/../frontend"
if ! command -v npm >/dev/null; then
  echo "Building the web UI needs Node.js 20 or newer with npm (https://nodejs.org); the API works without it." >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "Building the web UI needs Node.js 20 or newer; this is $(node --version)." >&2
  exit 1
fi
# npm ci only when the lock file changed since the last install: it empties node_modules first.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
[ "${1:-}" = "--deps" ] && exit 0
npm run build --silent
touch dist/index.html  # newer than every source: make's check for the next run
