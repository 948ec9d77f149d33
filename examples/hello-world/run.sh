#!/usr/bin/env bash
# The hello-world walkthrough, offline: start a local registry, put the hello-world image there,
# then `wharf run` pulls it and runs it, and `wharf images` / `wharf ps -a` show what is left.
# Usage: examples/hello-world/run.sh   (after `npm install && npm run build`; as root, for runc;
#        installs runc and gcc from Debian when they are missing)
# Environment: WHARF_ROOT (wharf's store; default /var/lib/wharf), HELLO_PORT (default 5000).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
wharf() { "$repo/bin/wharf" "$@"; }

port="${HELLO_PORT:-5000}"
image="localhost:$port/hello-world"
work="$(mktemp -d /tmp/wharf-hello.XXXXXX)"
registry_pid=""
cleanup() {
  [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null && wait "$registry_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# 0. What it needs from Debian: runc (wharf runs containers with it) and gcc, installed when missing.
"$repo/scripts/install-deps.sh" --run

# 1. The program: a few kilobytes, no libc, built from hello.c.
gcc -static -nostdlib -Os -fno-asynchronous-unwind-tables -fno-stack-protector -Wl,--build-id=none -s \
  -o "$work/hello" "$here/hello.c"

# 2. A local registry (wharf's own), on loopback.
echo "Starting a local registry on 127.0.0.1:$port ..."
setsid "$repo/bin/wharf" registry serve --addr "127.0.0.1:$port" --root "$work/registry" \
  2>"$work/registry.log" &
registry_pid=$!
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$registry_pid" 2>/dev/null; then
    echo "the registry did not start:" >&2
    cat "$work/registry.log" >&2
    exit 1
  fi
  sleep 0.1
done

# 3. The image, as the Dockerfile beside this script describes it, pushed to that registry.
node "$here/publish.mjs" "$image:latest" "$work/hello" >/dev/null
echo "Published $image:latest"
echo

# 4. Docker's walkthrough: run it (pulled because it is not local), then look around.
echo "\$ wharf run $image"
wharf run "$image"
echo
echo "\$ wharf images"
wharf images
echo
echo "\$ wharf ps -a"
wharf ps -a
