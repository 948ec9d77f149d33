#!/usr/bin/env bash
# Runs the OCI Distribution Spec's own conformance suite (all four workflows: pull, push, content
# discovery, content management) against a fresh `wharf registry serve`, and optionally against
# Distribution 2.8.2 (Debian's docker-registry) for comparison.
#
# Usage: scripts/conformance.sh [wharf|distribution|both]     (default: wharf; after `npm run build`)
# The suite's sources are not part of this repository: CONFORMANCE_DIR (default ../conformance
# beside the repo) must hold them with their build.sh, which builds conformance.test offline with
# Go and Debian's Go packages. Exit status: 0 when every spec that ran against wharf passed.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:-wharf}"
suite="${CONFORMANCE_DIR:-$repo/../conformance}"
[ -x "$suite/build.sh" ] || { echo "conformance: no suite at $suite (set CONFORMANCE_DIR)" >&2; exit 2; }
"$suite/build.sh" >/dev/null
bin="$suite/conformance.test"

work="$(mktemp -d /tmp/wharf-conformance.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

wait_ready() { # url pid log
  for _ in $(seq 1 150); do
    if curl -fsS -o /dev/null "$1/v2/" 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || { echo "registry exited:" >&2; tail -20 "$3" >&2; return 1; }
    sleep 0.1
  done
  echo "registry did not answer at $1" >&2
  tail -20 "$3" >&2
  return 1
}

# Distribution's config.yml shape; wharf reads the same file (and the same REGISTRY_* variables).
write_config() { # dir port
  cat >"$1/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $1/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$2
EOF
}

start_registry() { # name -> sets url
  local name="$1" dir="$work/$1" port
  mkdir -p "$dir/data"
  port="$(free_port)"
  write_config "$dir" "$port"
  if [ "$name" = wharf ]; then
    REGISTRY_HTTP_ADDR="127.0.0.1:$port" REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY="$dir/data" \
      REGISTRY_STORAGE_DELETE_ENABLED=true \
      setsid node "$repo/bin/wharf.cjs" registry serve --config "$dir/config.yml" >"$dir/log" 2>&1 &
  else
    setsid docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  fi
  pids+=("$!")
  url="http://127.0.0.1:$port"
  wait_ready "$url" "$!" "$dir/log"
}

status=0
run_suite() { # name
  local name="$1" out="$work/$1/report"
  start_registry "$name"
  mkdir -p "$out"
  set +e
  (cd "$out" && OCI_ROOT_URL="$url" OCI_NAMESPACE=conformance/main \
    OCI_CROSSMOUNT_NAMESPACE=conformance/crossmount \
    OCI_TEST_PULL=1 OCI_TEST_PUSH=1 OCI_TEST_CONTENT_DISCOVERY=1 OCI_TEST_CONTENT_MANAGEMENT=1 \
    OCI_DELETE_MANIFEST_BEFORE_BLOBS=1 OCI_HIDE_SKIPPED_WORKFLOWS=0 OCI_REPORT_DIR="$out" \
    ACK_GINKGO_DEPRECATIONS=1.16.5 ACK_GINKGO_RC=true \
    timeout 600 "$bin" -ginkgo.noColor >"$out/output.txt" 2>&1)
  set -e
  local summary
  summary="$(grep -E '[0-9]+ Passed \| [0-9]+ Failed' "$out/output.txt" | tail -1 || true)"
  local ran
  ran="$(grep -oE 'Ran [0-9]+ of [0-9]+ Specs' "$out/output.txt" | tail -1 || true)"
  if [ -z "$summary" ]; then
    echo "conformance ($name): the suite did not finish; its output:" >&2
    tail -40 "$out/output.txt" >&2
    status=1
    return
  fi
  local passed failed skipped
  passed="$(sed -E 's/.* ([0-9]+) Passed.*/\1/' <<<"$summary")"
  failed="$(sed -E 's/.* ([0-9]+) Failed.*/\1/' <<<"$summary")"
  skipped="$(sed -E 's/.* ([0-9]+) Skipped.*/\1/' <<<"$summary")"
  echo "conformance ($name): $ran; $passed passed, $failed failed, $skipped skipped"
  grep '^\[Fail\]' "$out/output.txt" | sed -E 's/^\[Fail\] OCI Distribution Conformance Tests /  FAIL /; s/ \[It\]/:/' || true
  if [ -n "${CONFORMANCE_KEEP:-}" ]; then
    mkdir -p "$CONFORMANCE_KEEP/$name"
    cp "$out"/output.txt "$out"/report.html "$out"/junit.xml "$CONFORMANCE_KEEP/$name/" 2>/dev/null || true
  fi
  # Distribution is the reference, not the subject: its failures are reported, not fatal.
  if [ "$name" = wharf ] && [ "$failed" != 0 ]; then status=1; fi
}

case "$target" in
  wharf) run_suite wharf ;;
  distribution) run_suite distribution ;;
  both) run_suite distribution; run_suite wharf ;;
  *) echo "usage: $0 [wharf|distribution|both]" >&2; exit 2 ;;
esac
exit "$status"
