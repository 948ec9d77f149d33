#!/usr/bin/env bash
# The test command: installs what the tests need on a fresh Debian machine, builds, type-checks,
# lints and runs every test (unit and end-to-end against the real peers).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
npm ci --no-audit --no-fund
npm run build
npm run typecheck
npm run lint
npx vitest run
