#!/usr/bin/env bash
# Idempotent machine setup for the tests and the demo (Debian/Ubuntu, root or sudo):
#   1. apt-get install whatever is missing of docker.io busybox-static git ca-certificates openssl
#      docker-registry apache2-utils, and
#      chromium when SPIN_SETUP_BROWSER=1 (the dashboard tests drive it with playwright-core)
#   2. start dockerd in the background when `docker info` fails, wait until it answers (60 s)
#   3. npm ci when node_modules is missing or older than package-lock.json; make sure dist/ exists
#   4. build the local test images (scripts/build-test-images.sh)
#   5. when SPIN_SETUP_IMAGE=1 (scripts/test.sh sets it): the base of the Spin container image
#      (scripts/build-image.sh --base-only: a debootstrap of bookworm, minutes, once per machine);
#      test/integration/image.test.ts builds the image itself from it
# Environment: SPIN_DOCKERD_LOG (default /var/log/spin-dockerd.log, else /tmp/spin-dockerd.log),
#              SPIN_DOCKERD_ARGS (extra dockerd flags, e.g. "--storage-driver=vfs").
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"

log() { echo "[setup] $*"; }
die() {
  echo "[setup] ERROR: $*" >&2
  exit 1
}

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi

# --- 1. packages -----------------------------------------------------------------------------
missing=()
# docker-registry and apache2-utils (htpasswd): the real registry the registry tests push to.
packages=(docker.io busybox-static git ca-certificates openssl docker-registry apache2-utils)
# iproute2 (ip netns, veth) and util-linux (nsenter): the two-node Swarm lab (scripts/swarm-lab.sh).
packages+=(iproute2 util-linux)
# debootstrap: the base of the Spin container image (scripts/build-image.sh).
if [ "${SPIN_SETUP_IMAGE:-0}" = 1 ]; then packages+=(debootstrap); fi
# The browser only for the tests (scripts/test.sh sets SPIN_SETUP_BROWSER=1), not for the demo.
if [ "${SPIN_SETUP_BROWSER:-0}" = 1 ]; then packages+=(chromium); fi
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install ${missing[*]} by hand"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "packages present"
fi

# Prefer Debian's client: /usr/local/bin/docker may be a newer client that shadows it.
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi
command -v "$DOCKER" >/dev/null 2>&1 || die "docker client not found after install"

# --- 2. docker engine ------------------------------------------------------------------------
bash "$ROOT/scripts/start-dockerd.sh"

# --- 3. node dependencies and build ----------------------------------------------------------
stamp=node_modules/.package-lock.json
[ -e "$stamp" ] || stamp=node_modules
if [ ! -d node_modules ] || [ package-lock.json -nt "$stamp" ]; then
  log "npm ci"
  npm ci --no-audit --no-fund
else
  log "node_modules up to date"
fi
if [ ! -f dist/cli/main.js ]; then
  log "npm run build"
  npm run build
fi
[ -d dist ] || die "dist/ missing after build"

# --- 4. test images --------------------------------------------------------------------------
bash "$ROOT/scripts/build-test-images.sh"

# --- 5. the container image's base -------------------------------------------------------------
if [ "${SPIN_SETUP_IMAGE:-0}" = 1 ]; then
  bash "$ROOT/scripts/build-image.sh" --base-only >/dev/null
fi

log "done"
