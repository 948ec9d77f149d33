#!/usr/bin/env bash
# `wharf pull` against `podman pull` and `skopeo copy docker:// oci:` of the same ~1 GiB four-layer
# image from one local Distribution 2.8.2 registry, each into a fresh store every run; median of
# RUNS, the ratios, and the peak RSS of each (GNU time's maximum resident set size).
# Usage: bench/pull.sh [RUNS]   (after `npm run build`; as root; needs docker-registry, podman,
# skopeo, /usr/bin/time). Targets (issue #3): wharf >= 1.5x faster than podman pull; wharf's peak
# RSS < 150 MB.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
runs="${1:-5}"
work="$(mktemp -d /tmp/wharf-bench-pull.XXXXXX)"
all_pids=()
# shellcheck source=lib/registries.sh
. "$here/lib/registries.sh"
# shellcheck source=lib/timing.sh
. "$here/lib/timing.sh"
cleanup() {
  stop_all
  reset_podman
  rm -rf "$work"
}
trap cleanup EXIT

echo "making a 4 x 256 MiB image in $work ..." >&2
image="$(node "$here/lib/big-image.mjs" "$work/image" bench 4 256)"
bytes="$(node -e 'console.log(JSON.parse(process.argv[1]).bytes)' "$image")"
digest="$(node -e 'console.log(JSON.parse(process.argv[1]).manifest)' "$image")"
start_registry distribution registry
ref="$REG_HOST/bench/image:1"
skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$work/image:bench" "docker://$ref"
rm -rf "$work/image"

for i in $(seq 1 "$runs"); do
  echo "run $i/$runs ..." >&2
  rm -rf "$work/wharf"
  timed_rss wharf node "$repo/bin/wharf.cjs" --root "$work/wharf" pull "$ref"
  grep -q "$digest" "$work/out" || { echo "wharf pull did not report $digest:" >&2; cat "$work/out" >&2; exit 1; }

  reset_podman
  # shellcheck disable=SC2046
  timed_rss podman podman $(podman_store) pull -q --tls-verify=false "$ref"

  rm -rf "$work/oci"
  timed_rss skopeo skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$ref" "oci:$work/oci:1"
done

w="$(median <<<"${times[wharf]}")"
p="$(median <<<"${times[podman]}")"
s="$(median <<<"${times[skopeo]}")"
echo
echo "pull of a 4-layer image, $bytes bytes, from Distribution 2.8.2 on loopback; $runs runs, fresh store each"
printf '%-28s %12s %12s %16s\n' "" "median s" "MiB/s" "peak RSS MiB"
printf '%-28s %12s %12s %16s\n' "wharf pull" "$w" "$(mbps "$bytes" "$w")" "$(max <<<"${rss[wharf]}")"
printf '%-28s %12s %12s %16s\n' "podman pull (overlay)" "$p" "$(mbps "$bytes" "$p")" "$(max <<<"${rss[podman]}")"
printf '%-28s %12s %12s %16s\n' "skopeo copy docker:// oci:" "$s" "$(mbps "$bytes" "$s")" "$(max <<<"${rss[skopeo]}")"
echo "speed-up of wharf over podman: $(ratio "$p" "$w")x (target >= 1.5); over skopeo: $(ratio "$s" "$w")x"
echo "all times: wharf [${times[wharf]} ] podman [${times[podman]} ] skopeo [${times[skopeo]} ]"
