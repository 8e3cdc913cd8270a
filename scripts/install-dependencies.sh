#!/usr/bin/env bash
# Installs what Titan needs on a Debian 12 machine: the servers and tools of the local stack and of the
# tests (apt), then the npm dependencies. Idempotent: a second run only checks, in well under a second.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bash scripts/install-dependencies.sh [--check] [--help]

Installs what is missing, and nothing else:
  - Debian packages: PostgreSQL server, Redis, NGINX, Prometheus (with promtool), Alertmanager
    (with amtool), Pushgateway, the node, PostgreSQL and Redis exporters, Chromium, OpenSSL.
    `apt-get update` runs once, only when a package is missing. Services are never started by apt.
  - npm dependencies: `npm ci` when node_modules is missing or older than package-lock.json.

Options:
  --check   report what is missing and exit 1 if anything is, without installing
  --help    this text

Not root and packages missing: prints the exact sudo command to run, and exits 1.
Node.js >= 20 and npm must already be installed.
EOF
}

CHECK_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --check) CHECK_ONLY=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install-dependencies: unknown option: $arg" >&2; usage >&2; exit 2 ;;
  esac
done

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
STARTED_S=$SECONDS
say() { printf '[install %3ds] %s\n' "$((SECONDS - STARTED_S))" "$*"; }

# binary (or a path glob for PostgreSQL's server binaries, which are not on PATH) -> Debian package
REQUIREMENTS=(
  "postgres-server:postgresql"
  "redis-server:redis-server"
  "nginx:nginx"
  "prometheus:prometheus"
  "promtool:prometheus"
  "prometheus-alertmanager:prometheus-alertmanager"
  "amtool:prometheus-alertmanager"
  "prometheus-pushgateway:prometheus-pushgateway"
  "prometheus-node-exporter:prometheus-node-exporter"
  "prometheus-postgres-exporter:prometheus-postgres-exporter"
  "prometheus-redis-exporter:prometheus-redis-exporter"
  "chromium:chromium"
  "openssl:openssl"
  "runuser:util-linux"
)

has_binary() {
  if [ "$1" = "postgres-server" ]; then
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
  else
    command -v "$1" >/dev/null 2>&1
  fi
}

missing_packages() {
  local entry binary package seen=" "
  for entry in "${REQUIREMENTS[@]}"; do
    binary="${entry%%:*}"
    package="${entry#*:}"
    if ! has_binary "$binary" && [[ "$seen" != *" $package "* ]]; then
      seen+="$package "
      printf '%s\n' "$package"
    fi
  done
}

# --- Node.js itself is the machine image's job: say so plainly instead of half-installing. ---
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "install-dependencies: Node.js >= 20 with npm is required (https://nodejs.org or your distribution's nodejs package)." >&2
  exit 1
fi
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$NODE_MAJOR" -lt 20 ]; then
  echo "install-dependencies: Node.js >= 20 is required, found $(node --version)." >&2
  exit 1
fi

# --- Debian packages ---
mapfile -t MISSING < <(missing_packages)
APT_COMMAND="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${MISSING[*]:-}"
if [ "${#MISSING[@]}" -eq 0 ]; then
  say "system packages: all present"
elif [ "$CHECK_ONLY" -eq 1 ]; then
  say "system packages missing: ${MISSING[*]}"
elif [ "$(id -u)" -ne 0 ]; then
  echo "install-dependencies: missing system packages: ${MISSING[*]}" >&2
  echo "install-dependencies: not root; run this, then this script again:" >&2
  echo "  sudo sh -c '$APT_COMMAND'" >&2
  exit 1
elif ! command -v apt-get >/dev/null 2>&1; then
  echo "install-dependencies: missing ${MISSING[*]} and no apt-get: install them with your package manager." >&2
  exit 1
else
  # Servers must not start on install (their default ports are the stack's): without a policy saying
  # so, invoke-rc.d would start them through their init scripts. Ours is removed afterwards.
  POLICY=/usr/sbin/policy-rc.d
  if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\n# Temporary, written by Titan'"'"'s install-dependencies.sh: no service starts during install.\nexit 101\n' >"$POLICY"
    chmod 755 "$POLICY"
    trap 'rm -f "$POLICY"' EXIT
  fi
  say "installing system packages: ${MISSING[*]}"
  say "apt-get update"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${MISSING[@]}"
  mapfile -t STILL_MISSING < <(missing_packages)
  if [ "${#STILL_MISSING[@]}" -gt 0 ]; then
    echo "install-dependencies: still missing after apt-get install: ${STILL_MISSING[*]}" >&2
    exit 1
  fi
  say "system packages installed"
fi

# --- npm dependencies ---
cd "$REPO_DIR"
npm_stale() {
  [ ! -d node_modules ] && return 0
  [ ! -f package-lock.json ] && [ ! -f node_modules/.package-lock.json ] && return 0
  # npm writes node_modules/.package-lock.json on every install: older than the lockfile means out of date.
  [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ] && return 0
  return 1
}
NPM_MISSING=0
if npm_stale; then NPM_MISSING=1; fi
if [ "$NPM_MISSING" -eq 0 ]; then
  say "npm dependencies: up to date"
elif [ "$CHECK_ONLY" -eq 1 ]; then
  say "npm dependencies: missing or older than package-lock.json"
elif [ -f package-lock.json ]; then
  # Install scripts of dependencies are reviewed in package.json's allowScripts (npm >= 11): the ones
  # present only download things (ccxt's banner stats, Pulumi plugins) or are optional speed-ups.
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  say "npm dependencies installed"
else
  say "npm install (no package-lock.json)"
  npm install --no-audit --no-fund --loglevel=error
  say "npm dependencies installed"
fi

if [ "$CHECK_ONLY" -eq 1 ] && { [ "${#MISSING[@]}" -gt 0 ] || [ "$NPM_MISSING" -eq 1 ]; }; then
  exit 1
fi
say "done"
