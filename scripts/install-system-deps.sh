#!/usr/bin/env bash
# Installs the Debian packages the project runs with, when they are missing.
# --browser: also Chromium (and a Korean font) for the web UI's browser tests (tests/e2e).
set -euo pipefail
missing=()
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
# The docker executor's tests: Podman's Docker-compatible API, with runc (crun cannot raise
# rlimits on these VMs). Ray's tests run in a private network namespace: unshare and ip.
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || missing+=(runc)
command -v unshare >/dev/null || missing+=(util-linux)
command -v ip >/dev/null || missing+=(iproute2)
if [ "${1:-}" = "--browser" ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # Only for legible Korean in the screenshots the tests save; the tests pass without it.
  dpkg -s fonts-nanum >/dev/null 2>&1 || missing+=(fonts-nanum)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "Please install: ${missing[*]} (Debian packages); a broker may be given by VLAD_BROKER_URL instead." >&2
    exit 1
  fi
  echo "Installing ${missing[*]} ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
