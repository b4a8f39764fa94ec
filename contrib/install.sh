#!/usr/bin/env bash
# Installs Spin as a systemd service from this checkout (docs/operations.md, "Running under
# systemd"). Run as root on the Docker host:
#   bash contrib/install.sh            install to /opt/spin, write the unit, enable and start it
#   bash contrib/install.sh --no-start install only (edit /etc/spin/spin.yaml, then
#                                      `systemctl enable --now spin`)
#   bash contrib/install.sh --from DIR install a Spin that scripts/stage-app.sh laid out in DIR
#                                      (on a build machine with npm; same Node major and Debian)
# What it does, each step idempotent:
#   1. lays out Spin in $SPIN_PREFIX (default /opt/spin) with scripts/stage-app.sh: dist/ compiled
#      from src/, production node_modules, better-sqlite3's native module for this Node (or
#      copies DIR of --from, checking that its native module loads with this Node)
#   2. /etc/spin/spin.yaml from a minimal template when missing (never overwritten), and
#      /etc/spin/credentials/ (0700) for the files LoadCredential= hands the daemon
#   3. the unit (contrib/spin.service, with this machine's node and the prefix) as
#      /etc/systemd/system/spin.service, and spin.service.d/credentials.conf with one
#      LoadCredential= per file in /etc/spin/credentials/; `systemctl daemon-reload`, then
#      enable --now (a restart when already running) unless --no-start or systemd is not running
# Environment: SPIN_PREFIX (/opt/spin), SPIN_ETC (/etc/spin), SPIN_UNIT_DIR (/etc/systemd/system).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PREFIX="${SPIN_PREFIX:-/opt/spin}"
ETC="${SPIN_ETC:-/etc/spin}"
UNIT_DIR="${SPIN_UNIT_DIR:-/etc/systemd/system}"
START=1
FROM=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-start) START=0 ;;
    --from)
      FROM="${2:?--from needs a folder}"
      shift
      ;;
    *)
      echo "usage: install.sh [--no-start] [--from DIR]" >&2
      exit 2
      ;;
  esac
  shift
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
if [ -n "$FROM" ]; then
  [ -f "$FROM/dist/cli/main.js" ] && [ -d "$FROM/node_modules" ] || die "$FROM is not a staged Spin (scripts/stage-app.sh DIR)"
  mkdir -p "$PREFIX"
  rm -rf "$PREFIX/dist" "$PREFIX/node_modules" "$PREFIX/bin" "$PREFIX/schemas"
  cp -r "$FROM/package.json" "$FROM/package-lock.json" "$FROM/dist" "$FROM/node_modules" "$FROM/bin" "$FROM/schemas" "$PREFIX/"
  (cd "$PREFIX" && node -e "new (require('better-sqlite3'))(':memory:')") ||
    die "better-sqlite3 in $FROM does not load with this machine's Node $(node -v)"
else
  bash scripts/stage-app.sh "$PREFIX"
fi
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
sed -e "s#^ExecStart=/usr/bin/node \([^/]*\)/opt/spin/#ExecStart=$NODE \1$PREFIX/#" -e "s#file:///opt/spin/#file://$PREFIX/#g" \
  -e "s#/etc/spin/#$ETC/#g" contrib/spin.service >"$UNIT_DIR/spin.service.tmp"
mv "$UNIT_DIR/spin.service.tmp" "$UNIT_DIR/spin.service"
log "unit written: $UNIT_DIR/spin.service"
# One LoadCredential= per file in $ETC/credentials (a listed file that is missing fails the start,
# so the list is made from what is there): rerun after adding or removing a credential file.
install -d -m 0755 "$UNIT_DIR/spin.service.d"
{
  echo "# Written by contrib/install.sh from the files in $ETC/credentials/; rerun it after changing them."
  echo "[Service]"
  for file in "$ETC"/credentials/*; do
    [ -f "$file" ] || continue
    name="$(basename "$file")"
    case "$name" in *[!A-Za-z0-9._-]*) die "credential file name '$name': use letters, digits, . _ -" ;; esac
    echo "LoadCredential=$name:$file"
  done
} >"$UNIT_DIR/spin.service.d/credentials.conf"
log "credentials: $(grep -c '^LoadCredential=' "$UNIT_DIR/spin.service.d/credentials.conf") file(s) from $ETC/credentials/"

if [ ! -d /run/systemd/system ]; then
  log "systemd is not running on this machine: installed, not started"
  exit 0
fi
systemctl daemon-reload
if [ "$START" = 1 ]; then
  systemctl enable spin.service
  systemctl restart spin.service
  # Started is not yet up: a refused config exits 2 within seconds, and that is worth saying here.
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    sleep 1
    systemctl is-active --quiet spin.service && continue
    journalctl -u spin.service -n 20 --no-pager -o cat >&2 || true
    die "spin.service did not stay up (journalctl -u spin)"
  done
  log "spin.service is running: systemctl status spin; journalctl -u spin -f"
else
  log "not started (--no-start): systemctl enable --now spin"
fi
