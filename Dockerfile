# migcheck: webhook service, queue worker, mail poller and CLI in one image.
#
#   docker build -t migcheck .            (or: podman build -t migcheck .)
#   docker run --rm migcheck --version
#   docker run -p 8080:8080 -v migcheck-state:/var/lib/migcheck \
#     -v ./migcheck.toml:/etc/migcheck/migcheck.toml:ro \
#     -e MIGCHECK_GITLAB_TOKEN -e MIGCHECK_WEBHOOK_SECRET migcheck
#
# Built from the repository alone (the build context is this directory, see .dockerignore);
# the only network access is to the Debian and PyPI package registries. No secret is baked in:
# tokens and passwords come from the environment at run time (deploy/OPERATIONS.md).
# `--build` (building QEMU base/head under bubblewrap) needs unprivileged user namespaces in
# the container: see deploy/OPERATIONS.md, "Sandbox in containers".

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build stage: the project and its Python dependencies in a venv (wheels only) ----
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY rules ./rules
# Dependencies come as manylinux wheels (pygit2 bundles libgit2, tree-sitter-c its grammar).
RUN python -m venv /opt/migcheck \
 && /opt/migcheck/bin/pip install --upgrade pip 'setuptools>=68' wheel \
 && /opt/migcheck/bin/pip install --prefer-binary --no-build-isolation . \
 && /opt/migcheck/bin/migcheck --version

# ---- runtime stage ----
FROM ${PYTHON_IMAGE} AS runtime
ARG DEBIAN_FRONTEND=noninteractive
# git: series/MR checkouts; bubblewrap: build sandbox; tini: PID 1 that reaps sandboxed
# children; compiler + glib/pixman/fdt/slirp/zlib headers, ninja, meson, flex, bison: QEMU
# builds for --build; qemu-system-x86: -dump-vmstate and migration save/load.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates git bubblewrap tini \
      gcc libc6-dev make pkg-config ninja-build meson flex bison \
      libglib2.0-dev libpixman-1-dev libfdt-dev libslirp-dev zlib1g-dev \
      qemu-system-x86 \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --gid 10001 migcheck \
 && useradd --uid 10001 --gid migcheck --no-create-home --home-dir /var/lib/migcheck \
      --shell /usr/sbin/nologin migcheck \
 && install -d -o migcheck -g migcheck -m 0750 /var/lib/migcheck /etc/migcheck

COPY --from=build /opt/migcheck /opt/migcheck
COPY deploy/migcheck.example.toml /etc/migcheck/migcheck.example.toml

ENV PATH=/opt/migcheck/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MIGCHECK_HEALTH_URL=http://127.0.0.1:8080/healthz

USER migcheck:migcheck
WORKDIR /var/lib/migcheck
VOLUME ["/var/lib/migcheck"]
EXPOSE 8080

# Liveness of the web process (GET /healthz also asks the queue). Worker containers override
# this (deploy/compose.yaml) since they serve no HTTP.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(0 if urllib.request.urlopen(os.environ['MIGCHECK_HEALTH_URL'], timeout=4).status == 200 else 1)"]

ENTRYPOINT ["/usr/bin/tini", "--", "migcheck"]
CMD ["serve", "--config", "/etc/migcheck/migcheck.toml", "--host", "0.0.0.0"]
