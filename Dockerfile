# Seam collector images, on Node 24 LTS.
#   docker build --target seam -t seam-collector:0.2.0 .                    for a ClickHouse server (CLICKHOUSE_URL)
#   docker build --target seam-embedded -t seam-collector-embedded:0.2.0 .  with the embedded engine (chdb, x86-64
#                                                                          Linux only, ~580 MB more)
#   docker build --target demo -t seam-demo:0.2.0 .                         the demo traffic generator
# The runtime images hold the compiled collector, queries/ and production dependencies only, run as the
# unprivileged user `node`, and start with `node`. test/ship-image.test.ts assembles the same file sets
# with these instructions.

# Compiles the collector, the Worker package (whose rule parser `seam policy render` imports) and the
# web console the collector serves.
FROM node:24-bookworm-slim AS build
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
COPY package.json package-lock.json ./
COPY collector/package.json collector/
COPY worker-exporter/package.json worker-exporter/
# --ignore-scripts: the root's prepare script would build before the sources are here; `npm run build` follows.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY collector/tsconfig.build.json collector/
COPY collector/src collector/src
COPY worker-exporter/tsconfig.json worker-exporter/tsconfig.build.json worker-exporter/
COPY worker-exporter/src worker-exporter/src
COPY console console
RUN npm run build

# Production dependencies without the optional embedded engine. No dependency needs its install script
# (package.json's allowScripts records the review), so none runs. These stages' npm caches stay behind:
# only node_modules is copied out of them.
FROM node:24-bookworm-slim AS server-deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
COPY package.json package-lock.json ./
COPY collector/package.json collector/
COPY worker-exporter/package.json worker-exporter/
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

# Production dependencies with the embedded engine.
FROM node:24-bookworm-slim AS embedded-deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
COPY package.json package-lock.json ./
COPY collector/package.json collector/
COPY worker-exporter/package.json worker-exporter/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# What both collector images share: the compiled code, the console and the SQL read at run time.
FROM node:24-bookworm-slim AS runtime
# The embedded store, the write-ahead log and the spool live here; owned by the unprivileged user.
RUN mkdir -p /var/lib/seam && chown node:node /var/lib/seam
WORKDIR /app
ENV NODE_ENV=production \
    SEAM_DATA_DIR=/var/lib/seam
COPY package.json ./
COPY collector/package.json collector/
COPY worker-exporter/package.json worker-exporter/
COPY --from=build /app/collector/dist collector/dist
COPY --from=build /app/worker-exporter/dist worker-exporter/dist
COPY --from=build /app/console/dist console/dist
COPY queries queries
USER node
EXPOSE 4317 4318 9411 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.SEAM_API_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "collector/dist/cli/main.js"]
CMD ["start"]

# Demo traffic: the scenario generator in test/, run continuously against a collector. It runs its
# TypeScript through tsx, so it keeps the build stage's full install.
FROM node:24-bookworm-slim AS demo
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
COPY --from=build /app /app
COPY test test
USER node
ENTRYPOINT []
CMD ["npm", "run", "demo"]

# The collector with the embedded ClickHouse engine, for a single node without a ClickHouse server.
FROM runtime AS seam-embedded
COPY --from=embedded-deps /app/node_modules node_modules

# The collector for a ClickHouse server (CLICKHOUSE_URL). Without one it stops at start and says which
# image to use instead. Last, so that a plain `docker build .` builds it.
FROM runtime AS seam
COPY --from=server-deps /app/node_modules node_modules
