#!/usr/bin/env bash
# Builds the tiny local images the integration tests and the demo run (nothing can be pulled here).
#   spin-test/busybox:1  static busybox with applet symlinks, /etc/passwd+group, /tmp (1777)
#   spin-test/web:1      FROM busybox: `busybox httpd -f -p 8080 -h /www`, index.html says "v1"
#   spin-test/web:2      same, index.html says "v2" (so an update is visible)
# Each image is built only if missing or built from an older recipe (label spin-test.recipe).
# The tag names are mirrored in test/helpers/images.ts; keep both in sync.
set -euo pipefail

BUSYBOX_IMAGE="spin-test/busybox:1"
WEB_IMAGE="spin-test/web:1"
WEB_IMAGE_V2="spin-test/web:2"
# Bump when the recipe below changes so existing machines rebuild.
RECIPE="1"

if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi
log() { echo "[build-test-images] $*"; }

if ! "$DOCKER" info >/dev/null 2>&1; then
  echo "[build-test-images] Docker engine not reachable: run scripts/setup.sh" >&2
  exit 1
fi

# True when IMAGE exists and carries the current recipe label.
image_current() {
  local got
  got="$("$DOCKER" image inspect -f '{{index .Config.Labels "spin-test.recipe"}}' "$1" 2>/dev/null || true)"
  [ "$got" = "$RECIPE" ]
}

BUSYBOX_BIN=""
for candidate in /bin/busybox /usr/bin/busybox; do
  # Must be the static build: the image has no libc.
  if [ -x "$candidate" ] && ! ldd "$candidate" >/dev/null 2>&1; then BUSYBOX_BIN="$candidate"; break; fi
done

work="$(mktemp -d "${TMPDIR:-/tmp}/spin-test-images.XXXXXX")"
trap 'rm -rf "$work"' EXIT

rebuilt_base=0
if image_current "$BUSYBOX_IMAGE"; then
  log "$BUSYBOX_IMAGE present"
else
  if [ -z "$BUSYBOX_BIN" ]; then
    echo "[build-test-images] no static busybox found: apt-get install busybox-static (scripts/setup.sh does)" >&2
    exit 1
  fi
  log "building $BUSYBOX_IMAGE from $BUSYBOX_BIN"
  root="$work/rootfs"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,www,var/run}
  mkdir -p -m 1777 "$root/tmp"
  chmod 1777 "$root/tmp"
  cp "$BUSYBOX_BIN" "$root/bin/busybox"
  chmod 0755 "$root/bin/busybox"
  # One symlink per applet at its canonical place (bin/sh, usr/bin/wget, sbin/httpd ...).
  "$root/bin/busybox" --list-full | while read -r applet; do
    [ -n "$applet" ] || continue
    [ "$applet" = "bin/busybox" ] && continue
    [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
  done
  for a in sh sleep httpd nc wget cat id ls env echo stat; do
    [ -e "$root/bin/$a" ] || [ -e "$root/usr/bin/$a" ] || [ -e "$root/sbin/$a" ] || [ -e "$root/usr/sbin/$a" ] ||
      ln -s /bin/busybox "$root/bin/$a"
  done
  cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
  cat >"$root/etc/group" <<'GROUP'
root:x:0:
nobody:x:65534:
nogroup:x:65534:
GROUP
  echo "hosts: files dns" >"$root/etc/nsswitch.conf"
  # Numeric owners so the import does not depend on this machine's users.
  tar --numeric-owner --owner=0 --group=0 -C "$root" -c . |
    "$DOCKER" import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["sh"]' \
      --change "LABEL spin-test.recipe=$RECIPE" \
      --message "spin test busybox" \
      - "$BUSYBOX_IMAGE" >/dev/null
  rebuilt_base=1
fi

# build_web TAG VERSION — legacy builder, context holds only the Dockerfile and www/.
build_web() {
  local tag="$1" version="$2"
  if [ "$rebuilt_base" = 0 ] && image_current "$tag"; then
    log "$tag present"
    return
  fi
  log "building $tag"
  local ctx="$work/web-$version"
  mkdir -p "$ctx/www"
  cat >"$ctx/www/index.html" <<HTML
<!doctype html>
<html><head><title>spin-test web $version</title></head>
<body><h1>spin-test web $version</h1></body></html>
HTML
  echo ok >"$ctx/www/healthz"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $BUSYBOX_IMAGE
COPY www/ /www/
LABEL spin-test.recipe="$RECIPE" spin-test.web-version="$version"
EXPOSE 8080
CMD ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]
DOCKERFILE
  DOCKER_BUILDKIT=0 "$DOCKER" build -q -t "$tag" "$ctx" >/dev/null
}

build_web "$WEB_IMAGE" v1
build_web "$WEB_IMAGE_V2" v2

log "ready: $BUSYBOX_IMAGE $WEB_IMAGE $WEB_IMAGE_V2"
