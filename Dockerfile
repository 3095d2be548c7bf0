# syntax=docker/dockerfile:1

# EmitHub container image.
#   docker build -t emit-hub .
#   docker run -p 8080:8080 -v emit-hub-data:/app/data emit-hub

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------
# Build stage: full dev dependencies, native sqlite3 compile, TypeScript build.
# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build

# sqlite3 builds its native addon with node-gyp when no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Manifests first so the dependency layer is cached until they change.
COPY package.json package-lock.json ./
RUN npm ci

COPY tsconfig*.json nest-cli.json ./
COPY src ./src

# Build with dev deps, then drop them; the compiled sqlite3 addon stays in node_modules.
RUN npx nest build \
 && npm prune --omit=dev \
 && npm cache clean --force

# ---------------------------------------------------------------------------
# Runtime stage: same base (same glibc/ABI as the compiled addon), no toolchain.
# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

# Listen on every interface (the app default is loopback) and keep the database on the volume.
ENV NODE_ENV=production \
    EMIT_HUB_HOST=0.0.0.0 \
    EMIT_HUB_DB_PATH=/app/data/emit_hub.db

WORKDIR /app

# Code stays owned by root (read-only for the app user); only /app/data is writable.
# package.json is read at run time for the service name and version.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

# A named volume mounted here starts with this ownership, so the app user can write to it.
RUN mkdir -p /app/data && chown node:node /app/data

# The official image's unprivileged user (uid/gid 1000).
USER node

VOLUME ["/app/data"]
EXPOSE 8080

# The slim image has no curl; Node 20's global fetch does the check instead.
HEALTHCHECK --interval=30s --timeout=10s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.EMIT_HUB_PORT||8080)+'/api/v1/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]

# On SIGTERM the service fails readiness, closes WebSockets with 1001 and exits within 10 s.
STOPSIGNAL SIGTERM

# Exec form: node is PID 1 and receives SIGTERM directly (no shell in between).
CMD ["node", "dist/main.js"]
