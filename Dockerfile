# syntax=docker/dockerfile:1
# Warta container: a multi-stage build with a cached dependency layer and a
# slim, non-root runtime. The database lives in the /data volume; the token
# comes from the BOT_TOKEN environment variable only.
#
#   docker build -t warta .
#   docker run -d --name warta -e BOT_TOKEN=123:abc -v warta-data:/data warta
#
# To use your own config, mount it and point WARTA_CONFIG at it:
#   docker run ... -v ./bot.toml:/data/bot.toml:ro -e WARTA_CONFIG=/data/bot.toml warta

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src

# Dependencies first: this layer is rebuilt only when the manifest or lockfile change.
COPY Cargo.toml Cargo.lock build.rs ./
RUN mkdir -p src migrations \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
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
    && mkdir -p /data /etc/warta \
    && chown warta:warta /data

COPY --from=build /src/target/release/warta /usr/local/bin/warta
COPY bot.toml /etc/warta/bot.toml

ENV WARTA_CONFIG=/etc/warta/bot.toml \
    WARTA__STORAGE__DATABASE=/data/warta.db \
    RUST_LOG=warn,warta=info

USER warta
WORKDIR /data
VOLUME ["/data"]

# SIGTERM (docker stop) stops Warta cleanly; queued posts stay in the database.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/warta"]
CMD ["run"]
