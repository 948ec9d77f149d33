#!/usr/bin/env bash
# The test command: installs what the tests need on a fresh Debian machine, builds, type-checks,
# lints and runs every test (unit and end-to-end against the real peers).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
# npm ci refuses this lock file: the npm registry here lacks the optional biome binaries for other
# platforms, so the lock file can only name the ones it has; npm install honours the lock file otherwise.
npm install --no-audit --no-fund
npm run build
npm run typecheck
npm run lint
# One Ceph cluster with a RADOS Gateway for the whole run (the s3 driver's tests, the replicas, the
# s3 conformance run read its WHARF_S3_* variables); stopped by its PIDs at the end.
./scripts/ceph.sh start >/dev/null
trap './scripts/ceph.sh stop' EXIT
eval "$(./scripts/ceph.sh env)"
npx vitest run
# The registry end-to-end tests with real clients again, wharf on the s3 driver this time.
WHARF_E2E_STORAGE=s3 npx vitest run test/e2e/registry-skopeo.test.ts test/e2e/registry-podman.test.ts \
  test/e2e/registry-buildah.test.ts
# The OCI Distribution Spec's conformance suite against wharf registry serve (all workflows), on
# the filesystem, on s3, and on s3 with redirects off (wharf then sends the blobs itself).
./scripts/conformance.sh
./scripts/conformance.sh s3
./scripts/conformance.sh s3-stream
