# One image for every Parley service; SERVICE picks the entry point (services/<SERVICE>/src/main.ts).
# Not built on the development machine (no Docker engine there); see README "Run modes".
FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY gen/ts/package.json gen/ts/
COPY mesh/package.json mesh/
COPY services/auth/package.json services/auth/
COPY server/package.json server/
COPY web/package.json web/
COPY scripts/proto-deps.ts scripts/proto-source.ts scripts/
RUN npm ci --omit=dev --ignore-scripts && npm rebuild better-sqlite3

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production PARLEY_DATA_DIR=/data
COPY --from=deps /app/node_modules node_modules
COPY . .
ARG SERVICE=auth
ENV SERVICE=${SERVICE}
USER node
CMD ["sh", "-c", "exec node --import tsx services/${SERVICE}/src/main.ts"]
