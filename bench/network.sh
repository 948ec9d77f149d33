#!/usr/bin/env bash
# Networking start-up: `wharf run --rm IMAGE true` on the default bridge network against
# `podman run --rm --network bridge --runtime runc IMAGE true` (netavark), for an image already
# local to each (a busybox image pulled from one loopback Distribution registry), with wharf's
# `--network none` and `--network host` beside them; then `run -d -p 8080` of 20 containers in a
# row, wharf's against podman's (the containers are removed between runs, untimed).
# Usage: bench/network.sh [RUNS]   (after `npm run build`; as root; needs docker-registry, podman,
# hyperfine and the CNI plugins: scripts/install-deps.sh --bench)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
runs="${1:-20}"
work="$(mktemp -d /tmp/wharf-bench-network.XXXXXX)"
reg_pid=""
wharf=("$repo/bin/wharf" --root "$work/wharf")
podman=(podman --root "$work/podman" --runroot "$work/podman-run" --tmpdir "$work/podman-tmp" --storage-driver overlay)
cleanup() {
  [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null || true
  "${wharf[@]}" rm -f $("${wharf[@]}" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
  "${wharf[@]}" container prune -f >/dev/null 2>&1 || true
  # The root's bridge and its rules go with it (wharf reaps the bridges of roots that are gone).
  "${wharf[@]}" network prune -f >/dev/null 2>&1 || true
  br="$("${wharf[@]}" network inspect -f '{{index .Options "com.docker.network.bridge.name"}}' bridge 2>/dev/null || true)"
  "${podman[@]}" rm -af -t 0 >/dev/null 2>&1 || true
  "${podman[@]}" system reset -f >/dev/null 2>&1 || true
  umount -R "$work"/wharf/snapshots/*/*/merged 2>/dev/null || true
  rm -rf "$work" 2>/dev/null || true
  # With the root gone, the next wharf that makes a bridge removes this one; do it now.
  if [ -n "$br" ] && [ -e "/sys/class/net/$br" ]; then
    node --input-type=module -e "import('$repo/dist/runtime/network/host.js').then((m) => m.reapOrphans())" || true
  fi
}
trap cleanup EXIT

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
mkdir -p "$work/registry" "$work/podman-tmp"
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
"${wharf[@]}" pull -q "$image" >/dev/null
"${podman[@]}" pull -q --tls-verify=false "$image" >/dev/null
# The default bridge is made by the first run that needs it (once per root), not timed.
"${wharf[@]}" run --rm "$image" true

ulimits="--ulimit nofile=20000:20000 --ulimit nproc=32768:32768"
prun="${podman[*]} run --runtime runc $ulimits"
# In rounds that alternate the commands (hyperfine runs all of one, then all of the next), so that
# a change in the host's load while the benchmark runs weighs on all alike.
rounds=5
per=$(((runs + rounds - 1) / rounds))
for r in $(seq 1 "$rounds"); do
  hyperfine --style basic --warmup "$([ "$r" = 1 ] && echo 3 || echo 1)" --runs "$per" \
    --export-json "$work/run-$r.json" \
    -n wharf-bridge "${wharf[*]} run --rm $image true" \
    -n podman-bridge "$prun --rm --network bridge $image true" \
    -n wharf-none "${wharf[*]} run --rm --network none $image true" \
    -n wharf-host "${wharf[*]} run --rm --network host $image true" |
    grep -E '^(Benchmark|  Time)'
done

# 20 containers in a row, each publishing its 8080 on a free host port.
twenty() { # COMMAND...
  echo "for i in \$(seq 1 20); do $* >/dev/null; done"
}
hyperfine --style basic --runs 3 --export-json "$work/twenty.json" \
  --prepare "${wharf[*]} rm -f \$(${wharf[*]} ps -aq) >/dev/null 2>&1; ${podman[*]} rm -af -t 0 >/dev/null 2>&1; true" \
  -n wharf-20 "$(twenty "${wharf[*]} run -d -p 8080 $image sleep 600")" \
  -n podman-20 "$(twenty "$prun -d -p 8080 $image sleep 600")" |
  grep -E '^(Benchmark|  Time)'

node -e '
const [twenty, ...rounds] = process.argv.slice(1);
const times = {};
for (const f of rounds)
  for (const x of require(f).results) (times[x.command] ??= []).push(...x.times);
const med = (t) => {
  t = [...t].sort((a, b) => a - b);
  return t.length % 2 ? t[(t.length - 1) / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
};
const ms = (s) => `${(s * 1000).toFixed(0)} ms`;
const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, med(v)]));
console.log(`\nrun --rm IMAGE true, median of ${times["wharf-bridge"].length} runs each:`);
for (const k of Object.keys(m)) console.log(`  ${k.padEnd(14)} ${ms(m[k])}`);
console.log(`ratio wharf/podman on bridge: ${(m["wharf-bridge"] / m["podman-bridge"]).toFixed(3)} (target <= 0.5)`);
const t = Object.fromEntries(require(twenty).results.map((x) => [x.command, med(x.times)]));
console.log(`\nrun -d -p 8080 of 20 containers, median of 3: wharf ${ms(t["wharf-20"])}, podman ${ms(t["podman-20"])}`);
console.log(`ratio wharf/podman: ${(t["wharf-20"] / t["podman-20"]).toFixed(3)} (target < 1)`);
' "$work/twenty.json" "$work"/run-*.json
