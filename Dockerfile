# syntax=docker/dockerfile:1
# Warta container: a multi-stage build with a cached dependency layer and a
# slim, non-root runtime. The database and the config live in the /data
# volume (a new volume starts with the example bot.toml); the token comes from
# the BOT_TOKEN environment variable only. See compose.yaml.
#
#   docker build -t warta .
#   docker run -d --name warta -e BOT_TOKEN=123:abc -v warta-data:/data -p 8080:8080 warta
#
# Your own config: mount it over the example:
#   docker run ... -v ./bot.toml:/data/bot.toml:ro warta

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src

# Dependencies first: this layer is rebuilt only when the manifest or lockfile change.
COPY Cargo.toml Cargo.lock build.rs ./
# Cargo insists that the [[bench]] targets named in the manifest exist: placeholders
# (benchmarks are never built here).
RUN mkdir -p src migrations benches \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && for bench in $(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | tail -n +2); do \
           echo 'fn main() {}' > "benches/$bench.rs"; \
       done \
    && cargo build --release --locked \
    && rm -rf src

COPY migrations migrations
COPY src src
# Make sure cargo rebuilds the crate itself, not the placeholder.
RUN touch src/main.rs src/lib.rs && cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin warta \
    && mkdir -p /data \
    && chown warta:warta /data

COPY --from=build /src/target/release/warta /usr/local/bin/warta
# Copied into every new /data volume by Docker: edit it there, or mount your own.
COPY --chown=warta:warta bot.toml /data/bot.toml

ENV WARTA_CONFIG=/data/bot.toml \
    WARTA__STORAGE__DATABASE=/data/warta.db \
    WARTA__HTTP__LISTEN=0.0.0.0:8080 \
    RUST_LOG=warn,warta=info

USER warta
WORKDIR /data
VOLUME ["/data"]
# /healthz, /readyz, /metrics (and the webhook in webhook mode).
EXPOSE 8080

# Liveness through Warta itself: no curl in the image.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/warta", "healthcheck"]

# SIGTERM (docker stop) stops Warta cleanly within 10 s; queued posts stay in the database.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/warta"]
CMD ["run"]
