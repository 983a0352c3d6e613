#!/usr/bin/env bash
# The whole suite: unit and admin tests, then the browser tests (Playwright + Debian's chromium).
# Without chromium the browser tests are skipped with a plain message, except under CI=true,
# where they must run. Pytest's exit code 5 (no tests collected) counts as a failure.
#   --browser-only   the browser tests alone
#   --no-browser     the rest alone (.ci/run: the browser tests run once, on PostgreSQL)
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
DB="${DATABASE_URL:-sqlite (in memory)}"

run_pytest() {
  "$PY" -m pytest "$@"
  local rc=$?
  if [ "$rc" -eq 5 ]; then
    echo "ERROR: pytest collected no tests for: $*" >&2
    return 1
  fi
  return "$rc"
}

MODE="${1:-}"
if [ "$MODE" != "--browser-only" ]; then
  echo "== Tests on $DB"
  # worksteal: a worker that runs out of tests takes pending ones from the other
  run_pytest -m "not browser" -n "${PYTEST_WORKERS:-2}" --dist worksteal || exit 1
fi
if [ "$MODE" = "--no-browser" ]; then
  exit 0
fi

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "ERROR: CI=true but $CHROMIUM is missing: the browser tests must run in CI." >&2
    exit 1
  fi
  echo "SKIPPED the browser tests: $CHROMIUM not found (install Debian's chromium to run them)."
  exit 0
fi
echo "== Browser tests on $DB"
run_pytest -m browser -n "${PYTEST_WORKERS:-2}" --dist worksteal
