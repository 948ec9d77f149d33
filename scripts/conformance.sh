#!/usr/bin/env bash
# Runs the OCI Distribution Spec's conformance suite (v1.1.1, prebuilt; all four workflows: pull,
# push, content discovery, content management, with automatic cross-repository mounting) against a
# fresh `wharf registry serve` with deletes enabled, and optionally against Distribution 2.8.2
# (Debian's docker-registry) for comparison.
#
# Usage: scripts/conformance.sh [wharf|s3|s3-stream|distribution|both]  (default: wharf; after
# `npm run build`)
#   s3: wharf on the s3 storage driver, against the gateway of scripts/ceph.sh (its WHARF_S3_*
#   variables, a fresh rootdirectory in the bucket WHARF_S3_BUCKET); blob GETs redirect to the
#   gateway. s3-stream: the same with storage.redirect.disable: true (wharf sends the blobs itself).
# The suite binary is a peer, not part of this repository: OCI_CONFORMANCE_BIN, default
# ../shared/tools/oci-conformance/conformance.test beside the repository, else
# /work/shared/tools/oci-conformance/conformance.test.
# Exit status: 0 when every spec that ran against wharf passed; 1 when one failed or the suite did
# not finish; 2 when the binary, the build or a registry is missing.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:-wharf}"
# Beside the repository (../shared), else the workplace's shared tools folder.
bin="${OCI_CONFORMANCE_BIN:-}"
if [ -z "$bin" ]; then
  for candidate in "$repo/../shared/tools/oci-conformance/conformance.test" /work/shared/tools/oci-conformance/conformance.test; do
    bin="$candidate"
    [ -f "$candidate" ] && break
  done
fi
fail_setup() {
  echo "conformance: $1" >&2
  exit 2
}
case "$target" in wharf | s3 | s3-stream | distribution | both) ;; *) echo "usage: $0 [wharf|s3|s3-stream|distribution|both]" >&2; exit 2 ;; esac
if [ "${target#s3}" != "$target" ] && [ -z "${WHARF_S3_ENDPOINT:-}" ]; then
  fail_setup "no S3 endpoint: run scripts/ceph.sh start and eval \"\$(scripts/ceph.sh env)\" first"
fi
[ -f "$bin" ] || fail_setup "no conformance suite binary at $bin (set OCI_CONFORMANCE_BIN)"
[ -x "$bin" ] || fail_setup "$bin is not executable"
if [ "$target" != distribution ] && [ ! -f "$repo/dist/cli/main.js" ]; then
  fail_setup "wharf is not built: run npm run build first"
fi
if [ "$target" != wharf ] && ! command -v docker-registry >/dev/null; then
  fail_setup "docker-registry (Distribution) is not installed: run scripts/install-deps.sh"
fi

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
  for _ in $(seq 1 100); do
    if node -e 'fetch(process.argv[1]+"/v2/").then(r=>process.exit(r.status<500?0:1),()=>process.exit(1))' "$1"; then
      return 0
    fi
    kill -0 "$2" 2>/dev/null || { echo "conformance: the registry exited:" >&2; tail -20 "$3" >&2; return 2; }
    sleep 0.1
  done
  echo "conformance: the registry did not answer at $1" >&2
  tail -20 "$3" >&2
  return 2
}

# Distribution's config.yml shape; wharf reads the same file.
write_config() { # dir port [s3|s3-stream]
  local storage="  filesystem:
    rootdirectory: $1/data"
  if [ "${3:-}" = s3 ] || [ "${3:-}" = s3-stream ]; then
    storage="  s3:
    region: ${WHARF_S3_REGION:-us-east-1}
    regionendpoint: $WHARF_S3_ENDPOINT
    forcepathstyle: true
    bucket: ${WHARF_S3_BUCKET:-wharf}
    accesskey: $WHARF_S3_ACCESS_KEY
    secretkey: $WHARF_S3_SECRET_KEY
    rootdirectory: /conformance-$(basename "$1")-$$"
  fi
  if [ "${3:-}" = s3-stream ]; then
    storage="$storage
  redirect:
    disable: true"
  fi
  cat >"$1/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
$storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$2
  secret: conformance
EOF
}

start_registry() { # name -> sets url
  local name="$1" dir="$work/$1" port
  mkdir -p "$dir/data"
  port="$(free_port)"
  write_config "$dir" "$port" "$([ "${name#s3}" != "$name" ] && echo "$name")"
  if [ "$name" != distribution ]; then
    node "$repo/bin/wharf.cjs" registry serve --config "$dir/config.yml" >"$dir/log" 2>&1 &
  else
    docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  fi
  pids+=("$!")
  url="http://127.0.0.1:$port"
  wait_ready "$url" "$!" "$dir/log" || exit 2
}

status=0
run_suite() { # name
  local name="$1" out="$work/$1/report"
  start_registry "$name"
  mkdir -p "$out"
  set +e
  (cd "$out" && OCI_ROOT_URL="$url" OCI_NAMESPACE=conformance/main \
    OCI_CROSSMOUNT_NAMESPACE=conformance/crossmount OCI_AUTOMATIC_CROSSMOUNT=1 \
    OCI_TEST_PULL=1 OCI_TEST_PUSH=1 OCI_TEST_CONTENT_DISCOVERY=1 OCI_TEST_CONTENT_MANAGEMENT=1 \
    OCI_HIDE_SKIPPED_WORKFLOWS=0 OCI_DEBUG=0 OCI_REPORT_DIR="$out" \
    timeout 600 "$bin" -ginkgo.no-color >"$out/output.txt" 2>&1)
  set -e
  local ran summary
  ran="$(grep -oE 'Ran [0-9]+ of [0-9]+ Specs' "$out/output.txt" | tail -1 || true)"
  summary="$(grep -E '[0-9]+ Passed \| [0-9]+ Failed' "$out/output.txt" | tail -1 || true)"
  if [ -n "${CONFORMANCE_KEEP:-}" ]; then
    mkdir -p "$CONFORMANCE_KEEP/$name"
    cp "$out"/output.txt "$out"/report.html "$out"/junit.xml "$work/$name/log" "$CONFORMANCE_KEEP/$name/" 2>/dev/null || true
  fi
  if [ -z "$summary" ] || [ -z "$ran" ]; then
    echo "conformance ($name): the suite did not finish; the end of its output:" >&2
    tail -40 "$out/output.txt" >&2
    [ "$name" != distribution ] && status=1
    return 0
  fi
  local passed failed skipped
  count() { grep -oE "[0-9]+ $1" <<<"$summary" | grep -oE '[0-9]+' || echo 0; }
  passed="$(count Passed)"
  failed="$(count Failed)"
  skipped="$(count Skipped)"
  echo "conformance ($name): $ran; $passed passed, $failed failed, $skipped skipped"
  # Ginkgo lists each failed spec after "Summarizing N Failures:" as "[FAIL] ... [It] <spec>".
  grep -E '^\s*\[FAIL\]' "$out/output.txt" | sed -E 's/^\s*\[FAIL\] OCI Distribution Conformance Tests /  FAIL /; s/ \[It\] /: /' || true
  # Distribution is the reference, not the subject: its failures are reported, not fatal.
  if [ "$name" != distribution ] && [ "$failed" != 0 ]; then
    echo "conformance ($name): $failed spec(s) failed; run with CONFORMANCE_KEEP=DIR to keep the report" >&2
    status=1
  fi
}

case "$target" in
  wharf) run_suite wharf ;;
  s3) run_suite s3 ;;
  s3-stream) run_suite s3-stream ;;
  distribution) run_suite distribution ;;
  both) run_suite distribution; run_suite wharf ;;
esac
exit "$status"
