#!/usr/bin/env bash
# Stops local stacks without needing this checkout's node_modules (CI runs it before installing):
# for each stack folder, `stack down` from the checkout that owns it when that checkout can run it,
# then PM2, PostgreSQL and a sweep of every process marked as a member of that stack.
#
# Usage: bash scripts/stack/stop-stacks.sh [--discover] STACK_DIR...
#   --discover  also stop every stack whose processes carry the TITAN_STACK_MEMBER marker
set -uo pipefail

DISCOVER=0
DIRS=()
for arg in "$@"; do
  case "$arg" in
    --discover) DISCOVER=1 ;;
    -h | --help) sed -n '2,8p' "$0"; exit 0 ;;
    *) DIRS+=("$(realpath -m "$arg")") ;;
  esac
done

# This script and its ancestors are never signalled, whatever their environment says.
declare -A SELF=()
pid=$$
while [ "${pid:-0}" -gt 1 ]; do
  SELF[$pid]=1
  pid=$({ awk '{print $4}' "/proc/$pid/stat"; } 2>/dev/null || echo 0)
done

marker_of() { { tr '\0' '\n' <"/proc/$1/environ"; } 2>/dev/null | sed -n 's/^TITAN_STACK_MEMBER=//p' | head -n1; }
is_zombie() { [ "$({ awk '{print $3}' "/proc/$1/stat"; } 2>/dev/null)" = "Z" ]; }

if [ "$DISCOVER" -eq 1 ]; then
  for proc in /proc/[0-9]*; do
    p=${proc#/proc/}
    [ -n "${SELF[$p]:-}" ] && continue
    m=$(marker_of "$p")
    [ -n "$m" ] && DIRS+=("$m")
  done
fi

# Processes of one stack: marked ones, plus its programs whose command line names the folder (NGINX
# clears its environment). An editor or `tail` of a log there is left alone.
stack_pids() {
  local dir=$1 proc p cmd
  for proc in /proc/[0-9]*; do
    p=${proc#/proc/}
    [ -n "${SELF[$p]:-}" ] && continue
    is_zombie "$p" && continue
    cmd=$({ tr '\0' ' ' <"$proc/cmdline"; } 2>/dev/null) || continue
    [ -z "$cmd" ] && continue
    if [ "$(marker_of "$p")" = "$dir" ]; then
      echo "$p"
    elif [[ "$cmd" == *"$dir/"* ]] && [[ "$cmd" =~ (^|/)(nginx|postgres|redis-server|prometheus[a-z-]*|node|PM2)([: ]|$) ]]; then
      echo "$p"
    fi
  done
}

stop_stack() {
  local dir=$1 checkout pids left i
  checkout=$(dirname "$dir")
  if [ -x "$checkout/node_modules/.bin/tsx" ] && [ -f "$checkout/scripts/stack.ts" ]; then
    echo "[stop-stacks] $dir: stack down"
    (cd "$checkout" && TITAN_STACK_DIR="$dir" timeout 120 node_modules/.bin/tsx scripts/stack.ts down) || echo "[stop-stacks] $dir: stack down failed; falling back"
  fi
  if [ -f "$dir/pm2/pm2.pid" ] && kill -0 "$(cat "$dir/pm2/pm2.pid")" 2>/dev/null && [ -f "$checkout/node_modules/pm2/bin/pm2" ]; then
    PM2_HOME="$dir/pm2" PM2_DISABLE_VERSION_CHECK=true timeout 60 node "$checkout/node_modules/pm2/bin/pm2" kill >/dev/null 2>&1 || true
  fi
  if [ -f "$dir/pg/postmaster.pid" ]; then
    for bin in /usr/lib/postgresql/*/bin/pg_ctl; do
      [ -x "$bin" ] || continue
      if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$bin" -D "$dir/pg" -m fast -w -t 30 stop >/dev/null 2>&1 || true
      else "$bin" -D "$dir/pg" -m fast -w -t 30 stop >/dev/null 2>&1 || true; fi
      break
    done
  fi
  # Processes recorded in the stack's pid files (Redis overwrites its environment, so no marker).
  local file pid_from_file
  for file in "$dir"/redis/redis.pid "$dir"/run/*.pid "$dir"/nginx/nginx.pid "$dir"/pm2/pm2.pid "$dir"/pm2/pids/*.pid; do
    [ -f "$file" ] || continue
    pid_from_file=$(head -n1 "$file" | tr -dc '0-9')
    [ -n "$pid_from_file" ] && [ -z "${SELF[$pid_from_file]:-}" ] || continue
    if [[ "$({ tr '\0' ' ' <"/proc/$pid_from_file/cmdline"; } 2>/dev/null)" =~ (^|/)(nginx|redis-server|prometheus[a-z-]*|node|PM2)([: ]|$) ]]; then
      kill -TERM "$pid_from_file" 2>/dev/null || true
    fi
  done
  pids=$(stack_pids "$dir")
  if [ -n "$pids" ]; then
    echo "[stop-stacks] $dir: ending $(echo "$pids" | wc -w) process(es)"
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for i in $(seq 1 50); do
      left=$(stack_pids "$dir")
      [ -z "$left" ] && break
      sleep 0.1
    done
    left=$(stack_pids "$dir")
    # shellcheck disable=SC2086
    [ -n "$left" ] && kill -KILL $left 2>/dev/null
  fi
  left=$(stack_pids "$dir")
  if [ -n "$left" ]; then
    echo "[stop-stacks] $dir: still running: $left" >&2
    return 1
  fi
  echo "[stop-stacks] $dir: nothing of it is running"
}

status=0
declare -A DONE=()
for dir in "${DIRS[@]}"; do
  [ -n "${DONE[$dir]:-}" ] && continue
  DONE[$dir]=1
  if [ ! -d "$dir" ] && [ -z "$(stack_pids "$dir")" ]; then continue; fi
  stop_stack "$dir" || status=1
done
exit $status
