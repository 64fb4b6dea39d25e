# syntax=docker/dockerfile:1
# Multi-stage build of the adlerdo binary; the runtime image holds the binary, libpq and curl
# (for the health check) and runs as an unprivileged user.

FROM rust:1.95-bookworm AS build
WORKDIR /src
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev \
    && rm -rf /var/lib/apt/lists/*
# Dependencies first, so that a source change does not rebuild them.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches \
    && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && echo 'fn main() {}' > benches/queue.rs \
    && echo 'fn main() {}' > benches/startup.rs \
    && echo 'fn main() {}' > benches/products.rs \
    && echo 'fn main() {}' > benches/facade.rs \
    && echo 'fn main() {}' > benches/stock.rs \
    && echo 'fn main() {}' > benches/orders.rs \
    && cargo build --release --locked --bin adlerdo \
    && rm -rf src benches
COPY src src
COPY benches benches
COPY migrations migrations
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin adlerdo

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /var/lib/adlerdo --create-home --shell /usr/sbin/nologin adlerdo
COPY --from=build /src/target/release/adlerdo /usr/local/bin/adlerdo
COPY adlerdo.example.toml /etc/adlerdo/adlerdo.example.toml
USER adlerdo
WORKDIR /var/lib/adlerdo
ENV ADLERDO_DATA_DIR=/var/lib/adlerdo \
    ADLERDO_SERVER__HOST=0.0.0.0 \
    ADLERDO_SERVER__PORT=8070
EXPOSE 8070
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8070/health || exit 1
ENTRYPOINT ["adlerdo"]
CMD ["serve"]
