#!/usr/bin/env bash
# Installs the Debian packages wharf's tests and benchmarks use (the real peers: Distribution's
# registry, skopeo, podman, buildah, umoci, runc, a static busybox). Skips what is already there.
set -euo pipefail
want=(docker-registry skopeo podman buildah umoci runc busybox-static apache2-utils openssl ca-certificates gcc util-linux iproute2)
[ "${1:-}" = "--bench" ] && want+=(wrk hyperfine curl)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
