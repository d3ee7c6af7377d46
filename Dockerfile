# facegate in a container: multi-arch (linux/amd64, linux/arm64 — Raspberry Pi 4/5, Jetson). Build on the target,
# or for both at once with buildx (BuildKit sets TARGETARCH):
#   docker buildx build --platform linux/arm64,linux/amd64 -t facegate .
# The build stage runs on the build machine's own platform (no emulation for npm, the TypeScript compiler and the
# model fetch), then installs the production dependencies for the target: npm picks sharp's @img/*-linux-<cpu>
# packages from package-lock.json by --cpu, and onnxruntime-node ships its linux x64 and arm64 libraries in the
# package itself, so nothing architecture-specific is downloaded by hand. `npm run check:arm64` runs exactly this
# arm64 install under emulation on every CI run. Only the final stage (apt-get install ffmpeg) runs as the target.
# Run with the camera passed through (the container's `video` group matches Debian's gid 44):
#   docker run -d --name facegate --device /dev/video0 --group-add video \
#     -v /etc/facegate:/etc/facegate:ro -v facegate-data:/var/lib/facegate facegate
# or use deploy/docker-compose.yml (mosquitto + facegate).
#
# The base image comes from the registry you use: --build-arg NODE_IMAGE=registry.example/library/node:20-bookworm-slim
# and the npm registry from --build-arg NPM_CONFIG_REGISTRY=https://npm.example/ (the models are npm packages too).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
# Build arguments reach RUN as environment variables: npm (and the model fetch, which uses `npm pack`) read it.
ARG NPM_CONFIG_REGISTRY=https://registry.npmjs.org/
# Set by BuildKit (amd64, arm64); empty with the classic builder, which builds for its own platform.
ARG TARGETARCH
WORKDIR /opt/facegate
COPY package.json package-lock.json .npmrc tsconfig.json ./
COPY bin/ ./bin/
COPY scripts/ ./scripts/
COPY src/ ./src/
COPY config/ ./config/
COPY weights/ ./weights/
# npm ci installs the dependencies (dev ones included: the TypeScript compiler), its postinstall fetches the
# sha256-pinned models into models/ and prepare compiles dist/ (the web page into dist/ui with esbuild). Then
# node_modules is installed again, production only, for the target's CPU (npm's names: x64, arm64; 32-bit ARM is
# refused: onnxruntime has no build for it).
RUN npm ci --no-audit --no-fund \
 && test -f dist/cli/index.js \
 && test -f dist/ui/index.html \
 && test -f models/fr_feature.onnx \
 && case "${TARGETARCH:-native}" in \
      amd64) cpu=x64 ;; \
      arm64) cpu=arm64 ;; \
      native) cpu="$(node -p process.arch)" ;; \
      *) echo "facegate images exist for linux/amd64 and linux/arm64, not ${TARGETARCH}" >&2; exit 1 ;; \
    esac \
 && rm -rf node_modules \
 && npm ci --omit=dev --ignore-scripts --os=linux --libc=glibc --cpu="$cpu" --no-audit --no-fund \
 && npm cache clean --force

FROM ${NODE_IMAGE}
# ffmpeg reads the cameras. No python3: it only serves systemd's sd_notify, which a container does not have.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --groups video --home-dir /var/lib/facegate --no-create-home \
      --shell /usr/sbin/nologin facegate \
 && install -d -m 0700 -o facegate -g facegate /var/lib/facegate \
 && install -d -m 0755 /etc/facegate
WORKDIR /opt/facegate
COPY --from=build /opt/facegate/package.json ./
COPY --from=build /opt/facegate/bin/ ./bin/
COPY --from=build /opt/facegate/dist/ ./dist/
COPY --from=build /opt/facegate/node_modules/ ./node_modules/
COPY --from=build /opt/facegate/models/ ./models/
COPY --from=build /opt/facegate/weights/ ./weights/
COPY --from=build /opt/facegate/scripts/ ./scripts/
COPY --from=build /opt/facegate/config/ ./config/
ENV NODE_ENV=production
# Memory, as deploy/facegate.service sets it: fewer glibc malloc arenas and a small V8 young generation.
ENV MALLOC_ARENA_MAX=2 NODE_OPTIONS=--max-semi-space-size=2
# Files facegate writes (gallery, models, snapshots) are private to its user, as under systemd.
USER facegate
VOLUME ["/var/lib/facegate"]
ENTRYPOINT ["node", "/opt/facegate/bin/facegate.js"]
CMD ["run", "--config", "/etc/facegate/facegate.yaml"]
