#!/bin/sh
# The one Titan image: the first argument selects the service (brain, execution, console, scavenger,
# ai-quant) or the database provisioning job (provision-database); the compiled program replaces this
# shell via exec, so signals reach it.
set -eu
command="${1:-}"
# The long-running services get the V8 flags the local stack gives them (ecosystem.config.cjs,
# SERVICE_NODE_FLAGS: smaller semi-spaces and a slower-growing heap, a lower RSS); the nightly job and the
# Job keep V8's defaults.
node_flags=""
case "$command" in
  brain|execution|console|scavenger) program="/app/dist/services/${command}/main.js"; node_flags="--max-semi-space-size=4 --heap-growing-percent=50" ;;
  ai-quant) program="/app/dist/services/${command}/main.js" ;;
  provision-database) program="/app/dist/infra/image/provision-database.js" ;;
  *)
    echo "usage: <image> brain|execution|console|scavenger|ai-quant|provision-database (got '${command}')" >&2
    exit 64
    ;;
esac
shift
# shellcheck disable=SC2086 # node_flags is a list of flags, split on purpose
exec node $node_flags "$program" "$@"
