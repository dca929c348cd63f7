# thanos-ts image: build with dev dependencies, ship only the compiled CLI and production dependencies.
# Node 22 is the oldest maintained LTS that every dependency supports. Build: docker build -t thanos-ts .
# Expected size, about 330 MB unpacked: node:22-slim (about 200 MB) + production node_modules (129 MB, 358 packages,
# counted file by file from an install of this lockfile) + dist without source maps (1.9 MB). Not built or measured as
# an image here: no Docker daemon on these machines.
FROM node:22-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY proto ./proto
COPY bin ./bin
COPY web ./web
RUN npm ci --no-audit --no-fund && npm prune --omit=dev && find dist -name '*.map' -delete

FROM node:22-slim
WORKDIR /opt/thanos-ts
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/proto ./proto
COPY --from=build /src/bin ./bin
RUN ln -s /opt/thanos-ts/bin/thanos-ts /usr/local/bin/thanos-ts \
 && groupadd --system --gid 10001 thanos \
 && useradd --system --uid 10001 --gid thanos --home-dir /var/thanos --create-home thanos
USER 10001:10001
WORKDIR /var/thanos
EXPOSE 10901 10902
ENTRYPOINT ["thanos-ts"]
