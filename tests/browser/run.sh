#!/usr/bin/env bash
# Browser end-to-end tests of the web UI: builds yuqing, then drives headless Chromium with
# Playwright (playwright-core from npm, the system Chromium). Needs: node + npm, and
# `apt-get install -y chromium fonts-noto-cjk`. Screenshots: target/screenshots/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "chromium not found: apt-get install -y chromium fonts-noto-cjk (or set CHROMIUM)" >&2
  exit 1
fi
if [ -z "${YUQING_BIN:-}" ]; then
  (cd "$root" && cargo build --bin yuqing)
  export YUQING_BIN="$root/target/debug/yuqing"
fi
cd "$here"
npm ci --no-audit --no-fund --loglevel=error
node e2e.mjs
