# syntax=docker/dockerfile:1
# One image for every command: `serve` (the default), `worker`, `migrate` and the rest of the
# CLI (`docker run IMAGE digest --date 2026-08-18`). See "Run it with Docker" in README.md.
ARG NODE_IMAGE=node:20-bookworm-slim

# Build: every dependency, then `npm run build` compiles src/ and migrations/ into dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/build.mjs
COPY src src
COPY migrations migrations
COPY templates templates
COPY public public
COPY data/sample data/sample
COPY data/models data/models
RUN npm run build

# Runtime: production dependencies only, the compiled build (templates, migrations and static
# files inside it) and the bin; no compiler, no sources. Runs as the image's unprivileged `node`.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund \
  && mkdir .data && chown node:node .data
COPY bin bin
COPY --from=build /app/dist dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "bin/healthcheck.mjs"]
ENTRYPOINT ["node", "bin/paperboy.mjs"]
CMD ["serve"]
