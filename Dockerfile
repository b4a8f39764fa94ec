# syntax=docker/dockerfile:1
# Spin daemon image.
#   docker build -t spin .
#   docker run -d --name spin \
#     -v /var/run/docker.sock:/var/run/docker.sock \
#     -v /srv/spin/spin.yaml:/etc/spin/spin.yaml:ro -v spin-state:/var/lib/spin \
#     -p 127.0.0.1:7070:7070 spin
# In the config, set `stateDir: /var/lib/spin` and `api: { listen: 0.0.0.0:7070 }` (inside the
# container 127.0.0.1 is not reachable through a published port).

# ---- build: compile TypeScript, then drop dev dependencies ----------------------------------
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (tsc) needs the sources, which are copied below; optional native
# add-ons of ssh2 (used by dockerode only for ssh:// hosts) fall back to pure JS.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime --------------------------------------------------------------------------------
FROM node:22-bookworm-slim
# git: for operators debugging repositories inside the container (Spin itself speaks git through
# isomorphic-git); ca-certificates: HTTPS remotes and forge APIs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
# The git commit the image is built from (`--build-arg SPIN_REVISION=$(git rev-parse HEAD)`): the
# build context has no .git, so spin_build_info and `spin version` read it from here.
ARG SPIN_REVISION=
ENV SPIN_REVISION=$SPIN_REVISION
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY schemas ./schemas
RUN mkdir -p /etc/spin /var/lib/spin
VOLUME ["/var/lib/spin"]
EXPOSE 7070
# No USER line: the daemon runs as root because it drives the engine through the mounted
# /var/run/docker.sock, whose group id differs from host to host; a non-root user would need that
# exact group added at run time (`--group-add $(stat -c %g /var/run/docker.sock)`), and access to
# the socket is root-equivalent on the host anyway. Treat this container as privileged.
# Node runs as PID 1; the daemon handles SIGTERM/SIGINT itself and exits cleanly (`docker stop`).
ENTRYPOINT ["node", "bin/spin"]
CMD ["daemon", "--config", "/etc/spin/spin.yaml"]
