# syntax=docker/dockerfile:1
# keyhound in a container: one static binary (musl) in a minimal non-root image, no shell, no git
# (keyhound reads repositories itself).
#
#   docker build -t keyhound .
#   docker run --rm -v "$PWD:/repo" keyhound git                 # audit the repository here
#   docker run --rm -v "$PWD:/repo" keyhound staged              # what a commit would add
#   docker run --rm -i keyhound stdin <deploy.log
#
# The image runs as the distroless `nonroot` user (65532:65532); add `--user "$(id -u):$(id -g)"` so a
# report written with `--output` belongs to you. Built for the platform it runs on (linux/amd64 or
# linux/arm64); .github/workflows/release.yml builds each on its own runner and pushes them to
# ghcr.io as one multi-platform image.

FROM rust:1-slim-bookworm AS build
# musl-tools: the C toolchain for the musl target, should a dependency ever compile C (none does)
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends musl-tools \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# the static build for this machine's architecture, with Cargo.lock as committed and the shipped
# profile (Cargo.toml [profile.dist]: release, stripped); the caches only speed up rebuilds
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    target="$(uname -m)-unknown-linux-musl" \
    && rustup target add "$target" \
    && cargo build --locked --profile dist --target "$target" \
    && install -D -m 0755 "target/$target/dist/keyhound" /out/keyhound \
    && /out/keyhound --version

FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.title="keyhound" \
      org.opencontainers.image.description="A fast secret scanner for git: pre-commit, CI ranges and full-history audits" \
      org.opencontainers.image.source="https://github.com/keyhound/keyhound" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"
COPY --from=build /out/keyhound /usr/local/bin/keyhound
USER 65532:65532
WORKDIR /repo
ENTRYPOINT ["keyhound"]
CMD ["--help"]
