# downstash as a container: a build stage compiles the single binary with the repository's own
# build script, the runtime stage is debian-slim (glibc, which the Bun binary needs, and a shell for
# `fly ssh console`). The server runs as the unprivileged `downstash` user with its data in /data.
#
#   docker build -t downstash .
#   docker run -p 8080:8080 -v downstash-data:/data downstash

ARG NODE_IMAGE=node:22-bookworm-slim
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Dependencies first, so a source change does not reinstall them. Bun comes from npm as a dev dependency.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY bunfig.toml tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
# The git commit to embed (`downstash version`); the build context has no .git.
ARG COMMIT=unknown
# Set by BuildKit to the platform being built (docker buildx build --platform linux/arm64 ...).
ARG TARGETARCH
# x64 gets the baseline build: it runs on CPUs without AVX2 too, so any host can run the image.
RUN case "${TARGETARCH:-$(uname -m)}" in \
      arm64|aarch64) target=bun-linux-arm64 ;; \
      *) target=bun-linux-x64-baseline ;; \
    esac \
 && node_modules/.bin/bun scripts/build.ts --outfile /out/downstash --target "$target" --commit "$COMMIT" \
 && /out/downstash version

FROM ${RUNTIME_IMAGE}
RUN groupadd --system --gid 10001 downstash \
 && useradd --system --uid 10001 --gid downstash --home-dir /data --no-create-home --shell /usr/sbin/nologin downstash \
 && mkdir -p /data \
 && chown downstash:downstash /data \
 && chmod 700 /data
COPY --from=build /out/downstash /usr/local/bin/downstash
COPY packaging/docker/entrypoint.sh /usr/local/bin/downstash-entrypoint
RUN chmod 755 /usr/local/bin/downstash /usr/local/bin/downstash-entrypoint
# Every IPv4 interface, so a port mapping reaches it (fly.toml widens it to :: for 6PN); /data is
# the volume. Tokens come from the environment (docker -e, fly secrets) or are generated into /data.
ENV DOWNSTASH_HOST=0.0.0.0 \
    DOWNSTASH_PORT=8080 \
    DOWNSTASH_DATA_DIR=/data \
    DOWNSTASH_UID=10001 \
    DOWNSTASH_GID=10001
VOLUME ["/data"]
EXPOSE 8080
# No curl in the image: the binary checks its own /healthz on DOWNSTASH_HOST/PORT.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["/usr/local/bin/downstash", "healthcheck"]
STOPSIGNAL SIGTERM
# Starts as root only to hand a freshly mounted (root-owned) volume to the downstash user, then
# drops to it; see packaging/docker/entrypoint.sh.
ENTRYPOINT ["/usr/local/bin/downstash-entrypoint"]
CMD ["serve"]
