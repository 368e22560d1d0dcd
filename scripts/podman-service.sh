#!/usr/bin/env bash
# Podman's Docker-compatible API for the docker executor (VLAD_EXECUTOR=docker), on this
# machine's own image storage (where `podman build` puts kernel images). Runs in the
# foreground; stop it with Ctrl-C.
#   scripts/podman-service.sh [SOCKET]        default: /run/vlad-podman/podman.sock
# then, in another shell:
#   VLAD_EXECUTOR=docker VLAD_DOCKER_BASE_URL=unix:///run/vlad-podman/podman.sock make run
set -euo pipefail
cd "$(dirname "$0")/.."
socket="${1:-/run/vlad-podman/podman.sock}"
folder="$(dirname "$socket")"
mkdir -p "$folder"
# runc, cgroupfs and a file events log: what works on VMs without systemd (see vlad.devtools.podman).
"${PYTHON:-.venv/bin/python}" -c 'from vlad.devtools.podman import CONTAINERS_CONF; print(CONTAINERS_CONF, end="")' \
  > "$folder/containers.conf"
export CONTAINERS_CONF="$folder/containers.conf"
echo "Podman's Docker API at unix://$socket (containers.conf: $CONTAINERS_CONF; use it for podman build too)"
echo "  VLAD_EXECUTOR=docker VLAD_DOCKER_BASE_URL=unix://$socket"
exec podman system service --time=0 "unix://$socket"
