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

# The Dask test (test/shards/dask.test.ts) needs Debian's python3-distributed; it is skipped, saying so, without it.
# Where this machine can install it (as root, with apt-get), it does, so that the test runs.
if ! /usr/bin/python3 -c "import distributed" 2>/dev/null && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "== installing Debian's python3-distributed for the Dask test"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-distributed >/dev/null) ||
    echo "warning: python3-distributed could not be installed: test/shards/dask.test.ts will be skipped"
fi

echo "== typecheck"
npx tsc --noEmit
echo "== format (Prettier, width 120: npm run format fixes it)"
npx prettier --check . >/dev/null || { npx prettier --list-different .; echo "error: the files above are not formatted: run npm run format" >&2; exit 1; }
echo "== unit and integration tests"
npx vitest run
# The build must need nothing but npm ci: where this machine can cut the network (unshare -n, as root), every build
# below runs without it.
if unshare -n true 2>/dev/null; then
  offline() { unshare -n "$@"; }
  echo "== builds run with no network (unshare -n)"
else
  offline() { "$@"; }
  echo "== builds run with the network on (unshare -n is not available here)"
fi
echo "== build the demo site"
offline npm run build
# Scores over time: a history folder of a small demo (3 runs: trained, rescored with that model, retrained) and
# the site built from it, beside dist/, for test/e2e/history.e2e.ts.
echo "== a history folder of a small demo, and its site"
npm run demo:history -- --profiles 3000 --data .tmp/e2e-history-data --history .tmp/e2e-history
CUSTOMER_AI_HISTORY=.tmp/e2e-history offline npm run build -- --out .tmp/dist-history
# A locked site (issue 17): the same small history demo built with a passphrase, for test/e2e/locked.e2e.ts.
echo "== the small demo's site, locked with a passphrase"
export E2E_LOCKED_PASSPHRASE="${E2E_LOCKED_PASSPHRASE:-correct horse battery staple}"
CUSTOMER_AI_HISTORY=.tmp/e2e-history CUSTOMER_AI_PASSPHRASE="$E2E_LOCKED_PASSPHRASE" offline npm run build -- --out .tmp/dist-locked
# Sample mode (issue 18): the demo's site again with a forced low threshold (its scoring run is cached by the first
# build), for test/e2e/sample.e2e.ts.
echo "== the demo's site in sample mode"
CUSTOMER_AI_SAMPLE_SIZE=2000 offline npm run build -- --sample-above 0 --out .tmp/dist-sample
echo "== end-to-end tests"
E2E_HISTORY_DIST=.tmp/dist-history E2E_LOCKED_DIST=.tmp/dist-locked E2E_SAMPLE_DIST=.tmp/dist-sample npx vitest run --config vitest.e2e.config.ts
