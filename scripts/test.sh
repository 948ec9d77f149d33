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
npx vitest run
# The OCI Distribution Spec's conformance suite against wharf registry serve (all workflows).
./scripts/conformance.sh
