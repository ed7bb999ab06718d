# syntax=docker/dockerfile:1
# The offload API image. Build from the repository root:
#   docker build -f docker/api.Dockerfile -t offload-api .
# `npm run images:verify` replays this file without Docker (prune, install, build, a fresh
# production-only install, then this CMD with this WORKDIR and ENV): keep the stages in step.

ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# 1. prune: only the API's workspaces and its slice of the lockfile (out/json, out/full,
#    out/package-lock.json), so a change elsewhere in the monorepo does not bust the cache.
FROM ${NODE_IMAGE} AS prune
ENV TURBO_TELEMETRY_DISABLED=1
WORKDIR /repo
# The same turbo as the root package.json pins (a test checks they agree).
RUN npm install --global --no-audit --no-fund turbo@2.11.9
COPY . .
RUN turbo prune @offload/api --docker

# 2. build: every dependency (dev included) from the pruned lockfile, then compile with turbo.
FROM ${NODE_IMAGE} AS build
ENV TURBO_TELEMETRY_DISABLED=1
WORKDIR /app
COPY --from=prune /repo/out/json/ ./
COPY --from=prune /repo/out/package-lock.json ./package-lock.json
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY --from=prune /repo/out/full/ ./
RUN npx turbo run build --filter=@offload/api --output-logs=errors-only

# 3. runtime: production dependencies only, in a fresh directory, plus the compiled output.
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /data \
  && chown node:node /data
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=prune /repo/out/json/ ./
COPY --from=prune /repo/out/package-lock.json ./package-lock.json
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund
# The compiled workspaces the API runs (a test checks this list against its dependencies).
COPY --from=build /app/packages/broker/dist ./packages/broker/dist
COPY --from=build /app/packages/config/dist ./packages/config/dist
COPY --from=build /app/packages/contracts/dist ./packages/contracts/dist
COPY --from=build /app/packages/dead-letters/dist ./packages/dead-letters/dist
COPY --from=build /app/packages/storage/dist ./packages/storage/dist
COPY --from=build /app/packages/telemetry/dist ./packages/telemetry/dist
COPY --from=build /app/apps/api/dist ./apps/api/dist
# The console's static files, which the API serves at /console/.
COPY --from=build /app/apps/console/dist ./apps/console/dist
USER node
WORKDIR /app/apps/api
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini is PID 1: it forwards SIGTERM to node (not npm) and reaps zombies.
ENTRYPOINT ["tini", "--"]
CMD ["node", "dist/main.js"]
