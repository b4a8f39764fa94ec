# Spin daemon image. Build it with scripts/build-image.sh, which prepares the context this file
# expects (dist/, production node_modules with better-sqlite3's native module for the base's Node,
# package*.json, bin/, schemas/) and, unless BASE is given, a local Debian bookworm base carrying
# this machine's Node (nothing is pulled from a registry):
#   bash scripts/build-image.sh                      # -> spin:local
#   SPIN_BASE_IMAGE=node:20-bookworm-slim bash scripts/build-image.sh   # a pulled base instead
# Run it (README, "Running in a container"): the stateDir and the secrets runtimeDir must be
# bind-mounted at the SAME paths on the host, since the engine resolves bind sources on the host:
#   docker run -d --name spin \
#     -v /var/run/docker.sock:/var/run/docker.sock \
#     -v /var/lib/spin:/var/lib/spin -v /run/spin:/run/spin \
#     -v /srv/spin/spin.yaml:/etc/spin/spin.yaml:ro \
#     -p 127.0.0.1:7070:7070 spin:local

# A Debian bookworm image with `node` (20 or later) on PATH at /usr/local/bin; the native module
# in node_modules must match its Node ABI and glibc (build-image.sh sees to that).
ARG BASE=spin-base/node:20
FROM ${BASE}
# Again after FROM, so the label below can name it.
ARG BASE

# git: for operators debugging repositories inside the container (Spin itself speaks git through
# isomorphic-git); ca-certificates: HTTPS remotes and forge APIs. The local base has both.
RUN if ! command -v git >/dev/null || [ ! -e /etc/ssl/certs/ca-certificates.crt ]; then \
      apt-get update && apt-get install -y --no-install-recommends git ca-certificates \
      && rm -rf /var/lib/apt/lists/*; \
    fi

WORKDIR /app
ENV NODE_ENV=production \
    SPIN_STATE_DIR=/var/lib/spin \
    SPIN_HEALTH_URL=http://127.0.0.1:7070/healthz
COPY package.json package-lock.json ./
COPY node_modules ./node_modules
# Fail the build, not the first start, when the native module does not load in this base.
RUN node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1 as ok').get().ok === 1 || process.exit(1)"
COPY dist ./dist
COPY bin ./bin
COPY schemas ./schemas
# The git commit the image is built from (`--build-arg SPIN_REVISION=$(git rev-parse HEAD)`):
# spin_build_info and `spin version` read it from here.
ARG SPIN_REVISION=
ENV SPIN_REVISION=$SPIN_REVISION
ARG SPIN_VERSION=unknown
LABEL org.opencontainers.image.title="spin" \
      org.opencontainers.image.description="GitOps for research science gateways on Docker: stacks in git, validated, converged, reported." \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="$SPIN_VERSION" \
      org.opencontainers.image.revision="$SPIN_REVISION" \
      org.opencontainers.image.base.name="$BASE"

# stateDir (SPIN_STATE_DIR, unless the config sets one) and the default secrets runtimeDir. No
# VOLUME line: an anonymous volume would hide a missing bind mount, which the daemon must see
# (it refuses to start unless both folders come from the same paths on the host).
RUN mkdir -p /etc/spin /var/lib/spin /run/spin
EXPOSE 7070
# /healthz of the API; set SPIN_HEALTH_URL when the config's api.listen uses another port.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.SPIN_HEALTH_URL).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# No USER line: the daemon runs as root because it drives the engine through the mounted
# /var/run/docker.sock, whose group id differs from host to host; a non-root user would need that
# exact group added at run time (`--group-add $(stat -c %g /var/run/docker.sock)`), and access to
# the socket is root-equivalent on the host anyway. Treat this container as privileged.
# Node runs as PID 1; the daemon handles SIGTERM/SIGINT itself and exits 0 (`docker stop`).
# Node's flags for the daemon: src/cli/daemon-node-flags.ts.
ENTRYPOINT ["node", "--min-semi-space-size=16", "bin/spin"]
CMD ["daemon", "--config", "/etc/spin/spin.yaml"]
