#!/usr/bin/env bash
# Starts dockerd in the background when the engine does not answer, and waits until it does
# (60 s). Idempotent: does nothing when the engine already answers. Used by setup.sh and by the
# disruptive tests that restart the engine.
# Environment: SPIN_DOCKERD_LOG (default /var/log/spin-dockerd.log, else /tmp/spin-dockerd.log),
#              SPIN_DOCKERD_ARGS (extra dockerd flags, e.g. "--storage-driver=vfs").
set -euo pipefail

log() { echo "[start-dockerd] $*"; }
die() {
  echo "[start-dockerd] ERROR: $*" >&2
  exit 1
}
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi

wait_for_docker() { # wait_for_docker SECONDS PID -> 0 when answering, 1 on timeout or dockerd exit
  local deadline=$((SECONDS + $1)) pid="$2"
  while [ "$SECONDS" -lt "$deadline" ]; do
    if $SUDO "$DOCKER" info >/dev/null 2>&1; then return 0; fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 1
  done
  return 1
}

if $SUDO "$DOCKER" info >/dev/null 2>&1; then
  log "docker engine answering"
else
  command -v dockerd >/dev/null 2>&1 || die "dockerd not found (package docker.io)"
  DOCKERD_LOG="${SPIN_DOCKERD_LOG:-/var/log/spin-dockerd.log}"
  if ! { : >>"$DOCKERD_LOG"; } 2>/dev/null; then DOCKERD_LOG=/tmp/spin-dockerd.log; fi
  started=0
  # A plain start first; if dockerd dies (e.g. overlayfs unsupported inside a container), retry with vfs.
  # The host's engine is the dockerd that owns the default pidfile: other dockerds on this machine
  # (a test's second engine or swarm lab, with their own --pidfile) are not it.
  host_dockerd() { [ -f /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null && cat /var/run/docker.pid; }
  for extra in "${SPIN_DOCKERD_ARGS:-}" "--storage-driver=vfs"; do
    if pid="$(host_dockerd)"; then
      log "dockerd already running but not answering yet; waiting"
    else
      log "starting dockerd${extra:+ $extra} (log: $DOCKERD_LOG)"
      # setsid+nohup: dockerd outlives this script (the demo and later test runs reuse it).
      # shellcheck disable=SC2086
      $SUDO setsid nohup dockerd $extra >>"$DOCKERD_LOG" 2>&1 </dev/null &
      pid=$!
    fi
    if wait_for_docker 60 "$pid"; then
      started=1
      break
    fi
    log "dockerd did not answer; last log lines:"
    tail -n 15 "$DOCKERD_LOG" >&2 || true
    if host_dockerd >/dev/null; then break; fi # still running but stuck: do not start a second one
  done
  [ "$started" = 1 ] || die "Docker engine not reachable: dockerd did not answer within 60 s or exited (see $DOCKERD_LOG)"
  log "docker engine answering"
fi

