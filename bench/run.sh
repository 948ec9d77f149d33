#!/usr/bin/env bash
# `wharf run --rm --network none IMAGE true` against `podman run --rm --network=none --runtime runc IMAGE true`
# (like for like: wharf's default is a bridge now; bench/network.sh compares the bridges), for
# an image already local to each (a busybox image pulled from one loopback Distribution registry),
# then the disk used by 100 exited containers of one image against one (busybox, and busybox with a
# 64 MiB layer).
# Usage: bench/run.sh [RUNS]   (after `npm run build`; as root; needs docker-registry, podman, hyperfine)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
runs="${1:-20}"
work="$(mktemp -d /tmp/wharf-bench-run.XXXXXX)"
reg_pid=""
cleanup() {
  [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null || true
  "$repo/bin/wharf" --root "$work/wharf" container prune -f >/dev/null 2>&1 || true
  "$repo/bin/wharf" --root "$work/wharf-big" container prune -f >/dev/null 2>&1 || true
  podman --root "$work/podman" --runroot "$work/podman-run" rm -af >/dev/null 2>&1 || true
  podman --root "$work/podman" --runroot "$work/podman-run" system reset -f >/dev/null 2>&1 || true
  umount -R "$work"/wharf*/snapshots/*/*/merged 2>/dev/null || true
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
mkdir -p "$work/registry"
cat >"$work/registry/config.yml" <<EOF
version: 0.1
storage:
  filesystem:
    rootdirectory: $work/registry/data
http:
  addr: 127.0.0.1:$port
EOF
setsid docker-registry serve "$work/registry/config.yml" >"$work/registry/log" 2>&1 &
reg_pid=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

image="127.0.0.1:$port/bench/busybox:latest"
node "$here/lib/publish-busybox.mjs" "$image" >/dev/null

wharf=("$repo/bin/wharf" --root "$work/wharf")
podman=(podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver overlay)
"${wharf[@]}" pull -q "$image" >/dev/null
"${podman[@]}" pull -q --tls-verify=false "$image" >/dev/null

ulimits="--ulimit nofile=20000:20000 --ulimit nproc=32768:32768"
# In rounds that alternate the two (hyperfine runs all of one command, then all of the other), so
# that a change in the host's load while the benchmark runs weighs on both alike.
rounds=5
per=$(((runs + rounds - 1) / rounds))
for r in $(seq 1 "$rounds"); do
  hyperfine --style basic --warmup "$([ "$r" = 1 ] && echo 3 || echo 1)" --runs "$per" \
    --export-json "$work/run-$r.json" \
    -n wharf "$repo/bin/wharf --root $work/wharf run --rm --network none $image true" \
    -n podman "podman --root $work/podman --runroot $work/podman-run --storage-driver overlay run --rm --network=none --runtime runc $ulimits $image true" |
    grep -E '^(Benchmark|  Time)'
done

node -e '
const times = { wharf: [], podman: [] };
for (const f of process.argv.slice(1))
  for (const x of require(f).results) times[x.command].push(...x.times);
const med = (n) => {
  const t = [...times[n]].sort((a, b) => a - b);
  return t.length % 2 ? t[(t.length - 1) / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
};
const w = med("wharf"), p = med("podman");
console.log(`\nrun --rm IMAGE true, median of ${times.wharf.length} runs each: wharf ${(w*1000).toFixed(0)} ms, podman ${(p*1000).toFixed(0)} ms`);
console.log(`ratio wharf/podman: ${(w/p).toFixed(3)} (target <= 0.5)`);
' "$work"/run-*.json

# Disk: the store and snapshots with one exited `run IMAGE true` container, then with 100, for the
# busybox image and for busybox plus a 64 MiB incompressible layer (each in a root of its own). The
# per-container cost is fixed, so the ratio depends on the image: both are printed.
big="127.0.0.1:$port/bench/big-busybox:latest"
node "$here/lib/publish-big-busybox.mjs" "$big" 64 >/dev/null
"${wharf[@]}" container prune -f >/dev/null
disk() { # ROOT IMAGE LABEL
  local w=("$repo/bin/wharf" --root "$1") one hundred count size
  "${w[@]}" pull -q "$2" >/dev/null
  size="$("${w[@]}" images --format '{{.Size}}' "$2")"
  "${w[@]}" run "$2" true
  one="$(du -skx "$1" | cut -f1)"
  for _ in $(seq 2 100); do "${w[@]}" run "$2" true; done
  hundred="$(du -skx "$1" | cut -f1)"
  count="$("${w[@]}" ps -aq | wc -l)"
  node -e '
const [label, size, one, hundred, count] = process.argv.slice(1);
const [o, h] = [Number(one), Number(hundred)];
console.log(`disk, ${label} (${size}): 1 container ${o} KiB, ${count} containers ${h} KiB, ratio ${(h/o).toFixed(3)} (target < 1.1), ${((h-o)/(Number(count)-1)).toFixed(1)} KiB per extra container`);
' "$3" "$size" "$one" "$hundred" "$count"
}
disk "$work/wharf" "$image" "busybox image"
disk "$work/wharf-big" "$big" "busybox + 64 MiB layer"
