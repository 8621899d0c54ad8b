#!/usr/bin/env bash
# The whole test suite: typecheck, unit and integration tests, build of the demo site, end-to-end tests in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "== installing Debian's chromium for the end-to-end tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "error: Chromium is needed at $chromium for the end-to-end tests." >&2
    echo "Install it with: sudo apt-get install -y chromium   (or set CHROMIUM_PATH)" >&2
    exit 1
  fi
fi

echo "== typecheck"
npx tsc --noEmit
echo "== unit and integration tests"
npx vitest run
echo "== build the demo site"
npm run build
echo "== end-to-end tests"
npx vitest run --config vitest.e2e.config.ts
