#!/usr/bin/env bash
# `wharf build` against `buildah bud --layers --runtime runc`, in one run, each with the base image
# already local (a busybox image pulled from one loopback Distribution 2.8.2 registry):
#   1. a two-stage Dockerfile, cold (--no-cache) and fully cached (the same build again);
#   2. a context of 10,000 files (~300 MB) copied in: the cold build (timed, with wharf's peak
#      RSS) and the no-op rebuild.
# Medians of RUNS (the two tools alternate, so load changes weigh on both), the ratios, peak RSS
# (GNU time's maximum resident set size of the process tree's largest process).
# Usage: bench/build.sh [RUNS]   (after `npm run build`; as root; needs docker-registry, buildah,
# runc, /usr/bin/time). Targets (issue #10): cold <= buildah's time; cached and no-op <= half of
# buildah's; peak RSS < 200 MB while building the 300 MB context.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
runs="${1:-5}"
work="$(mktemp -d /tmp/wharf-bench-build.XXXXXX)"
all_pids=()
# shellcheck source=lib/registries.sh
. "$here/lib/registries.sh"
# shellcheck source=lib/timing.sh
. "$here/lib/timing.sh"
buildah_store=(--root "$work/buildah/root" --runroot "$work/buildah/run" --storage-driver overlay)
cleanup() {
  stop_all
  buildah "${buildah_store[@]}" rm -a >/dev/null 2>&1 || true
  buildah "${buildah_store[@]}" rmi -af >/dev/null 2>&1 || true
  umount -R "$work"/buildah/root/overlay/*/merged 2>/dev/null || true
  umount "$work/buildah/root/overlay" 2>/dev/null || true
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

start_registry distribution registry
base="$REG_HOST/bench/busybox:latest"
node "$here/lib/publish-busybox.mjs" "$base" >/dev/null
wharf=(node "$repo/bin/wharf.cjs" --root "$work/wharf")
"${wharf[@]}" pull -q "$base" >/dev/null
buildah "${buildah_store[@]}" pull -q --tls-verify=false "$base" >/dev/null

# The two-stage build: a small context, a builder stage whose output the final stage copies.
small="$work/small"
mkdir -p "$small/src"
for i in $(seq 1 50); do seq "$i" $((i * 200)) >"$small/src/part-$i.txt"; done
cat >"$small/Dockerfile" <<EOF
FROM $base AS build
WORKDIR /src
COPY src/ ./
RUN cat part-*.txt > all.txt && wc -l all.txt > count.txt
RUN mkdir -p /out && cp all.txt count.txt /out/

FROM $base
ENV APP=/app
COPY --from=build /out/ /app/
RUN ls -l /app > /app/listing
WORKDIR /app
CMD ["cat", "/app/count.txt"]
EOF

# The big context: 10,000 files of ~30 KB (half random, half text), in 100 directories.
big="$work/big"
echo "writing a 10,000-file context ..." >&2
node -e '
const fs = require("fs"), crypto = require("crypto"), path = require("path");
const dir = process.argv[1];
for (let d = 0; d < 100; d++) {
  fs.mkdirSync(path.join(dir, "data", `d${d}`), { recursive: true });
  for (let f = 0; f < 100; f++) {
    const n = d * 100 + f;
    const body = n % 2 ? crypto.randomBytes(30000) : Buffer.from(`line ${n} of a text file\n`.repeat(1200));
    fs.writeFileSync(path.join(dir, "data", `d${d}`, `f${f}.bin`), body);
  }
}' "$big"
cat >"$big/Dockerfile" <<EOF
FROM $base
COPY . /ctx/
RUN ls -R /ctx | wc -l > /ctx-count
EOF
big_bytes="$(du -sb "$big" | cut -f1)"

ulimits=(--ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
buildah_bud=(buildah "${buildah_store[@]}" bud --layers --runtime runc --tls-verify=false -q "${ulimits[@]}")

for i in $(seq 1 "$runs"); do
  echo "run $i/$runs: two-stage, cold and cached ..." >&2
  timed_rss wharf-cold "${wharf[@]}" build --no-cache -q -t small "$small"
  timed_rss buildah-cold "${buildah_bud[@]}" --no-cache -t small "$small"
  timed_rss wharf-cached "${wharf[@]}" build -q -t small "$small"
  timed_rss buildah-cached "${buildah_bud[@]}" -t small "$small"
done
big_runs=$(((runs + 1) / 2))
for i in $(seq 1 "$big_runs"); do
  echo "run $i/$big_runs: big context, cold and no-op ..." >&2
  timed_rss wharf-big-cold "${wharf[@]}" build --no-cache -q -t big "$big"
  timed_rss buildah-big-cold "${buildah_bud[@]}" --no-cache -t big "$big"
  timed_rss wharf-noop "${wharf[@]}" build -q -t big "$big"
  timed_rss buildah-noop "${buildah_bud[@]}" -t big "$big"
done

row() { # label wharf-key buildah-key target
  local w b
  w="$(median <<<"${times[$2]}")"
  b="$(median <<<"${times[$3]}")"
  printf '%-34s %10s %10s %8s   %s\n' "$1" "$w" "$b" "$(ratio "$w" "$b")" "$4"
}
echo
echo "wharf build vs buildah bud --layers --runtime runc; base image local; medians in seconds"
echo "(two-stage: $runs runs each; big context: $big_runs runs each, $big_bytes bytes in 10,000 files)"
printf '%-34s %10s %10s %8s   %s\n' "" "wharf" "buildah" "ratio" "target"
row "two-stage, cold (--no-cache)" wharf-cold buildah-cold "<= 1"
row "two-stage, fully cached" wharf-cached buildah-cached "<= 0.5"
row "10,000-file context, cold" wharf-big-cold buildah-big-cold "(measured)"
row "10,000-file context, no-op" wharf-noop buildah-noop "<= 0.5"
echo "peak RSS MiB, wharf: two-stage cold $(max <<<"${rss[wharf-cold]}"), 300 MB context cold $(max <<<"${rss[wharf-big-cold]}") (target < 200), no-op $(max <<<"${rss[wharf-noop]}"); buildah: 300 MB context cold $(max <<<"${rss[buildah-big-cold]}")"
for k in wharf-cold buildah-cold wharf-cached buildah-cached wharf-big-cold buildah-big-cold wharf-noop buildah-noop; do
  echo "all times $k: [${times[$k]} ]"
done
