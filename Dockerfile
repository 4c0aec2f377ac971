# Seam collector image (also runs the demo traffic generator: target "demo").
#   docker build -t seam-collector .
#   docker build --target demo -t seam-demo .
# The collector runs its TypeScript sources through tsx, the same way `npm start` does, so the image
# holds the sources and reads queries/*.sql and the OTLP .proto at run time.
FROM node:20.20-bookworm-slim AS runtime

WORKDIR /app
ENV SEAM_DATA_DIR=/var/lib/seam \
    NPM_CONFIG_UPDATE_NOTIFIER=false

# Lockfile-exact install of every workspace: tsx (which runs the sources) is a root devDependency, and
# `seam policy render` imports @seam/worker-exporter through its workspace link.
# --ignore-scripts: no dependency needs an install script (chdb and esbuild ship their binaries).
COPY package.json package-lock.json ./
COPY collector/package.json collector/package.json
COPY worker-exporter/package.json worker-exporter/package.json
RUN npm ci --ignore-scripts && npm cache clean --force
# Set only after the install: under NODE_ENV=production npm ci would leave out tsx.
ENV NODE_ENV=production

COPY tsconfig.json ./
COPY collector/src collector/src
COPY queries queries
# `seam policy render` reads the Worker's claim-mapping and route-policy documents with the Worker's own parser.
COPY worker-exporter/src worker-exporter/src

# The embedded store and the spool live here when CLICKHOUSE_URL is unset; owned by the unprivileged user.
RUN mkdir -p /var/lib/seam && chown node:node /var/lib/seam
USER node

EXPOSE 4317 4318 9411 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.SEAM_API_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["npx", "--no-install", "tsx", "collector/src/cli/main.ts"]
CMD ["start"]

# Demo traffic: the scenario generator in test/, run continuously against a collector.
FROM runtime AS demo
COPY --chown=node:node test test
ENTRYPOINT []
CMD ["npm", "run", "demo"]
