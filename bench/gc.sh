#!/usr/bin/env bash
# `wharf registry garbage-collect` against Distribution 2.8.2's `docker-registry garbage-collect`
# on copies of one directory (REPOS repositories x IMAGES images, layers shared from a pool, a
# quarter of the manifests deleted, orphans), with and without --delete-untagged: median of RUNS,
# the ratio, peak RSS; the two print the same lines (checked each run, sorted).
# Usage: bench/gc.sh [RUNS] [REPOS] [IMAGES]   (after `npm run build`; needs docker-registry, /usr/bin/time)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
runs="${1:-5}"
repos="${2:-500}"
images="${3:-8}"
work="$(mktemp -d /tmp/wharf-bench-gc.XXXXXX)"
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
max() { tr ' ' '\n' | grep -v '^$' | sort -g | tail -1; }

echo "writing $repos repositories x $images images in $work/tree ..." >&2
node "$here/lib/gc-tree.mjs" "$work/tree" "$repos" "$images" 2000 >&2
config() { # root -> config path
  printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n' "$1" >"$1.yml"
  echo "$1.yml"
}
declare -A times rss
timed() { # name out command...
  local name="$1" out="$2" t0 t1
  shift 2
  t0="$(now)"
  /usr/bin/time -f "%M" -o "$work/rss" "$@" >"$out" 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  t1="$(now)"
  times[$name]+=" $(elapsed "$t0" "$t1")"
  rss[$name]+=" $(awk '{ printf "%.1f", $1 / 1024 }' "$work/rss")"
}
for flags in "" "--delete-untagged"; do
  for i in $(seq 1 "$runs"); do
    echo "run $i/$runs ${flags:-(no flags)} ..." >&2
    rm -rf "$work/d" "$work/w"
    cp -a "$work/tree" "$work/d"
    cp -a "$work/tree" "$work/w"
    timed "distribution$flags" "$work/d.out" docker-registry garbage-collect $flags "$(config "$work/d")"
    timed "wharf$flags" "$work/w.out" node "$repo/bin/wharf.cjs" registry garbage-collect $flags "$(config "$work/w")"
    cp "$work/w.out" "$work/w-${flags:-none}.out"
    if ! diff <(sort "$work/d.out") <(sort "$work/w.out") >/dev/null; then
      echo "the outputs differ:" >&2
      diff <(sort "$work/d.out") <(sort "$work/w.out") | head -20 >&2
      exit 1
    fi
  done
done
echo
echo "garbage-collect of $repos repositories x $images images (filesystem, fresh copy each run); $runs runs"
printf '%-46s %10s %16s\n' "" "median s" "peak RSS MiB"
for flags in "" "--delete-untagged"; do
  d="$(median <<<"${times[distribution$flags]}")"
  w="$(median <<<"${times[wharf$flags]}")"
  printf '%-46s %10s %16s\n' "docker-registry garbage-collect $flags" "$d" "$(max <<<"${rss[distribution$flags]}")"
  printf '%-46s %10s %16s\n' "wharf registry garbage-collect $flags" "$w" "$(max <<<"${rss[wharf$flags]}")"
  echo "wharf's time over Distribution's ${flags:-(no flags)}: $(ratio "$w" "$d")x; summary: $(grep 'blobs marked' "$work/w-${flags:-none}.out")"
done
