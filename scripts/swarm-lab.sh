#!/usr/bin/env bash
# A real two-node Docker Swarm on this machine, for the Swarm driver's tests and CI:
#   scripts/swarm-lab.sh up NAME     -> prints SWARM_MANAGER=unix://... and SWARM_WORKER=unix://...
#   scripts/swarm-lab.sh down NAME   -> leaves the swarm, stops both dockerds, deletes what up made
#   scripts/swarm-lab.sh env NAME    -> prints the two sockets (no change)
#   scripts/swarm-lab.sh stop-worker NAME -> stops the worker's dockerd (a node going away; `up` restarts it)
# Each node is its own dockerd (own --data-root, --exec-root, --pidfile, unix socket) in its own
# network namespace, joined by one veth pair on a private /30 derived from NAME. The host's engine
# is never touched beyond `docker save` of the test images (others' tests share it: never
# `swarm init` there). `nsenter --net=...` and not `ip netns exec`: the latter remounts /sys,
# which dockerd needs as the host has it. Idempotent: `up` on a running lab only checks it, `down`
# on a missing lab does nothing.
# Environment: SPIN_SWARM_IMAGES (images to load; default the three test images),
#              SPIN_SWARM_ROOT (default /var/lib/spin-swarm), SPIN_SWARM_RUN (default /run/spin-swarm).
set -euo pipefail

ACTION="${1:-}"
NAME="${2:-}"
[[ "$ACTION" =~ ^(up|down|env|stop-worker)$ && "$NAME" =~ ^[a-z0-9][a-z0-9-]{0,30}$ ]] || {
  echo "usage: $0 up|down|env|stop-worker NAME   (NAME: lower-case letters, digits, dashes)" >&2
  exit 2
}

log() { echo "[swarm-lab $NAME] $*" >&2; }
die() {
  echo "[swarm-lab $NAME] ERROR: $*" >&2
  exit 1
}
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi

ROOT="${SPIN_SWARM_ROOT:-/var/lib/spin-swarm}/$NAME"
# Socket paths must stay short (108 bytes): the run dir is kept under /run.
RUN="${SPIN_SWARM_RUN:-/run/spin-swarm}/$NAME"
IMAGES="${SPIN_SWARM_IMAGES:-spin-test/busybox:1 spin-test/web:1 spin-test/web:2}"
# A stable small number per NAME: the /30 (10.213.X.Y) and the short veth names (15 chars max).
SUM="$(printf '%s' "$NAME" | cksum | cut -d' ' -f1)"
SLOT=$((SUM % 16000))
NET="10.$((200 + SLOT / 1000 % 50)).$((SLOT % 1000 / 4 % 256)).$((SLOT % 4 * 64))"
BASE="${NET%.*}"
LAST="${NET##*.}"
IP_M="$BASE.$((LAST + 1))"
IP_W="$BASE.$((LAST + 2))"
TAG="$(printf '%06x' $((SUM % 16777216)))"
NODES=(m w)

ns() { echo "spinsw-$TAG-$1"; }
veth() { echo "vsw$TAG$1"; }
sock() { echo "$RUN/$1.sock"; }
ip_of() { if [ "$1" = m ]; then echo "$IP_M"; else echo "$IP_W"; fi; }
dk() { # dk NODE ARGS...: the docker client against one node
  local node="$1"
  shift
  "$DOCKER" -H "unix://$(sock "$node")" "$@"
}
answers() { dk "$1" info >/dev/null 2>&1; }

print_env() {
  echo "SWARM_MANAGER=unix://$(sock m)"
  echo "SWARM_WORKER=unix://$(sock w)"
  echo "SWARM_MANAGER_ADDR=$IP_M"
}

netns_up() {
  for node in "${NODES[@]}"; do
    ip netns list | grep -qw "$(ns "$node")" || ip netns add "$(ns "$node")"
    ip -n "$(ns "$node")" link set lo up
  done
  if ! ip -n "$(ns m)" link show "$(veth m)" >/dev/null 2>&1; then
    ip link del "$(veth m)" 2>/dev/null || true
    ip link add "$(veth m)" type veth peer name "$(veth w)"
    ip link set "$(veth m)" netns "$(ns m)"
    ip link set "$(veth w)" netns "$(ns w)"
  fi
  for node in "${NODES[@]}"; do
    ip -n "$(ns "$node")" addr replace "$(ip_of "$node")/30" dev "$(veth "$node")"
    ip -n "$(ns "$node")" link set "$(veth "$node")" up
  done
}

dockerd_up() {
  local node="$1" pid
  if answers "$node"; then return 0; fi
  mkdir -p "$ROOT/$node" "$RUN/$node"
  log "starting dockerd $node in $(ns "$node") (log: $ROOT/$node.log)"
  # No iptables/bridge: the namespace is the node's own, with nothing to NAT to; overlay
  # networks (VXLAN between the two nodes) are what services use. vfs: overlayfs may not
  # nest here. Its own containerd (under --exec-root), namespaced apart from the host's.
  setsid nohup nsenter --net="/var/run/netns/$(ns "$node")" dockerd \
    --data-root "$ROOT/$node" --exec-root "$RUN/$node" --pidfile "$RUN/$node.pid" \
    -H "unix://$(sock "$node")" --storage-driver=vfs --iptables=false --ip-masq=false \
    --bridge=none --containerd-namespace "spinsw-$TAG-$node" \
    --containerd-plugins-namespace "spinsw-$TAG-$node-plugins" \
    >>"$ROOT/$node.log" 2>&1 </dev/null &
  pid=$!
  for _ in $(seq 1 90); do
    if answers "$node"; then return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  tail -n 20 "$ROOT/$node.log" >&2 || true
  die "dockerd $node did not answer"
}

swarm_up() {
  local state token
  state="$(dk m info --format '{{.Swarm.LocalNodeState}}')"
  if [ "$state" != active ]; then
    log "swarm init on $IP_M"
    dk m swarm init --advertise-addr "$IP_M" --listen-addr "$IP_M:2377" >/dev/null
  fi
  state="$(dk w info --format '{{.Swarm.LocalNodeState}}')"
  if [ "$state" != active ]; then
    token="$(dk m swarm join-token -q worker)"
    log "swarm join from $IP_W"
    dk w swarm join --token "$token" --advertise-addr "$IP_W" --listen-addr "$IP_W:2377" "$IP_M:2377" >/dev/null
  fi
  # Labels the placement tests target: the manager is tier=manager, the worker tier=worker.
  for node in "${NODES[@]}"; do
    local id
    id="$(dk "$node" info --format '{{.Swarm.NodeID}}')"
    local tier=manager
    [ "$node" = w ] && tier=worker
    dk m node update --label-add "spin-lab.tier=$tier" "$id" >/dev/null
  done
}

images_up() {
  local missing=()
  for image in $IMAGES; do
    for node in "${NODES[@]}"; do
      dk "$node" image inspect "$image" >/dev/null 2>&1 || missing+=("$node:$image")
    done
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  # shellcheck disable=SC2086
  local tar="$ROOT/images.tar"
  "$DOCKER" save -o "$tar" $IMAGES
  for node in "${NODES[@]}"; do dk "$node" load -q -i "$tar" >/dev/null; done
  rm -f "$tar"
}

up() {
  command -v nsenter >/dev/null && command -v ip >/dev/null && command -v dockerd >/dev/null ||
    die "needs nsenter (util-linux), ip (iproute2) and dockerd (docker.io): run scripts/setup.sh"
  netns_up
  for node in "${NODES[@]}"; do dockerd_up "$node"; done
  swarm_up
  images_up
  print_env
}

stop_dockerd() {
  local node="$1" pid
  [ -f "$RUN/$node.pid" ] || return 0
  pid="$(cat "$RUN/$node.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 30); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 1
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$node.pid"
}

down() {
  for node in w m; do
    if answers "$node"; then
      # Services first, so that their containers stop with the engine that made them.
      dk "$node" swarm leave --force >/dev/null 2>&1 || true
    fi
    stop_dockerd "$node"
  done
  for node in "${NODES[@]}"; do
    # Mounts dockerd left under its roots (netns files of containers, shm) would keep dirs busy.
    grep -E " ($ROOT|$RUN)/" /proc/mounts | cut -d' ' -f2 | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    ip netns del "$(ns "$node")" 2>/dev/null || true
  done
  ip link del "$(veth m)" 2>/dev/null || true
  rm -rf "$ROOT" "$RUN"
  log "down"
}

case "$ACTION" in
  up) up ;;
  down) down ;;
  env) print_env ;;
  stop-worker) stop_dockerd w ;;
esac
