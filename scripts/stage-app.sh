#!/usr/bin/env bash
# Lays out a runnable Spin in DEST (the container image's context and the systemd install use it):
#   DEST/{package.json,package-lock.json,bin/,schemas/,dist/}  dist compiled from this checkout's src/
#   DEST/node_modules   production dependencies (`npm ci --omit=dev --ignore-scripts`), then
#                       better-sqlite3's native module: the one this checkout's node_modules built
#                       (same version and Node ABI) or else `npm rebuild better-sqlite3` (compiles:
#                       python3, make, g++). The only native module Spin needs.
# Usage: bash scripts/stage-app.sh DEST [NODE_ABI]   NODE_ABI: process.versions.modules of the
#        Node that will run it (default this machine's); a mismatch is refused, not guessed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
DEST="${1:?usage: stage-app.sh DEST [NODE_ABI]}"
host_abi="$(node -p process.versions.modules)"
target_abi="${2:-$host_abi}"
log() { echo "[stage-app] $*" >&2; }
[ "$host_abi" = "$target_abi" ] || {
  echo "[stage-app] ERROR: this machine's Node (ABI $host_abi) differs from the target's (ABI $target_abi): stage on a machine with the target's Node" >&2
  exit 1
}

mkdir -p "$DEST"
cp package.json package-lock.json "$DEST/"
rm -rf "$DEST/bin" "$DEST/schemas" "$DEST/dist"
cp -r bin schemas "$DEST/"
log "compiling dist/"
npx tsc -p tsconfig.build.json --outDir "$DEST/dist"
log "npm ci --omit=dev"
(cd "$DEST" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)

native="node_modules/better-sqlite3/build/Release/better_sqlite3.node"
version_of() { node -p "require('$1/node_modules/better-sqlite3/package.json').version" 2>/dev/null || true; }
if [ -f "$ROOT/$native" ] && [ "$(version_of "$ROOT")" = "$(version_of "$DEST")" ]; then
  log "better-sqlite3: the module this checkout built (ABI $host_abi)"
  mkdir -p "$DEST/$(dirname "$native")"
  cp "$ROOT/$native" "$DEST/$native"
else
  log "better-sqlite3: npm rebuild (compiles)"
  (cd "$DEST" && npm rebuild better-sqlite3 --no-audit --no-fund --loglevel=error >/dev/null)
fi
(cd "$DEST" && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()") ||
  {
    echo "[stage-app] ERROR: better-sqlite3 does not load in $DEST" >&2
    exit 1
  }
log "staged in $DEST"
