#!/usr/bin/env bash
# wharf registry serve against Distribution 2.8.2 (Debian's docker-registry), both on the s3 storage
# driver over the same RADOS Gateway (scripts/ceph.sh), with the same config.yml and the same client:
#   - push and pull of a ~1 GiB four-layer image (skopeo copy oci: -> docker:// into a fresh
#     rootdirectory each run, and docker:// -> a fresh oci: dir), median of RUNS; pulls follow
#     each registry's redirect to the gateway (both redirect by default);
#   - GET /v2/_catalog?n=100 over 5,000 repositories written into one rootdirectory both registries
#     serve, as pushes through wharf leave them (Distribution's layout plus wharf's catalog index,
#     which Distribution ignores): the first page and a page from the middle (last=...), median of
#     CATALOG_RUNS (9 by default: Distribution's walk varies from run to run); and wharf's first request over the same repositories without the index (a bucket
#     Distribution filled: wharf walks the tree, then builds the index);
#   - pulls of a 4 x 1 MiB image from the same registries, mostly the registries' own answers;
#   - the same pulls with storage.redirect.disable: true (a second registry of each kind on the same
#     tree sends the layers itself), with the registry's CPU s per pull;
#   - each registry's peak RSS (VmHWM) while pushing, while pulling and while listing.
# Usage: [PULL_RUNS=N] [CATALOG_RUNS=N] bench/registry-s3.sh [RUNS]   (after `npm run build`; needs docker-registry, skopeo, curl,
# and Ceph's packages: the gateway is started by scripts/ceph.sh when it is not running).
# Targets (issue #13): push and pull >= 1.0x Distribution's throughput, the catalog page >= 10x
# faster, wharf's RSS < 150 MB under load.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
runs="${1:-3}"
pull_runs="${PULL_RUNS:-$runs}"
catalog_runs="${CATALOG_RUNS:-9}"
work="$(mktemp -d /tmp/wharf-bench-s3.XXXXXX)"
stamp="$(date +%s)-$$"
all_pids=()
# shellcheck source=lib/registries.sh
. "$here/lib/registries.sh"
# The gateway keeps objects in memory (memstore): each run's tree goes once it is measured, and
# everything this run wrote goes at the end.
trap 'stop_all; node "$here/lib/s3-rm.mjs" "/bench-$stamp" || true; rm -rf "$work"' EXIT
sk=(skopeo --insecure-policy)
"$repo/scripts/ceph.sh" start >/dev/null
eval "$("$repo/scripts/ceph.sh" env)"

# start_s3_registry KIND NAME ROOTDIRECTORY [COPY_THRESHOLD] [off] -> REG_URL, REG_HOST, REG_PID
# (lib/registries.sh's, on s3); COPY_THRESHOLD sets multipartcopythresholdsize for both kinds, and
# `off` sets storage.redirect.disable (the registry then sends blobs itself).
start_s3_registry() {
  local kind="$1" name="$2" root="$3" threshold="${4:-}" redirect="${5:-on}" port dir
  dir="$work/$name"
  rm -rf "$dir"
  mkdir -p "$dir"
  port="$(free_port)"
  local redirect_off=""
  [ "$redirect" = off ] && redirect_off=1
  cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  s3:
    region: $WHARF_S3_REGION
    regionendpoint: $WHARF_S3_ENDPOINT
    forcepathstyle: true
    bucket: $WHARF_S3_BUCKET
    accesskey: $WHARF_S3_ACCESS_KEY
    secretkey: $WHARF_S3_SECRET_KEY
    rootdirectory: $root${threshold:+
    multipartcopythresholdsize: $threshold}
  delete:
    enabled: true${redirect_off:+
  redirect:
    disable: true}
http:
  addr: 127.0.0.1:$port
  secret: bench-secret
YAML
  if [ "$kind" = wharf ]; then
    setsid "$repo/bin/wharf" registry serve --config "$dir/config.yml" >"$dir/log" 2>&1 &
  else
    # Its AWS SDK panics on an AWS_CA_BUNDLE it cannot apply to its transport (set on some hosts).
    setsid env -u AWS_CA_BUNDLE docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  fi
  REG_PID=$!
  REG_HOST="127.0.0.1:$port"
  REG_URL="http://$REG_HOST"
  all_pids+=("$REG_PID")
  for _ in $(seq 1 200); do
    curl -fsS -o /dev/null "$REG_URL/v2/" 2>/dev/null && return 0
    kill -0 "$REG_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "$kind registry did not start:" >&2
  tail -20 "$dir/log" >&2
  return 1
}

echo "making a 4 x 256 MiB image in $work ..." >&2
image="$(node "$here/lib/big-image.mjs" "$work/image" bench 4 256)"
bytes="$(node -e 'console.log(JSON.parse(process.argv[1]).bytes)' "$image")"
digest="$(node -e 'console.log(JSON.parse(process.argv[1]).manifest)' "$image")"

declare -A push push_single pull push_rss pull_rss url pid cat_first cat_mid cat_rss

for i in $(seq 1 "$runs"); do
  for kind in distribution wharf; do
    echo "push $kind run $i ..." >&2
    start_s3_registry "$kind" "$kind-push-$i" "/bench-$stamp/$kind-$i"
    t0="$(now)"
    "${sk[@]}" copy -q --dest-tls-verify=false "oci:$work/image:bench" "docker://$REG_HOST/bench/image:1"
    t1="$(now)"
    push[$kind]+=" $(elapsed "$t0" "$t1")"
    push_rss[$kind]="$(peak_rss_mib "$REG_PID")"
    got="$("${sk[@]}" inspect --tls-verify=false --format '{{.Digest}}' "docker://$REG_HOST/bench/image:1")"
    [ "$got" = "$digest" ] || { echo "$kind: pushed digest $got, expected $digest" >&2; exit 1; }
    url[$kind]="$REG_HOST"
    pid[$kind]="$REG_PID"
    if [ "$i" -lt "$runs" ]; then
      stop_pid "$REG_PID"
      node "$here/lib/s3-rm.mjs" "/bench-$stamp/$kind-$i"
    fi
  done
done

# The same pushes with multipartcopythresholdsize at 5 GiB for both: an upload's commit moves its
# bytes to the blob's key, and RADOS Gateway makes a single CopyObject by reference (~30 ms for
# 256 MiB here) where a multipart copy copies the bytes (~0.8 s): the setting to use on RGW.
for i in $(seq 1 "$runs"); do
  for kind in distribution wharf; do
    echo "push $kind (single-copy moves) run $i ..." >&2
    start_s3_registry "$kind" "$kind-push1-$i" "/bench-$stamp/$kind-single-$i" 5368709120
    t0="$(now)"
    "${sk[@]}" copy -q --dest-tls-verify=false "oci:$work/image:bench" "docker://$REG_HOST/bench/image:1"
    t1="$(now)"
    push_single[$kind]+=" $(elapsed "$t0" "$t1")"
    got="$("${sk[@]}" inspect --tls-verify=false --format '{{.Digest}}' "docker://$REG_HOST/bench/image:1")"
    [ "$got" = "$digest" ] || { echo "$kind: pushed digest $got, expected $digest" >&2; exit 1; }
    stop_pid "$REG_PID"
    node "$here/lib/s3-rm.mjs" "/bench-$stamp/$kind-single-$i"
  done
done

for kind in distribution wharf; do reset_peak_rss "${pid[$kind]}"; done
# Pulls are cheap next to pushes, and their spread is the gateway's: PULL_RUNS of them (default
# RUNS), the registry that goes first alternating from one round to the next.
# pull_rounds URLS PIDS TIMES CPUS LABEL [IMAGE DIGEST]: PULL_RUNS pulls of IMAGE (bench/image:1)
# from each kind's registry (the arrays' names), each one's seconds and the registry's CPU s appended.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
pull_rounds() {
  local -n urls="$1" pids="$2" times_="$3" cpus="$4"
  local i kind order c0 t0 t1 ref="${6:-bench/image:1}" want="${7:-$digest}"
  for i in $(seq 1 "$pull_runs"); do
    order="distribution wharf"
    [ $((i % 2)) -eq 0 ] && order="wharf distribution"
    for kind in $order; do
      echo "pull $kind$5, run $i ..." >&2
      rm -rf "$work/pulled"
      c0="$(cpu_s "${pids[$kind]}")"
      t0="$(now)"
      "${sk[@]}" copy -q --src-tls-verify=false "docker://${urls[$kind]}/$ref" "oci:$work/pulled:1"
      t1="$(now)"
      times_[$kind]+=" $(elapsed "$t0" "$t1")"
      cpus[$kind]+=" $(awk -v a="$c0" -v b="$(cpu_s "${pids[$kind]}")" 'BEGIN { printf "%.2f", b - a }')"
      grep -q "$want" "$work/pulled/index.json" || { echo "$kind: pulled a different manifest" >&2; exit 1; }
    done
  done
}
declare -A pull_cpu
pull_rounds url pid pull pull_cpu ""
rm -rf "$work/pulled"
for kind in distribution wharf; do pull_rss[$kind]="$(peak_rss_mib "${pid[$kind]}")"; done

# A small image (4 x 1 MiB), whose pull is mostly the registry's answers rather than the gateway's
# bytes: the same client, the same registries.
small="$(node "$here/lib/big-image.mjs" "$work/small" bench 4 1)"
small_digest="$(node -e 'console.log(JSON.parse(process.argv[1]).manifest)' "$small")"
for kind in distribution wharf; do
  "${sk[@]}" copy -q --dest-tls-verify=false "oci:$work/small:bench" "docker://${url[$kind]}/bench/small:1"
done
declare -A pull_small small_cpu
pull_rounds url pid pull_small small_cpu ", 4 x 1 MiB" bench/small:1 "$small_digest"
rm -rf "$work/pulled"

# The same pulls with storage.redirect.disable: true, from a second registry of each kind on the
# same tree: each then reads the layers from the gateway and sends them itself, the configuration
# in which the registry carries the bytes. Its CPU per pull is measured beside.
declare -A nr_url nr_pid pull_nr nr_cpu nr_rss
for kind in distribution wharf; do
  start_s3_registry "$kind" "$kind-noredirect" "/bench-$stamp/$kind-$runs" "" off
  nr_url[$kind]="$REG_HOST"
  nr_pid[$kind]="$REG_PID"
done
pull_rounds nr_url nr_pid pull_nr nr_cpu ", redirects off"
rm -rf "$work/pulled"
for kind in distribution wharf; do
  nr_rss[$kind]="$(peak_rss_mib "${nr_pid[$kind]}")"
  stop_pid "${nr_pid[$kind]}"
done

# The registry's own part of a pull (both send the bytes from the gateway, so a pull's time is
# mostly the gateway's): the manifest GET and a layer GET's 307, 21 alternating requests each.
layer="$(node -e 'const fs=require("fs"),b=(d)=>`${process.argv[1]}/blobs/sha256/${d.slice(7)}`;const i=JSON.parse(fs.readFileSync(`${process.argv[1]}/index.json`));console.log(JSON.parse(fs.readFileSync(b(i.manifests[0].digest))).layers[0].digest)' "$work/image")"
accept="application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json"
answer_time() { # expected-status url [curl args] -> seconds
  local want="$1" out
  shift
  out="$(curl -sS -o /dev/null -w '%{http_code} %{time_total}' "$@")"
  [ "${out% *}" = "$want" ] || { echo "$2: HTTP ${out% *}, expected $want" >&2; exit 1; }
  echo "${out#* }"
}
declare -A man_t redir_t
for _ in $(seq 1 21); do
  for kind in distribution wharf; do
    man_t[$kind]+=" $(answer_time 200 "http://${url[$kind]}/v2/bench/image/manifests/1" -H "Accept: $accept")"
    redir_t[$kind]+=" $(answer_time 307 "http://${url[$kind]}/v2/bench/image/blobs/$layer")"
  done
done

catalog_time() { # host query -> seconds; checks the page
  local out t
  out="$(curl -fsS -o "$work/page.json" -w '%{time_total}' "http://$1/v2/_catalog?$2")"
  node -e 'const p=JSON.parse(require("fs").readFileSync(process.argv[1]));if(p.repositories.length!==100)process.exit(1)' \
    "$work/page.json" || { echo "$1: the page has not 100 repositories" >&2; exit 1; }
  echo "$out"
}
echo "writing 5,000 repositories into the bucket, twice ..." >&2
node "$here/lib/s3-repos.mjs" "/bench-$stamp/catalog" 5000 --wharf-index >/dev/null
node "$here/lib/s3-repos.mjs" "/bench-$stamp/plain" 5000 >/dev/null
start_s3_registry wharf wharf-plain "/bench-$stamp/plain"
plain_first="$(catalog_time "$REG_HOST" "n=100")"
plain_mid="$(catalog_time "$REG_HOST" "n=100&last=bench/repo-02500")"
stop_pid "$REG_PID"
for kind in distribution wharf; do
  start_s3_registry "$kind" "$kind-catalog" "/bench-$stamp/catalog"
  url[$kind]="$REG_HOST"
  pid[$kind]="$REG_PID"
done
for i in $(seq 1 "$catalog_runs"); do
  for kind in distribution wharf; do
    echo "catalog $kind run $i ..." >&2
    cat_first[$kind]+=" $(catalog_time "${url[$kind]}" "n=100")"
    cat_mid[$kind]+=" $(catalog_time "${url[$kind]}" "n=100&last=bench/repo-02500")"
  done
done
for kind in distribution wharf; do cat_rss[$kind]="$(peak_rss_mib "${pid[$kind]}")"; done
first_w="$(node -e 'process.stdout.write(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1])).repositories.slice(0,2)))' "$work/page.json")"

row() { printf '%-44s %14s %14s %10s\n' "$@"; }
echo
echo "image: 4 layers, $bytes bytes; $runs runs each, $pull_runs pulls each, $catalog_runs catalog pages each (median); storage: s3 on RADOS Gateway (memstore), one host"
row "" "wharf" "distribution" "ratio"
for m in push push_single pull pull_nr; do
  declare -n times="$m"
  w="$(median <<<"${times[wharf]}")"
  d="$(median <<<"${times[distribution]}")"
  label="$m MiB/s (skopeo, median)"
  [ "$m" = push_single ] && label="push MiB/s, multipartcopythresholdsize 5 GiB"
  [ "$m" = pull_nr ] && label="pull MiB/s, storage.redirect.disable: true"
  row "$label" "$(mbps "$bytes" "$w")" "$(mbps "$bytes" "$d")" "$(ratio "$d" "$w")"
  echo "  ($m seconds, wharf:${times[wharf]}; distribution:${times[distribution]})"
done
w="$(median <<<"${pull_small[wharf]}")"
d="$(median <<<"${pull_small[distribution]}")"
row "pull of a 4 x 1 MiB image, ms (median)" "$(awk -v s="$w" 'BEGIN{printf "%.1f", s*1000}')" "$(awk -v s="$d" 'BEGIN{printf "%.1f", s*1000}')" "$(ratio "$d" "$w")"
echo "  (pull_small seconds, wharf:${pull_small[wharf]}; distribution:${pull_small[distribution]})"
for m in man_t redir_t; do
  declare -n times="$m"
  w="$(median <<<"${times[wharf]}")"
  d="$(median <<<"${times[distribution]}")"
  label="manifest GET (pull's first request), ms"
  [ "$m" = redir_t ] && label="layer GET answered 307 (to the gateway), ms"
  row "$label" "$(awk -v s="$w" 'BEGIN{printf "%.1f", s*1000}')" "$(awk -v s="$d" 'BEGIN{printf "%.1f", s*1000}')" "$(ratio "$d" "$w")"
done
for m in cat_first cat_mid; do
  declare -n times="$m"
  w="$(median <<<"${times[wharf]}")"
  d="$(median <<<"${times[distribution]}")"
  label="_catalog?n=100, 5,000 repos, first page, ms"
  [ "$m" = cat_mid ] && label="_catalog?n=100&last=(middle), 5,000 repos, ms"
  row "$label" "$(awk -v s="$w" 'BEGIN{printf "%.1f", s*1000}')" "$(awk -v s="$d" 'BEGIN{printf "%.1f", s*1000}')" "$(ratio "$d" "$w")"
done
row "wharf without its index (walk), first page, ms" "$(awk -v s="$plain_first" 'BEGIN{printf "%.1f", s*1000}')" "" ""
row "wharf without its index (walk), middle page, ms" "$(awk -v s="$plain_mid" 'BEGIN{printf "%.1f", s*1000}')" "" ""
row "peak RSS while pushing, MiB" "${push_rss[wharf]}" "${push_rss[distribution]}" "$(ratio "${push_rss[wharf]}" "${push_rss[distribution]}")"
row "peak RSS while pulling, MiB" "${pull_rss[wharf]}" "${pull_rss[distribution]}" "$(ratio "${pull_rss[wharf]}" "${pull_rss[distribution]}")"
row "registry CPU s per pull, redirects off" "$(median <<<"${nr_cpu[wharf]}")" "$(median <<<"${nr_cpu[distribution]}")" "$(ratio "$(median <<<"${nr_cpu[distribution]}")" "$(median <<<"${nr_cpu[wharf]}")")"
row "peak RSS pulling, redirects off, MiB" "${nr_rss[wharf]}" "${nr_rss[distribution]}" "$(ratio "${nr_rss[wharf]}" "${nr_rss[distribution]}")"
row "peak RSS while listing, MiB" "${cat_rss[wharf]}" "${cat_rss[distribution]}" "$(ratio "${cat_rss[wharf]}" "${cat_rss[distribution]}")"
echo "ratio = distribution/wharf for times (>= 1.0: wharf is as fast or faster), wharf/distribution for RSS"
echo "(last catalog page seen: $first_w ...)"
