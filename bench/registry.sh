#!/usr/bin/env bash
# wharf registry serve against Distribution 2.8.2 (Debian's docker-registry), side by side on
# loopback with the same config.yml and the same client:
#   - push and pull throughput of a ~1 GiB four-layer image (skopeo copy oci: -> docker:// into a
#     fresh registry each run, and docker:// -> a fresh oci: dir), median of RUNS;
#   - manifest GET requests per second (wrk, 2 threads, 32 connections, OCI Accept header);
#   - the 1 GiB blob PUT and GET with curl (the server's own throughput, without skopeo's costs);
#   - peak RSS (VmHWM, reset before each phase) while receiving and while serving a 1 GiB blob;
#   - the registry's CPU time (user + system) per image push.
# Usage: bench/registry.sh [RUNS] [SECONDS]   (after `npm run build`; Linux; needs docker-registry,
# skopeo, wrk, curl). Targets (issue #2): every ratio wharf/Distribution >= 1.0 for throughput,
# wharf's peak RSS < 200 MB while serving a 1 GiB blob.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
runs="${1:-3}"
seconds="${2:-5}"
work="$(mktemp -d /tmp/wharf-bench-registry.XXXXXX)"
all_pids=()
# shellcheck source=lib/registries.sh
. "$here/lib/registries.sh"
trap 'stop_all; rm -rf "$work"' EXIT
sk=(skopeo --insecure-policy)
# A process's CPU time so far (user + system), in seconds.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }

echo "making a 4 x 256 MiB image and a 1 GiB blob in $work ..." >&2
image="$(node "$here/lib/big-image.mjs" "$work/image" bench 4 256)"
bytes="$(node -e 'console.log(JSON.parse(process.argv[1]).bytes)' "$image")"
digest="$(node -e 'console.log(JSON.parse(process.argv[1]).manifest)' "$image")"
head -c 1073741824 /dev/urandom >"$work/big.bin"
big_digest="sha256:$(sha256sum "$work/big.bin" | cut -d' ' -f1)"

declare -A push push_cpu pull rps push_rss get_rss put_rss idle_rss url pid blob_put blob_get

push_once() { # kind i
  start_registry "$1" "$1-push-$2"
  local t0 t1 c0
  c0="$(cpu_s "$REG_PID")"
  t0="$(now)"
  "${sk[@]}" copy -q --dest-tls-verify=false "oci:$work/image:bench" "docker://$REG_HOST/bench/image:1"
  t1="$(now)"
  push[$1]+=" $(elapsed "$t0" "$t1")"
  push_cpu[$1]+=" $(elapsed "$c0" "$(cpu_s "$REG_PID")")"
  push_rss[$1]="$(peak_rss_mib "$REG_PID")"
  local got
  got="$("${sk[@]}" inspect --tls-verify=false --format '{{.Digest}}' "docker://$REG_HOST/bench/image:1")"
  [ "$got" = "$digest" ] || { echo "$1: pushed digest $got, expected $digest" >&2; exit 1; }
  url[$1]="$REG_HOST"
  pid[$1]="$REG_PID"
}

for i in $(seq 1 "$runs"); do
  for kind in distribution wharf; do
    echo "push $kind run $i ..." >&2
    push_once "$kind" "$i"
    [ "$i" -lt "$runs" ] && stop_pid "$REG_PID"
  done
done

# The registries of the last push run stay up: pulls, wrk and the 1 GiB blob go to them.

for i in $(seq 1 "$runs"); do
  for kind in distribution wharf; do
    echo "pull $kind run $i ..." >&2
    rm -rf "$work/pulled"
    t0="$(now)"
    "${sk[@]}" copy -q --src-tls-verify=false "docker://${url[$kind]}/bench/image:1" "oci:$work/pulled:1"
    t1="$(now)"
    pull[$kind]+=" $(elapsed "$t0" "$t1")"
    grep -q "$digest" "$work/pulled/index.json" || { echo "$kind: pulled a different manifest" >&2; exit 1; }
  done
done
rm -rf "$work/pulled"

for kind in distribution wharf; do
  echo "wrk $kind ..." >&2
  out="$(wrk -t2 -c32 -d"${seconds}s" -H "Accept: application/vnd.oci.image.manifest.v1+json" \
    "http://${url[$kind]}/v2/bench/image/manifests/1")"
  rps[$kind]="$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")"
  if grep -q "Non-2xx" <<<"$out"; then echo "$kind: wrk saw errors: $(grep Non-2xx <<<"$out")" >&2; exit 1; fi
done

for kind in distribution wharf; do
  echo "1 GiB blob $kind ..." >&2
  p="${pid[$kind]}"
  idle_rss[$kind]="$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$p/status")"
  loc="$(curl -fsS -o /dev/null -D - -X POST "http://${url[$kind]}/v2/bench/big/blobs/uploads/" |
    awk 'tolower($1) == "location:" { sub(/\r$/, "", $2); print $2 }')"
  case "$loc" in http*) ;; *) loc="http://${url[$kind]}$loc" ;; esac
  case "$loc" in *\?*) sep='&' ;; *) sep='?' ;; esac
  reset_peak_rss "$p"
  t0="$(now)"
  curl -fsS -o /dev/null -X PUT -H "Content-Type: application/octet-stream" -T "$work/big.bin" \
    "$loc${sep}digest=$big_digest"
  t1="$(now)"
  blob_put[$kind]="$(elapsed "$t0" "$t1")"
  put_rss[$kind]="$(peak_rss_mib "$p")"
  reset_peak_rss "$p"
  t0="$(now)"
  curl -fsS -o /dev/null "http://${url[$kind]}/v2/bench/big/blobs/$big_digest"
  t1="$(now)"
  blob_get[$kind]="$(elapsed "$t0" "$t1")"
  got="$(curl -fsS "http://${url[$kind]}/v2/bench/big/blobs/$big_digest" | sha256sum | cut -d' ' -f1)"
  get_rss[$kind]="$(peak_rss_mib "$p")"
  [ "sha256:$got" = "$big_digest" ] || { echo "$kind: the 1 GiB blob came back different" >&2; exit 1; }
done

row() { printf '%-40s %14s %14s %10s\n' "$@"; }
echo
echo "image: 4 layers, $bytes bytes; $runs runs each (median); wrk ${seconds}s, 2 threads, 32 connections"
row "" "wharf" "distribution" "ratio"
for m in push pull; do
  declare -n times="$m"
  w="$(median <<<"${times[wharf]}")"
  d="$(median <<<"${times[distribution]}")"
  row "$m MiB/s (skopeo, median)" "$(mbps "$bytes" "$w")" "$(mbps "$bytes" "$d")" "$(ratio "$d" "$w")"
done
row "registry CPU-s per image push (median)" "$(median <<<"${push_cpu[wharf]}")" "$(median <<<"${push_cpu[distribution]}")" "$(ratio "$(median <<<"${push_cpu[wharf]}")" "$(median <<<"${push_cpu[distribution]}")")"
big_bytes=1073741824
row "1 GiB blob PUT MiB/s (curl, one run)" "$(mbps "$big_bytes" "${blob_put[wharf]}")" "$(mbps "$big_bytes" "${blob_put[distribution]}")" "$(ratio "${blob_put[distribution]}" "${blob_put[wharf]}")"
row "1 GiB blob GET MiB/s (curl, one run)" "$(mbps "$big_bytes" "${blob_get[wharf]}")" "$(mbps "$big_bytes" "${blob_get[distribution]}")" "$(ratio "${blob_get[distribution]}" "${blob_get[wharf]}")"
row "manifest GET req/s (wrk)" "${rps[wharf]}" "${rps[distribution]}" "$(ratio "${rps[wharf]}" "${rps[distribution]}")"
row "RSS idle after the runs, MiB" "${idle_rss[wharf]}" "${idle_rss[distribution]}" "$(ratio "${idle_rss[wharf]}" "${idle_rss[distribution]}")"
row "peak RSS during image push, MiB" "${push_rss[wharf]}" "${push_rss[distribution]}" "$(ratio "${push_rss[wharf]}" "${push_rss[distribution]}")"
row "peak RSS receiving a 1 GiB blob, MiB" "${put_rss[wharf]}" "${put_rss[distribution]}" "$(ratio "${put_rss[wharf]}" "${put_rss[distribution]}")"
row "peak RSS serving a 1 GiB blob, MiB" "${get_rss[wharf]}" "${get_rss[distribution]}" "$(ratio "${get_rss[wharf]}" "${get_rss[distribution]}")"
echo "ratio = wharf/distribution (throughput: >= 1.0 means wharf is as fast or faster; RSS: lower is better)"
