#!/bin/sh
# The one Titan image: the first argument selects the service (brain, execution, console, scavenger,
# ai-quant) or the database provisioning job (provision-database); the compiled program replaces this
# shell via exec, so signals reach it.
set -eu
command="${1:-}"
case "$command" in
  brain|execution|console|scavenger|ai-quant) program="/app/dist/services/${command}/main.js" ;;
  provision-database) program="/app/dist/infra/image/provision-database.js" ;;
  *)
    echo "usage: <image> brain|execution|console|scavenger|ai-quant|provision-database (got '${command}')" >&2
    exit 64
    ;;
esac
shift
exec node "$program" "$@"
