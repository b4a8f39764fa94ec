#!/usr/bin/env bash
# Full test run: machine setup (Docker engine, packages, node_modules, test images), then
# `npm test` (lint + typecheck + build + vitest). Fails — never skips — when Docker is unavailable.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SPIN_SETUP_BROWSER=1 SPIN_SETUP_IMAGE=1 bash scripts/setup.sh
echo "[test] npm test"
npm test
