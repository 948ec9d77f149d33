#!/usr/bin/env bash
# `wharf save`, `wharf load` and `wharf image copy` against `podman save`, `podman load` and
# `skopeo copy`, on a ~1 GiB four-layer image (4 x 256 MiB of incompressible bytes), side by side in
# one run: median of RUNS, the ratios, and each one's peak RSS (GNU time's maximum resident set size).
#   save:  wharf save -o FILE   vs  podman save --format docker-archive -o FILE   (Docker archives both)
#   load:  wharf load -i FILE   vs  podman load -i FILE, the same docker-archive file (podman's), into
#          a fresh store each run
#   copy:  wharf image copy docker://A/... docker://B/... (each big blob's digest checked by the
#          destination, which wharf first sees refuse a wrong one; skopeo hashes in the client)  vs
#          skopeo copy (Distribution 2.8.2 on loopback; B is a fresh, empty registry for each tool
#          each run: a destination that already holds the blobs in another repository would let
#          skopeo mount them from its blob cache); the CPU of both registries is printed beside each
#   copy, wharf's registry at both ends (a second configuration, not the headline): the same two
#          commands between `wharf registry serve` registries (filesystem storage), source and fresh
#          destinations alike for both tools, so that the client's own cost is not hidden behind
#          Distribution's hashing (Go 1.19's sha256 has no SHA-NI); each process's CPU s printed
# Usage: bench/save-load.sh [RUNS] [PARTS]   (PARTS: a comma list of save, load, copy; all by default;
# after `npm run build`; as root; needs docker-registry, podman,
# skopeo, /usr/bin/time). Targets (issue #11): wharf >= 1.5x faster on each; wharf's peak RSS < 150 MB.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
runs="${1:-3}"
parts=",${2:-save,load,copy},"
want() { [[ "$parts" == *",$1,"* ]]; }
work="$(mktemp -d /tmp/wharf-bench-save.XXXXXX)"
all_pids=()
# shellcheck source=lib/registries.sh
. "$here/lib/registries.sh"
podman_at() { echo --root "$1/root" --runroot "$1/run" --storage-driver overlay; }
reset_podman() { # DIR
  # shellcheck disable=SC2046
  [ -d "$1" ] && podman $(podman_at "$1") system reset -f >/dev/null 2>&1 || true
  rm -rf "$1"
}
cleanup() {
  stop_all
  reset_podman "$work/podman"
  reset_podman "$work/podman-load"
  rm -rf "$work"
}
trap cleanup EXIT

echo "making a 4 x 256 MiB image in $work ..." >&2
image="$(node "$here/lib/big-image.mjs" "$work/image" bench 4 256)"
bytes="$(node -e 'console.log(JSON.parse(process.argv[1]).bytes)' "$image")"
start_registry distribution src
src_host="$REG_HOST"
src_pid="$REG_PID"
ref="$src_host/bench/image:1"
skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$work/image:bench" "docker://$ref"
rm -rf "$work/image"

# The second configuration's source: wharf's registry, holding the same image.
start_registry wharf wsrc
wsrc_host="$REG_HOST"
wsrc_pid="$REG_PID"
skopeo --insecure-policy copy -q --src-tls-verify=false --dest-tls-verify=false \
  "docker://$ref" "docker://$wsrc_host/bench/image:1"

wharf=("$repo/bin/wharf")
if want save || want load; then
  "${wharf[@]}" --root "$work/wharf" pull -q "$ref" >/dev/null
  # shellcheck disable=SC2046
  podman $(podman_at "$work/podman") pull -q --tls-verify=false "$ref" >/dev/null
fi

declare -A times rss cpu regcpu srccpu dstcpu
# CPU seconds (user + system) a process has used so far.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
# copy NAME SOURCE-PID command...: timed, with the CPU both registries spent on it (the source's
# share, the fresh destination's, $REG_PID, all), each on its own and their sum.
copy() {
  local name="$1" spid="$2" s0 s d
  shift 2
  s0="$(cpu_s "$spid")"
  timed "$name" "$@"
  s="$(awk -v a="$s0" -v b="$(cpu_s "$spid")" 'BEGIN { printf "%.2f", b - a }')"
  d="$(cpu_s "$REG_PID")"
  srccpu[$name]+=" $s"
  dstcpu[$name]+=" $d"
  regcpu[$name]+=" $(awk -v s="$s" -v d="$d" 'BEGIN { printf "%.2f", s + d }')"
}
timed() { # name command...
  local name="$1" t0 t1
  shift
  # Each command starts with no dirty pages left by the one before (podman load's 1 GiB, a removed
  # registry's tree): they would be written back during the next command, into its fsyncs.
  sync
  t0="$(now)"
  /usr/bin/time -f "%M %U %S" -o "$work/rss" "$@" >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
  t1="$(now)"
  times[$name]+=" $(elapsed "$t0" "$t1")"
  rss[$name]+=" $(awk '{ printf "%.1f", $1 / 1024 }' "$work/rss")"
  cpu[$name]+=" $(awk '{ printf "%.2f", $2 + $3 }' "$work/rss")"
}

for i in $(seq 1 "$runs"); do
  echo "run $i/$runs ..." >&2
  rm -f "$work/wharf.tar" "$work/podman.tar"
  if want save || want load; then
    timed wharf-save "${wharf[@]}" --root "$work/wharf" save -o "$work/wharf.tar" "$ref"
    # shellcheck disable=SC2046
    timed podman-save podman $(podman_at "$work/podman") save -q --format docker-archive -o "$work/podman.tar" "$ref"
  fi

  if want load; then
  rm -rf "$work/wharf-load"
  timed wharf-load "${wharf[@]}" --root "$work/wharf-load" load -i "$work/podman.tar"
  grep -q "Loaded image: $ref" "$work/out" || { echo "wharf load did not load $ref:" >&2; cat "$work/out" >&2; exit 1; }
  reset_podman "$work/podman-load"
  # shellcheck disable=SC2046
  timed podman-load podman $(podman_at "$work/podman-load") load -q -i "$work/podman.tar"
  fi

  want copy || continue
  start_registry distribution "dst-wharf"
  copy wharf-copy "$src_pid" "${wharf[@]}" --root "$work/wharf" image copy "docker://$ref" "docker://$REG_HOST/bench/image:1"
  stop_pid "$REG_PID"
  rm -rf "$work/dst-wharf"
  start_registry distribution "dst-skopeo"
  copy skopeo-copy "$src_pid" skopeo --insecure-policy copy -q --src-tls-verify=false --dest-tls-verify=false \
    "docker://$ref" "docker://$REG_HOST/bench/image:1"
  stop_pid "$REG_PID"
  rm -rf "$work/dst-skopeo"

  start_registry wharf "dst-wharf"
  copy wharf-wcopy "$wsrc_pid" "${wharf[@]}" --root "$work/wharf" image copy \
    "docker://$wsrc_host/bench/image:1" "docker://$REG_HOST/bench/image:1"
  stop_pid "$REG_PID"
  rm -rf "$work/dst-wharf"
  start_registry wharf "dst-skopeo"
  copy skopeo-wcopy "$wsrc_pid" skopeo --insecure-policy copy -q --src-tls-verify=false --dest-tls-verify=false \
    "docker://$wsrc_host/bench/image:1" "docker://$REG_HOST/bench/image:1"
  stop_pid "$REG_PID"
  rm -rf "$work/dst-skopeo"
done

max() { tr ' ' '\n' | grep -v '^$' | sort -g | tail -1; }
echo
echo "a 4-layer image of $bytes bytes (layers as stored: gzip, level 0); $runs runs; median seconds"
printf '%-44s %10s %10s %14s %12s\n' "" "median s" "MiB/s" "peak RSS MiB" "CPU s (own)"
row() { # label name
  local m
  m="$(median <<<"${times[$2]}")"
  printf '%-44s %10s %10s %14s %12s\n' "$1" "$m" "$(mbps "$bytes" "$m")" "$(max <<<"${rss[$2]}")" "$(median <<<"${cpu[$2]}")"
}
if want save || want load; then
  row "wharf save -o FILE" wharf-save
  row "podman save --format docker-archive -o FILE" podman-save
fi
if want load; then
  row "wharf load -i FILE (podman's docker-archive)" wharf-load
  row "podman load -i FILE (overlay, fresh store)" podman-load
fi
if want copy; then
  row "wharf image copy docker:// docker://" wharf-copy
  row "skopeo copy docker:// docker://" skopeo-copy
fi
for op in save load copy; do
  want "$op" || { [ "$op" = save ] && want load; } || continue
  peer="podman-$op"
  what="$op"
  [ "$op" = copy ] && peer=skopeo-copy && what="copy, Distribution at both ends,"
  echo "speed-up of wharf $what over ${peer%-*}: $(ratio "$(median <<<"${times[$peer]}")" "$(median <<<"${times[wharf-$op]}")")x (target >= 1.5)"
done
if want copy; then
  echo
  echo "the same copy between wharf's registries (fs storage, fresh destination each run)"
  row "wharf image copy docker:// docker://" wharf-wcopy
  row "skopeo copy docker:// docker://" skopeo-wcopy
  echo "speed-up of wharf copy, wharf's registry at both ends, over skopeo: $(ratio "$(median <<<"${times[skopeo-wcopy]}")" "$(median <<<"${times[wharf-wcopy]}")")x (target >= 1.5)"
  echo
  echo "CPU s per copy (medians; the command's own, the source registry's share, the destination registry's all):"
  for n in wharf-copy skopeo-copy wharf-wcopy skopeo-wcopy; do
    where="Distribution -> Distribution"
    [ "${n#*-}" = wcopy ] && where="wharf registry -> wharf registry"
    printf '  %-7s %-32s command %5s  source %5s  destination %5s  sum %5s\n' "${n%-*}" "$where" \
      "$(median <<<"${cpu[$n]}")" "$(median <<<"${srccpu[$n]}")" "$(median <<<"${dstcpu[$n]}")" \
      "$(awk -v a="$(median <<<"${cpu[$n]}")" -v b="$(median <<<"${regcpu[$n]}")" 'BEGIN { printf "%.2f", a + b }')"
  done
fi
echo "wharf peak RSS: $(printf '%s\n' "${rss[wharf-save]:-}" "${rss[wharf-load]:-}" "${rss[wharf-copy]:-}" "${rss[wharf-wcopy]:-}" | max) MiB (target < 150)"
for n in wharf-save podman-save wharf-load podman-load wharf-copy skopeo-copy wharf-wcopy skopeo-wcopy; do
  [ -n "${times[$n]:-}" ] && echo "all times $n: [${times[$n]} ]"
done
echo "(CPU s: user + system; a registry's own work is not in a command's, but in the lines above:"
echo " on a 2-core machine a copy keeps both cores busy, so its time follows the sum)"
