#!/usr/bin/env bash
# `npm start`: installs what is missing (a cheap check first), builds the services, brings the local
# stack up and waits until every component is healthy. Stop it with `npm stop`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
STARTED_S=$SECONDS

if ! bash scripts/install-dependencies.sh --check >/dev/null 2>&1; then
  bash scripts/install-dependencies.sh
fi
echo "[start] building the services (npm run build)"
npm run --silent build
echo "[start] build done in $((SECONDS - STARTED_S)) s"
exec node_modules/.bin/tsx scripts/stack.ts up "$@"
