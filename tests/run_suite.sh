#!/usr/bin/env bash
# The whole suite in one pytest run: unit and admin tests and the browser tests (Playwright + Debian's chromium).
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
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ "$MODE" != "--no-browser" ] && [ ! -x "$CHROMIUM" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "ERROR: CI=true but $CHROMIUM is missing: the browser tests must run in CI." >&2
    exit 1
  fi
  echo "SKIPPED the browser tests: $CHROMIUM not found (install Debian's chromium to run them)."
  MODE="--no-browser"
fi

# worksteal: a worker that runs out of tests takes pending ones from the other
case "$MODE" in
  --no-browser)
    echo "== Tests on $DB (without the browser tests)"
    run_pytest -m "not browser" -n "${PYTEST_WORKERS:-2}" --dist worksteal ;;
  --browser-only)
    echo "== Browser tests on $DB"
    run_pytest -m browser -n "${PYTEST_WORKERS:-2}" --dist worksteal ;;
  *)
    # One run for both: one test database per worker instead of two, and a browser test waiting on
    # chromium leaves the core to the other worker's tests.
    echo "== Tests on $DB, the browser tests included"
    run_pytest -n "${PYTEST_WORKERS:-2}" --dist worksteal ;;
esac
