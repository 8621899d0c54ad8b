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
# The build must need nothing but npm ci: where this machine can cut the network (unshare -n, as root), it does.
if unshare -n true 2>/dev/null; then
  echo "== build the demo site, with no network"
  unshare -n npm run build
else
  echo "== build the demo site (unshare -n is not available here, so the network stays on)"
  npm run build
fi
echo "== end-to-end tests"
npx vitest run --config vitest.e2e.config.ts
