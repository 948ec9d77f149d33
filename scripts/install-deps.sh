#!/usr/bin/env bash
# Installs the Debian packages wharf uses. Skips what is already there.
#   scripts/install-deps.sh          what the tests use (the real peers: Distribution's registry,
#                                    skopeo, podman, buildah, umoci, runc, a static busybox, ...;
#                                    Ceph's monitor, OSD, manager and RADOS Gateway, nginx and
#                                    redis-server for the s3 and replica tests: scripts/ceph.sh;
#                                    rsyslog, the syslog logging driver's server in its test)
#   scripts/install-deps.sh --run    only what `wharf run` and the hello-world walkthrough need
#   scripts/install-deps.sh --bench  the tests' packages and the benchmarks' tools
set -euo pipefail
run=(runc util-linux gcc tini procps)
want=("${run[@]}" docker-registry skopeo podman buildah umoci busybox-static apache2-utils openssl ca-certificates iproute2 zstd bzip2 xz-utils gnupg
  ceph-mon ceph-osd ceph-mgr radosgw ceph-common nginx redis-server
  rsyslog)
# Bridge networks: the CNI plugins (bridge, host-local, portmap, loopback), `ip` (namespaces,
# bridges), iptables (NAT and forwarding rules) with nftables' `nft`. The network tests compare with
# podman's own networks (netavark, aardvark-dns) and fetch from published ports with curl.
net=(containernetworking-plugins iproute2 iptables nftables)
run+=("${net[@]}")
want+=("${net[@]}" netavark aardvark-dns curl)
case "${1:-}" in
  --run) want=("${run[@]}") ;;
  --bench) want+=(wrk hyperfine curl) ;;
  "") ;;
  *) echo "usage: $0 [--run|--bench]" >&2; exit 2 ;;
esac
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "Error: missing Debian packages: ${missing[*]}" >&2
    echo "Hint: as root, run: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  SUDO="sudo"
fi
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
