# syntax=docker/dockerfile:1
# The cdp360 image: one image for every command (cdp migrate, topics create, updater, scorer, serve).
#
#   docker build -t cdp360 .
#   docker run --rm -e DATABASE_URL=... cdp360 migrate
#
# build:   the same install and build steps as CI (.ci/run: a step that breaks there breaks the image
#          build too), then the npm package (deploy/package/build.js, bundled from the sources)
#          installed with production dependencies only into /app.
# runtime: node and /app, nothing else: no compiler, no dev dependencies, no npm cache, no sources.
#
# Signals: the entrypoint is the exec form, so node itself is PID 1 and receives SIGTERM from
# `docker stop` / Kubernetes directly (no shell in between, no tini). The long-running commands
# (updater, scorer, serve) handle SIGTERM and SIGINT and stop within their shutdown deadline (10 s);
# the one-shot commands finish in seconds. cdp spawns no child processes, so there is nothing to reap.
# The build stage uses the full image: it has python3, make and g++ for the dev dependencies that build
# a native addon at install time (npm ci runs install scripts; the runtime needs none of them).
ARG BUILD_IMAGE=node:20-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund
RUN npm run build
RUN node deploy/package/build.js --out /out
# The tarball's npm-shrinkwrap.json pins the versions of package-lock.json, which npm ci just cached.
RUN mkdir /app && cd /app && echo '{ "private": true }' > package.json && \
    npm install --omit=dev --no-audit --no-fund --prefer-offline /out/cdp360-*.tgz

FROM ${NODE_IMAGE} AS runtime
# NODE_OPTIONS: the V8 flags of services/updater/src/node-flags.ts, which the bin's shebang passes
# elsewhere (a larger young generation: about a quarter less updater CPU per event).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=128 \
    CDP_HTTP_PORT=8080 \
    CDP_METRICS_PORT=9464
# Owned by root, run as node (uid 1000): the process cannot change its own code.
COPY --from=build /app /app
WORKDIR /app
USER node
EXPOSE 8080 9464
# /healthz on CDP_METRICS_PORT answers while the process lives (cdp updater, scorer and serve).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.CDP_METRICS_PORT}/healthz`,{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/node_modules/cdp360/dist/cdp.js"]
CMD ["--help"]
