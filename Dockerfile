# Build in the full Rust image, run in a slim one as an unprivileged user.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin undersigned

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/undersigned --create-home undersigned
COPY --from=build /src/target/release/undersigned /usr/local/bin/undersigned
USER undersigned
WORKDIR /var/lib/undersigned
ENV UNDERSIGNED_BIND=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["undersigned"]
CMD ["serve"]
