#!/usr/bin/env bash
# Installs Spin as a systemd service from this checkout (docs/operations.md, "Running under
# systemd"). Run as root on the Docker host:
#   bash contrib/install.sh            install to /opt/spin, write the unit, enable and start it
#   bash contrib/install.sh --no-start install only (edit /etc/spin/spin.yaml, then
#                                      `systemctl enable --now spin`)
# What it does, each step idempotent:
#   1. lays out Spin in $SPIN_PREFIX (default /opt/spin) with scripts/stage-app.sh: dist/ compiled
#      from src/, production node_modules, better-sqlite3's native module for this Node
#   2. /etc/spin/spin.yaml from a minimal template when missing (never overwritten), and
#      /etc/spin/credentials/ (0700) for the files LoadCredential= hands the daemon
#   3. the unit (contrib/spin.service, with this machine's node and the prefix) as
#      /etc/systemd/system/spin.service; `systemctl daemon-reload`, then enable --now unless
#      --no-start or systemd is not running (then it says so and stops there)
# Environment: SPIN_PREFIX (/opt/spin), SPIN_ETC (/etc/spin), SPIN_UNIT_DIR (/etc/systemd/system).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PREFIX="${SPIN_PREFIX:-/opt/spin}"
ETC="${SPIN_ETC:-/etc/spin}"
UNIT_DIR="${SPIN_UNIT_DIR:-/etc/systemd/system}"
START=1
for arg in "$@"; do
  case "$arg" in
    --no-start) START=0 ;;
    *)
      echo "usage: install.sh [--no-start]" >&2
      exit 2
      ;;
  esac
done
log() { echo "[install] $*"; }
die() {
  echo "[install] ERROR: $*" >&2
  exit 1
}
[ "$(id -u)" = 0 ] || die "run as root (the unit, /etc/spin and $PREFIX are root's)"
NODE="$(command -v node)" || die "node not found (Node.js 20.19 or later)"
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
  die "Node.js $(node -v) is too old: Spin needs 20.19 or later"

# --- 1. the program ----------------------------------------------------------------------------
log "installing Spin to $PREFIX"
bash scripts/stage-app.sh "$PREFIX"
cp README.md "$PREFIX/"
rm -rf "$PREFIX/docs" && cp -r docs "$PREFIX/docs"

# --- 2. config and credentials -----------------------------------------------------------------
install -d -m 0755 "$ETC"
install -d -m 0700 "$ETC/credentials"
if [ ! -e "$ETC/spin.yaml" ]; then
  log "writing $ETC/spin.yaml (no projects yet: add yours)"
  cat >"$ETC/spin.yaml" <<'YAML'
# Spin daemon config (README "Daemon config"). Under systemd: state in /var/lib/spin, secret and
# config files for containers in /run/spin (both made by the unit); credentials from
# /etc/spin/credentials/NAME are read at /run/credentials/spin.service/NAME.
stateDir: /var/lib/spin
api:
  listen: 127.0.0.1:7070
  # writeTokenFile: /run/credentials/spin.service/write-token
projects: []
YAML
else
  log "$ETC/spin.yaml present: kept"
fi

# --- 3. the unit -------------------------------------------------------------------------------
install -d -m 0755 "$UNIT_DIR"
sed -e "s#/usr/bin/node /opt/spin/#$NODE $PREFIX/#" -e "s#file:///opt/spin/#file://$PREFIX/#g" \
  -e "s#/etc/spin/#$ETC/#g" contrib/spin.service >"$UNIT_DIR/spin.service.tmp"
mv "$UNIT_DIR/spin.service.tmp" "$UNIT_DIR/spin.service"
log "unit written: $UNIT_DIR/spin.service"

if [ ! -d /run/systemd/system ]; then
  log "systemd is not running on this machine: installed, not started"
  exit 0
fi
systemctl daemon-reload
if [ "$START" = 1 ]; then
  systemctl enable --now spin.service
  # Started is not yet up: a refused config exits 2 at once, and that is worth saying here.
  sleep 2
  systemctl is-active --quiet spin.service || {
    journalctl -u spin.service -n 20 --no-pager >&2 || true
    die "spin.service did not stay up (journalctl -u spin)"
  }
  log "spin.service is running: systemctl status spin; journalctl -u spin -f"
else
  log "not started (--no-start): systemctl enable --now spin"
fi
