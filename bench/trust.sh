#!/usr/bin/env bash
# `wharf pull` of a GPG-signed four-layer image under a `signedBy` policy against `podman pull`
# with the same policy.json (and registries.d lookaside), from one local Distribution 2.8.2
# registry, fresh store (and fresh GPG key cache) each run; wharf's pull without a policy too, so
# that the cost of verification shows. Median of RUNS, the ratios.
# Usage: bench/trust.sh [RUNS] [MIB_PER_LAYER]   (after `npm run build`; as root; needs
# docker-registry, podman, skopeo, gpg). Targets (issue #12): verification adds < 20 ms to wharf's
# pull; wharf's pull >= 1.5x faster than podman's.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
runs="${1:-5}"
mib="${2:-64}"
work="$(mktemp -d /tmp/wharf-bench-trust.XXXXXX)"
all_pids=()
# shellcheck source=lib/registries.sh
. "$here/lib/registries.sh"
# shellcheck source=lib/timing.sh
. "$here/lib/timing.sh"
cleanup() {
  [ -d "$work/gnupg" ] && gpgconf --homedir "$work/gnupg" --kill gpg-agent 2>/dev/null || true
  stop_all
  reset_podman
  rm -rf "$work"
}
trap cleanup EXIT

echo "making a 4 x $mib MiB image and a GPG key in $work ..." >&2
image="$(node "$here/lib/big-image.mjs" "$work/image" bench 4 "$mib")"
bytes="$(node -e 'console.log(JSON.parse(process.argv[1]).bytes)' "$image")"
digest="$(node -e 'console.log(JSON.parse(process.argv[1]).manifest)' "$image")"
export GNUPGHOME="$work/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --pinentry-mode loopback --passphrase '' --quick-gen-key 'bench <bench@wharf.test>' ed25519 sign never 2>/dev/null
fpr="$(gpg --with-colons --list-keys | awk -F: '/^fpr/ { print $10; exit }')"
gpg --batch --export "$fpr" >"$work/signer.gpg"

# registries.d and policy.json where wharf and podman both read them ($HOME/.config/containers).
export HOME="$work/home"
mkdir -p "$HOME/.config/containers/registries.d"
printf 'default-docker:\n  lookaside: file://%s/lookaside\n' "$work" >"$HOME/.config/containers/registries.d/bench.yaml"
policy="$HOME/.config/containers/policy.json"
start_registry distribution registry
ref="$REG_HOST/bench/image:1"
printf '{"default":[{"type":"reject"}],"transports":{"docker":{"%s/bench":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"%s"}]}}}\n' \
  "$REG_HOST" "$work/signer.gpg" >"$work/policy.json"
skopeo --insecure-policy --registries.d "$HOME/.config/containers/registries.d" copy -q --dest-tls-verify=false \
  --sign-by "$fpr" "oci:$work/image:bench" "docker://$ref"
rm -rf "$work/image"

for i in $(seq 1 "$runs"); do
  echo "run $i/$runs ..." >&2
  rm -rf "$work/wharf" "$policy"
  timed plain node "$repo/bin/wharf.cjs" --root "$work/wharf" pull "$ref"
  cp "$work/policy.json" "$policy"
  rm -rf "$work/wharf"
  timed verified node "$repo/bin/wharf.cjs" --root "$work/wharf" pull "$ref"
  grep -q "^Verified .*$fpr" "$work/out" || { echo "wharf pull did not verify:" >&2; cat "$work/out" >&2; exit 1; }
  grep -q "$digest" "$work/out" || { echo "wharf pull did not report $digest" >&2; exit 1; }

  reset_podman
  # shellcheck disable=SC2046
  timed podman podman $(podman_store) pull -q --tls-verify=false --signature-policy "$policy" "$ref"
done

# The cost of verification alone: pulls of the image already stored (resolve, verify, nothing to
# download), alternating without and with the policy; the GPG key cache is warm, as on any pull
# after a root's first.
for i in $(seq 1 20); do
  rm -f "$policy"
  timed stored_plain node "$repo/bin/wharf.cjs" --root "$work/wharf" pull "$ref"
  cp "$work/policy.json" "$policy"
  timed stored_verified node "$repo/bin/wharf.cjs" --root "$work/wharf" pull "$ref"
  grep -q "^Verified " "$work/out" || { echo "wharf pull did not verify:" >&2; cat "$work/out" >&2; exit 1; }
done

# A refusal to be sure the policy is in force: the same image under another key.
gpg --batch --pinentry-mode loopback --passphrase '' --quick-gen-key 'other <o@wharf.test>' ed25519 sign never 2>/dev/null
gpg --batch --export "$(gpg --with-colons --list-keys | awk -F: '/^fpr/ { print $10 }' | tail -1)" >"$work/signer.gpg"
rm -rf "$work/wharf"
if node "$repo/bin/wharf.cjs" --root "$work/wharf" pull "$ref" >"$work/out" 2>&1; then
  echo "wharf pull accepted an image signed by another key" >&2
  exit 1
fi

p0="$(median <<<"${times[plain]}")"
w="$(median <<<"${times[verified]}")"
p="$(median <<<"${times[podman]}")"
added="$(awk -v a="$w" -v b="$p0" 'BEGIN { printf "%.0f", (a - b) * 1000 }')"
s0="$(median <<<"${times[stored_plain]}")"
s1="$(median <<<"${times[stored_verified]}")"
added_stored="$(awk -v a="$s1" -v b="$s0" 'BEGIN { printf "%.1f", (a - b) * 1000 }')"
echo
echo "pull of a GPG-signed 4-layer image, $bytes bytes, from Distribution 2.8.2 on loopback, signedBy policy; $runs runs, fresh store each"
printf '%-36s %12s %12s\n' "" "median s" "MiB/s"
printf '%-36s %12s %12s\n' "wharf pull (no policy)" "$p0" "$(mbps "$bytes" "$p0")"
printf '%-36s %12s %12s\n' "wharf pull (signedBy, verified)" "$w" "$(mbps "$bytes" "$w")"
printf '%-36s %12s %12s\n' "podman pull (signedBy, overlay)" "$p" "$(mbps "$bytes" "$p")"
printf '%-36s %12s\n' "wharf pull, image stored (no policy)" "$s0"
printf '%-36s %12s\n' "wharf pull, image stored (signedBy)" "$s1"
echo "verification adds ${added_stored} ms to wharf's pull (median of 20 pulls of the stored image each way; target < 20)"
echo "  (full pulls, fresh root and key cache each: median difference ${added} ms; the spread is in the times below)"
echo "speed-up of wharf over podman: $(ratio "$p" "$w")x (target >= 1.5)"
echo "all times: plain [${times[plain]} ] verified [${times[verified]} ] podman [${times[podman]} ]"
echo "stored: plain [${times[stored_plain]} ] verified [${times[stored_verified]} ]"
