#!/usr/bin/env bash
# Builds the Spin daemon image from this checkout, with nothing pulled from an image registry:
#   1. the base (SPIN_BASE_IMAGE, default spin-base/node:<this Node's major>): when that tag is
#      missing, a Debian bookworm rootfs made by `debootstrap --variant=minbase` (with git and
#      ca-certificates) plus this machine's `node` binary, imported with `docker import`. Built
#      once and kept: delete the tag to rebuild it. Needs root and debootstrap (apt-get install
#      debootstrap; scripts/setup.sh does when SPIN_SETUP_IMAGE=1).
#      A base you name yourself (e.g. node:20-bookworm-slim) is used as it is, never built.
#   2. the context: scripts/stage-app.sh (dist/ compiled from src/, production node_modules with
#      better-sqlite3's native module for the base's Node ABI) and the Dockerfile. The build
#      checks that the native module loads in the base.
#   3. `docker build --build-arg BASE=...` of the Dockerfile, tagged SPIN_IMAGE (default spin:local).
# Usage: bash scripts/build-image.sh        Prints the image tag on its last line.
#        bash scripts/build-image.sh --base-only   Step 1 alone (scripts/setup.sh, so tests find it).
# Environment: SPIN_IMAGE, SPIN_BASE_IMAGE, SPIN_DEBIAN_MIRROR (default: this machine's apt mirror).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"

if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi
log() { echo "[build-image] $*" >&2; }
die() {
  echo "[build-image] ERROR: $*" >&2
  exit 1
}

BASE_ONLY=0
[ "${1:-}" = "--base-only" ] && BASE_ONLY=1
NODE_BIN="$(readlink -f "$(command -v node)")"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
IMAGE="${SPIN_IMAGE:-spin:local}"
DEFAULT_BASE="spin-base/node:$NODE_MAJOR"
BASE="${SPIN_BASE_IMAGE:-$DEFAULT_BASE}"
# Bump when the base recipe below changes, so machines holding an older base rebuild it.
BASE_RECIPE="1"

"$DOCKER" info >/dev/null 2>&1 || die "Docker engine not reachable: run scripts/setup.sh"

work="$(mktemp -d "${TMPDIR:-/tmp}/spin-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# This machine's Debian mirror (its apt sources), so the base comes from where apt already goes.
debian_mirror() {
  if [ -n "${SPIN_DEBIAN_MIRROR:-}" ]; then
    echo "$SPIN_DEBIAN_MIRROR"
    return
  fi
  local uri
  uri="$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)"
  [ -n "$uri" ] || uri="$(grep -hsE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -n1 || true)"
  echo "$uri"
}

# --- 1. base -----------------------------------------------------------------------------------
base_current() {
  local got
  got="$("$DOCKER" image inspect -f '{{index .Config.Labels "spin-base.recipe"}}' "$1" 2>/dev/null || true)"
  [ "$got" = "$BASE_RECIPE" ]
}
if [ "$BASE" != "$DEFAULT_BASE" ]; then
  "$DOCKER" image inspect "$BASE" >/dev/null 2>&1 || die "base image $BASE not found (pull or build it first)"
  log "base $BASE (given)"
elif base_current "$BASE"; then
  log "base $BASE present"
else
  command -v debootstrap >/dev/null 2>&1 || die "debootstrap not found: apt-get install debootstrap"
  [ "$(id -u)" = 0 ] || die "debootstrap needs root to build the base $BASE"
  mirror="$(debian_mirror)"
  log "building base $BASE: debootstrap bookworm ${mirror:-from the default mirror} + $NODE_BIN"
  rootfs="$work/rootfs"
  # shellcheck disable=SC2086 # an empty mirror is left out on purpose
  debootstrap --variant=minbase --include=ca-certificates,git bookworm "$rootfs" $mirror >"$work/debootstrap.log" 2>&1 ||
    {
      tail -n 20 "$work/debootstrap.log" >&2
      die "debootstrap failed"
    }
  install -m 0755 "$NODE_BIN" "$rootfs/usr/local/bin/node"
  # Not needed at run time; smaller base.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log
  tar --numeric-owner -C "$rootfs" -c . |
    "$DOCKER" import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' \
      --change 'CMD ["node"]' \
      --change "LABEL spin-base.recipe=$BASE_RECIPE spin-base.node=$(node -p process.version)" \
      --message "spin base: debian bookworm minbase + node $(node -p process.version)" \
      - "$BASE" >/dev/null
  rm -rf "$rootfs"
fi
base_node="$("$DOCKER" run --rm --entrypoint node "$BASE" -p 'process.versions.modules + " " + process.version')"
log "base node: ABI ${base_node% *}, ${base_node#* }"
if [ "$BASE_ONLY" = 1 ]; then
  echo "$BASE"
  exit 0
fi

# --- 2. context ---------------------------------------------------------------------------------
ctx="$work/context"
bash scripts/stage-app.sh "$ctx" "${base_node% *}"
cp Dockerfile "$ctx/"

# --- 3. image -----------------------------------------------------------------------------------
revision="$(git rev-parse HEAD 2>/dev/null || true)"
version="$(node -p "require('./package.json').version")"
log "docker build $IMAGE FROM $BASE"
DOCKER_BUILDKIT=0 "$DOCKER" build -q \
  --build-arg "BASE=$BASE" \
  --build-arg "SPIN_REVISION=$revision" \
  --build-arg "SPIN_VERSION=$version" \
  -t "$IMAGE" "$ctx" >/dev/null
log "ready: $IMAGE"
echo "$IMAGE"
