#!/usr/bin/env bash
# The quick-start demo on embedded defaults: a sample science-gateway project (examples/gateway)
# committed to a local git repository, reconciled by `spin daemon` onto the local Docker engine,
# then `spin status` printed. Sets the machine up first (scripts/setup.sh).
#   bash scripts/demo.sh          run it (containers stay up; the daemon is stopped at the end)
#   bash scripts/demo.sh --down   remove the demo's containers, network, volume and files
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
DEMO="${SPIN_DEMO_DIR:-$ROOT/.spin-demo}"
PROJECT=demo
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi
log() { echo "[demo] $*"; }

if [ "${1:-}" = "--down" ]; then
  ids="$($DOCKER ps -aq --filter label=spin.managed=true --filter "label=spin.project=$PROJECT")"
  [ -z "$ids" ] || $DOCKER rm -f $ids >/dev/null
  $DOCKER network ls -q --filter label=spin.managed=true --filter "label=spin.project=$PROJECT" | xargs -r $DOCKER network rm >/dev/null
  $DOCKER volume ls -q --filter label=spin.managed=true --filter "label=spin.project=$PROJECT" | xargs -r $DOCKER volume rm >/dev/null
  rm -rf "$DEMO"
  log "demo removed"
  exit 0
fi

bash scripts/setup.sh

# The demo's portal image, built locally (no registry is reachable): busybox httpd and a page.
if ! $DOCKER image inspect spin-demo/gateway:1 >/dev/null 2>&1; then
  log "building spin-demo/gateway:1"
  ctx="$(mktemp -d)"
  mkdir -p "$ctx/www"
  printf '<!doctype html><title>Spin demo gateway</title><h1>Science gateway deployed by Spin</h1>\n' >"$ctx/www/index.html"
  printf 'FROM spin-test/busybox:1\nCOPY www /www\nEXPOSE 8080\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n' >"$ctx/Dockerfile"
  DOCKER_BUILDKIT=0 $DOCKER build -q -t spin-demo/gateway:1 "$ctx" >/dev/null
  rm -rf "$ctx"
fi

# A project repository on disk: Spin reads it in place and watches it (no server needed).
mkdir -p "$DEMO"
if [ ! -d "$DEMO/gateway/.git" ]; then
  log "creating the project repository $DEMO/gateway"
  mkdir -p "$DEMO/gateway"
  cp examples/gateway/compose.yaml "$DEMO/gateway/compose.yaml"
  git -C "$DEMO/gateway" init -q -b main
  git -C "$DEMO/gateway" add compose.yaml
  git -C "$DEMO/gateway" -c user.name=Researcher -c user.email=researcher@example.org commit -qm "Deploy the gateway"
fi

cat >"$DEMO/spin.yaml" <<YAML
stateDir: $DEMO/state
pollInterval: 15s
api: { listen: 127.0.0.1:7070 }
projects:
  - name: $PROJECT
    repo: $DEMO/gateway
    branch: main
    env: { TITLE: "Spin demo gateway" }
YAML

log "validating the stack: bin/spin validate $DEMO/gateway"
node bin/spin validate "$DEMO/gateway"

log "starting the daemon (log: $DEMO/daemon.log)"
node bin/spin daemon --config "$DEMO/spin.yaml" >"$DEMO/daemon.log" 2>&1 &
DAEMON=$!
trap 'kill -TERM $DAEMON 2>/dev/null || true; wait $DAEMON 2>/dev/null || true' EXIT

for _ in $(seq 1 60); do
  if node bin/spin status --config "$DEMO/spin.yaml" --json 2>/dev/null |
    node -e 'const s = JSON.parse(require("fs").readFileSync(0, "utf8")); process.exit(s.every((p) => p.sync === "Synced" && p.health === "Healthy") ? 0 : 1)'; then
    break
  fi
  sleep 1
done

echo
node bin/spin status --config "$DEMO/spin.yaml"
echo
$DOCKER ps --filter "label=spin.project=$PROJECT" --format 'table {{.Names}}\t{{.Image}}\t{{.Status}}\t{{.Ports}}'
echo
if command -v curl >/dev/null 2>&1; then
  log "the portal answers: $(curl -fsS http://127.0.0.1:8088/ | head -c 200)"
fi
log "containers keep running after the daemon stops. Try: edit $DEMO/gateway/compose.yaml, commit, and run"
log "  node bin/spin daemon --config $DEMO/spin.yaml      (remove everything: bash scripts/demo.sh --down)"
