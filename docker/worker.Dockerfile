# syntax=docker/dockerfile:1
# The offload worker image. Build from the repository root:
#   docker build -f docker/worker.Dockerfile -t offload-worker .
# `npm run images:verify` replays this file without Docker (prune, install, build, a fresh
# production-only install, then this CMD with this WORKDIR and ENV): keep the stages in step.

ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# 1. prune: only the worker's workspaces and its slice of the lockfile (out/json, out/full,
#    out/package-lock.json), so a change elsewhere in the monorepo does not bust the cache.
FROM ${NODE_IMAGE} AS prune
ENV TURBO_TELEMETRY_DISABLED=1
WORKDIR /repo
# The same turbo as the root package.json pins (a test checks they agree).
RUN npm install --global --no-audit --no-fund turbo@2.11.9
COPY . .
RUN turbo prune @offload/worker --docker

# 2. build: every dependency (dev included) from the pruned lockfile, then compile with turbo.
FROM ${NODE_IMAGE} AS build
ENV TURBO_TELEMETRY_DISABLED=1
WORKDIR /app
COPY --from=prune /repo/out/json/ ./
COPY --from=prune /repo/out/package-lock.json ./package-lock.json
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY --from=prune /repo/out/full/ ./
RUN npx turbo run build --filter=@offload/worker --output-logs=errors-only

# 3. runtime: production dependencies only, in a fresh directory, plus the compiled output.
#    sharp (libvips) and DuckDB ship glibc prebuilt binaries: hence a Debian slim base.
#    fontconfig + DejaVu: text watermarks need a font. Noto CJK and Noto Color Emoji (about 100 MB
#    installed) draw the CJK and emoji DejaVu lacks: Pango falls back per glyph. jemalloc: glibc's
#    malloc fragments badly under libvips' and DuckDB's threads (sharp's own advice); with jemalloc
#    sharp would default to one libvips thread per core, so SHARP_CONCURRENCY is set explicitly.
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini fontconfig fonts-dejavu-core fonts-noto-cjk fonts-noto-color-emoji libjemalloc2 \
  && rm -rf /var/lib/apt/lists/* \
  && ln -s "$(dpkg -L libjemalloc2 | grep '/libjemalloc\.so\.2$')" /usr/local/lib/libjemalloc.so.2 \
  && mkdir -p /data \
  && chown node:node /data
ENV NODE_ENV=production \
    LD_PRELOAD=/usr/local/lib/libjemalloc.so.2 \
    SHARP_CONCURRENCY=1 \
    WORKER_HTTP_PORT=3001 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=prune /repo/out/json/ ./
COPY --from=prune /repo/out/package-lock.json ./package-lock.json
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund
# The compiled workspaces the worker runs (a test checks this list against its dependencies).
COPY --from=build /app/packages/broker/dist ./packages/broker/dist
COPY --from=build /app/packages/config/dist ./packages/config/dist
COPY --from=build /app/packages/contracts/dist ./packages/contracts/dist
COPY --from=build /app/packages/dead-letters/dist ./packages/dead-letters/dist
COPY --from=build /app/packages/storage/dist ./packages/storage/dist
COPY --from=build /app/packages/telemetry/dist ./packages/telemetry/dist
COPY --from=build /app/apps/worker/dist ./apps/worker/dist
USER node
WORKDIR /app/apps/worker
# /livez, /readyz and /metrics; the worker takes no other traffic.
EXPOSE 3001
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.WORKER_HTTP_PORT||3001)+'/readyz',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini is PID 1: it forwards SIGTERM to node (not npm) and reaps zombies. The dead-letter CLI is
# in the same image: `node dist/dlq/main.js list`.
ENTRYPOINT ["tini", "--"]
CMD ["node", "dist/main.js"]
