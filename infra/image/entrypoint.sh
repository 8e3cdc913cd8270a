#!/bin/sh
# The one Titan image: the first argument selects the service (brain, execution, console, scavenger,
# ai-quant); the compiled service runs as PID 1's only child-free process via exec, so signals reach it.
set -eu
service="${1:-}"
case "$service" in
  brain|execution|console|scavenger|ai-quant) ;;
  *)
    echo "usage: <image> brain|execution|console|scavenger|ai-quant (got '${service}')" >&2
    exit 64
    ;;
esac
shift
exec node "/app/dist/services/${service}/main.js" "$@"
