"""`make loadtest` (issue 24): many staff at once on the production shape, while an import runs.

    python -m bench.loadtest [--customers 1000000] [--users 50] [--duration 300] [--instances 2,1]

For each number of gunicorn instances in --instances (default: 2, then 1 to show what the second adds):
  1. a scratch copy of the PostgreSQL benchmark database kokyaku_bench_<N> (made by `make bench`, never
     changed here) as kokyaku_loadtest_<N> (CREATE DATABASE … TEMPLATE: a file copy; it needs the
     benchmark database to have no other session), dropped at the end;
  2. in it: the staff accounts (a third head office, the rest branch staff spread over the branches, role
     一般), each's customers to open and save, and a checked 100,000-row import file (an import_check job);
  3. the production shape of `make serve-prod` (tools/serve.sh: gunicorn instances on 127.0.0.1:PORT,
     PORT+1 … with 2 processes × 4 threads each, 1 worker, the cache in Redis) with config.settings.office
     (plain HTTP on 127.0.0.1: prod's cookies are HTTPS-only);
  4. locust, headless, from .venv-loadtest (requirements-loadtest.txt): --users simulated staff split
     evenly across the instances, thinking 2–5 s between quick search, open card, save card, advanced
     search, list page, small export and small print, for --duration seconds; once they are all logged in,
     the 100,000-row import is confirmed and runs on the real worker;
  5. the figures per action and per role (p50 / p95 / p99, errors), the import's rate and the worker's
     peak resident memory: printed, and written to var/loadtest/loadtest-<instances>.json and
     loadtest-results.json (both runs).
Everything listens on 127.0.0.1 only and stops by itself; exit status 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "var" / "loadtest"
RESULTS_FILE = ROOT / "loadtest-results.json"
PG_BASE_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
LOCUST = ROOT / ".venv-loadtest" / "bin" / "locust"
PASSWORD = "loadtest-Pa55-不要"
GOALS = {"p95": 300, "p99": 1000}  # ms, per page action (issue 24)
THINK = (2, 5)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)] if ordered else float("nan")


# --------------------------------------------------------------------------------------------------
# Setup inside the copy (Django set up in this process, DATABASE_URL = the copy)
# --------------------------------------------------------------------------------------------------


def setup_copy(args, config_path: Path) -> dict:
    """Accounts, customer ids per account, search terms, and the import file checked by the worker later."""
    import datetime
    import random

    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.core.files import File
    from django.core.management import call_command

    from crm import roles
    from crm.models import Branch, Customer, Staff
    from crm.permissions import staff_set_branches
    from dataio import exporting
    from dataio.columns import TARGETS
    from jobs import services as job_services

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    rng = random.Random(24)
    general = Group.objects.get(name=roles.GENERAL)
    branches = list(Branch.objects.order_by("position", "code"))
    accounts = []
    head_office = max(1, args.users // 3)
    for i in range(args.users):
        hq = i < head_office
        branch = None if hq else branches[i % len(branches)]
        user, _ = Staff.objects.get_or_create(username=f"lt-{'hq' if hq else 'br'}-{i:02d}",
                                              defaults={"display_name": f"負荷試験 {i:02d}"})
        user.is_staff, user.is_head_office = True, hq
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(general)
        if branch is not None:
            staff_set_branches(staff=user, branches=[branch])
        scope = Customer.objects.all() if hq else Customer.objects.filter(branch=branch)
        top = scope.order_by("-id").values_list("id", flat=True).first() or 0
        # ids spread over the whole range, each account its own cards to save (no two save the same card)
        pool = list(scope.filter(id__gte=rng.randint(0, max(0, top - 5000))).order_by("id")
                    .values_list("id", flat=True)[:200])
        # the small export's and print's searches: full names of the account's own customers (a few rows)
        names = [last + first for last, first in Customer.objects.filter(id__in=pool[:40])
                 .values_list("last_name", "first_name") if last and first]
        accounts.append({"username": user.username, "role": "head office" if hq else "branch staff",
                         "customer_ids": pool[:150], "save_ids": pool[150:] or pool, "narrow_terms": names})
    sample = list(Customer.objects.order_by("id").values_list("last_name", "first_name")[:3000])
    surnames = sorted({last for last, _first in sample if len(last) == 2})[:40] or ["田中"]
    narrow = [last + first for last, first in sample[:: max(1, len(sample) // 40)] if last and first][:40]
    since = (datetime.date.today() - datetime.timedelta(days=730)).isoformat()
    config = {
        "hosts": [f"http://127.0.0.1:{args.port + i}" for i in range(args.current_instances)],
        "password": PASSWORD, "accounts": accounts, "terms": surnames + ["田", "山"], "narrow_terms": narrow,
        "think_min": THINK[0], "think_max": THINK[1],
        "advanced_search": f"/admin/crm/customer/?s_address=%E6%9D%B1%E4%BA%AC&s_c_date_from={since}"
                           f"&s_p_date_from={since}&s_p_total_min=10000",
    }
    config_path.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")

    # The import: new customers made from the first rows of an export (codes blank), checked by the worker.
    importer, _ = Staff.objects.get_or_create(username="lt-import", defaults={
        "display_name": "負荷試験 取込", "is_staff": True, "is_superuser": True, "is_head_office": True})
    target = TARGETS["customers"]
    columns = exporting.export_columns(target, importer)
    fmt = exporting.FORMATS["csv_cp932"]
    code_at = exporting.code_position(columns)
    rows = min(args.import_rows, Customer.objects.count())

    def fresh_rows():
        for record in exporting.rows(Customer.objects.order_by("id")[:rows], columns):
            record = list(record)
            record[code_at] = ""
            yield record

    path = OUT_DIR / f"import-{rows}.csv"
    with open(path, "wb") as f:
        for chunk in exporting.csv_chunks([c.label for c in columns], fresh_rows(), fmt, replace=True):
            f.write(chunk)
    with open(path, "rb") as f:
        job = job_services.start_job(kind="import_check", owner=importer, title="負荷試験の取込",
                                     params={"target": "customers", "encoding": ""}, input_file=File(f),
                                     input_name=path.name)
    from django.db import connections

    connections.close_all()
    return {"check_job": job.pk, "import_rows": rows, "importer": importer.pk}


# --------------------------------------------------------------------------------------------------
# One run
# --------------------------------------------------------------------------------------------------


def copy_database(source: str, target: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_BASE_URL}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [source]).fetchone():
            raise SystemExit(f"No database {source}: seed it first with "
                             f"make bench BENCH_ARGS=\"--db postgres --customers … --only customer_list\".")
        conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        for attempt in range(12):
            try:
                conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}" STRATEGY FILE_COPY')
                return
            except psycopg.errors.ObjectInUse:
                print(f"  {source} has other sessions (a bench run?): waiting 10 s …", flush=True)
                time.sleep(10)
        raise SystemExit(f"{source} stayed in use: stop what uses it (make bench) and run the load test again.")


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_BASE_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_until_up(hosts: list[str], seconds: float = 180) -> None:
    deadline = time.time() + seconds
    for host in hosts:
        while True:
            try:
                with urllib.request.urlopen(f"{host}/admin/login/", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                raise SystemExit(f"{host} did not answer within {seconds:.0f} s")
            time.sleep(1)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def worker_pids(supervisor: int) -> list[int]:
    pids, todo = [], [supervisor]
    while todo:
        for child in children(todo.pop()):
            todo.append(child)
            try:
                if "jobs_worker" in (Path("/proc") / str(child) / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(child)
            except OSError:
                pass
    return pids


def rss_mb(pid: int) -> float:
    try:
        for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def job_state(url: str, job_id: int):
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT state, started_at, finished_at, total, message FROM jobs_job WHERE id = %s",
                            [job_id]).fetchone()


def confirm_import(url: str, check_job: int, importer: int) -> int:
    """The import's confirmation as the 取込 button does it (dataio.services.import_confirm), in a short
    Python of the main venv: this process keeps Django set up on the copy."""
    import django
    from django.db import connections

    django.setup()
    from crm.models import Staff
    from dataio import services
    from jobs.models import Job

    job, _started = services.import_confirm(preview=Job.objects.get(pk=check_job),
                                            user=Staff.objects.get(pk=importer))
    connections.close_all()
    return job.pk


def run_once(args, instances: int) -> dict:
    source, copy = f"kokyaku_bench_{args.customers}", f"kokyaku_loadtest_{args.customers}"
    url = f"{PG_BASE_URL}/{copy}"
    tag = f"{instances}-instance{'s' if instances > 1 else ''}"
    print(f"\n== {tag}: copying {source} to {copy} …", flush=True)
    start = time.perf_counter()
    copy_database(source, copy)
    print(f"   copied in {time.perf_counter() - start:.0f} s", flush=True)
    os.environ["DATABASE_URL"] = url
    media = OUT_DIR / "media"
    shutil.rmtree(media, ignore_errors=True)  # the run's attachments and job files (the import's upload)
    os.environ["MEDIA_ROOT"] = str(media)
    config_path, records_path = OUT_DIR / f"config-{tag}.json", OUT_DIR / f"records-{tag}.json"
    records_path.unlink(missing_ok=True)
    args.current_instances = instances
    setup = setup_copy(args, config_path)
    hosts = json.loads(config_path.read_text(encoding="utf-8"))["hosts"]

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.office", "DATABASE_URL": url,
           "REDIS_URL": args.redis_url, "PORT": str(args.port), "WEB_INSTANCES": str(instances),
           "JOB_WORKERS": "1", "MEDIA_ROOT": str(OUT_DIR / "media"), "LOG_LEVEL": "ERROR"}
    if args.redis_url:
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()  # the load test's own Redis database (--redis-url)
    server_log = open(OUT_DIR / f"server-{tag}.log", "w")
    server = subprocess.Popen(["bash", "tools/serve.sh"], cwd=ROOT, env=env, stdout=server_log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    result: dict = {"instances": instances, "users": args.users, "duration_s": args.duration,
                    "customers": args.customers, "think_s": list(THINK)}
    try:
        wait_until_up(hosts)
        deadline = time.time() + 600
        while (state := job_state(url, setup["check_job"]))[0] not in ("succeeded", "failed", "cancelled"):
            if time.time() > deadline:
                raise SystemExit("the import check did not finish in 10 minutes")
            time.sleep(2)
        if state[0] != "succeeded":
            raise SystemExit(f"the import check {state[0]}: {state[4]}")
        print(f"   serving on {', '.join(hosts)}; the {setup['import_rows']:,}-row import file is checked; "
              f"{args.users} staff for {args.duration} s …", flush=True)
        spawn_rate = max(1.0, args.users / 20)
        locust = subprocess.Popen(
            [str(LOCUST), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--users", str(args.users),
             "--spawn-rate", str(spawn_rate), "--run-time", f"{args.duration}s", "--stop-timeout", "30",
             "--only-summary", "--host", hosts[0], "--loglevel", "WARNING"],
            cwd=ROOT, env={**os.environ, "LOADTEST_CONFIG": str(config_path), "LOADTEST_RECORDS": str(records_path)},
            stdout=open(OUT_DIR / f"locust-{tag}.log", "w"), stderr=subprocess.STDOUT)
        time.sleep(min(args.users / spawn_rate + 5, args.duration / 3))  # every user logged in
        write_job = confirm_import(url, setup["check_job"], setup["importer"])
        peak, import_done, load_end = 0.0, None, None
        while locust.poll() is None or import_done is None:
            if load_end is None and locust.poll() is not None:
                load_end = time.time()
            peak = max([peak] + [rss_mb(pid) for pid in worker_pids(server.pid)])
            if import_done is None:
                state = job_state(url, write_job)
                if state[0] in ("succeeded", "failed", "cancelled"):
                    import_done = state
            if load_end is not None and import_done is None and time.time() > load_end + args.import_timeout:
                break
            time.sleep(0.5)
        result["import"] = import_figures(import_done, setup["import_rows"], peak)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        server_log.close()
        if not args.keep_copy:
            drop_database(copy)
    records = json.loads(records_path.read_text(encoding="utf-8")) if records_path.exists() else []
    result["actions"] = figures(records, key=lambda r: r[0])
    # per role: the page actions (a CSV or PDF download is a file, not a page: see print_result)
    result["roles"] = figures([r for r in records if not r[0].endswith((": file", ": PDF"))], key=lambda r: r[1])
    result["roles_by_action"] = figures(records, key=lambda r: f"{r[1]}: {r[0]}")
    result["errors"] = sorted({r[3] for r in records if r[3]})[:20]
    (OUT_DIR / f"loadtest-{tag}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return result


def import_figures(state, rows: int, peak: float) -> dict:
    if state is None:
        return {"state": "not finished", "rows": rows, "worker_peak_rss_mb": round(peak, 1)}
    status, started, finished, _total, message = state
    seconds = (finished - started).total_seconds() if started and finished else None
    return {"state": status, "rows": rows, "seconds": round(seconds, 1) if seconds else None,
            "rows_per_s": round(rows / seconds) if seconds and status == "succeeded" else None,
            "worker_peak_rss_mb": round(peak, 1), "message": message or ""}


def figures(records: list, key) -> dict:
    groups: dict[str, list] = {}
    for record in records:
        groups.setdefault(key(record), []).append(record)
    out = {}
    for name, group in sorted(groups.items()):
        times = [r[2] for r in group]
        out[name] = {"requests": len(group), "errors": sum(1 for r in group if r[3]),
                     "p50_ms": round(percentile(times, 50), 1), "p95_ms": round(percentile(times, 95), 1),
                     "p99_ms": round(percentile(times, 99), 1)}
    return out


def print_result(result: dict) -> bool:
    ok = True
    print(f"\n{result['instances']} gunicorn instance(s), {result['users']} staff, {result['duration_s']} s, "
          f"{result['customers']:,} customers")
    width = max([len(k) for k in result["actions"]] + [len(k) for k in result["roles"]] + [10]) + 2
    print(f"{'action / role':{width}} {'requests':>9} {'errors':>7} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9}  goal")
    for section in ("actions", "roles"):
        for name, f in result[section].items():
            # the time goals are a page's; a file (the export's CSV, the print's PDF) is held to no error only
            page = not name.endswith((": file", ": PDF"))
            passed = f["errors"] == 0 and (not page or (f["p95_ms"] <= GOALS["p95"] and f["p99_ms"] <= GOALS["p99"]))
            ok &= passed
            print(f"{name:{width}} {f['requests']:>9,} {f['errors']:>7,} {f['p50_ms']:>9,.1f} {f['p95_ms']:>9,.1f} "
                  f"{f['p99_ms']:>9,.1f}  {'PASS' if passed else 'FAIL'}")
        print()
    roles = result["roles"]
    if "branch staff" in roles and "head office" in roles:
        ratio = roles["branch staff"]["p95_ms"] / max(roles["head office"]["p95_ms"], 0.1)
        print(f"branch staff / head office p95: {ratio:.2f} (goal <= 1.10: {'PASS' if ratio <= 1.10 else 'FAIL'})")
    imp = result.get("import", {})
    print(f"import of {imp.get('rows', 0):,} rows on the worker: {imp.get('state')}, "
          f"{imp.get('seconds')} s, {imp.get('rows_per_s')} rows/s, worker peak resident "
          f"{imp.get('worker_peak_rss_mb')} MB (goal < 300 MB) {imp.get('message', '')}")
    ok &= imp.get("state") == "succeeded" and (imp.get("worker_peak_rss_mb") or 0) < 300
    for error in result["errors"]:
        print(f"  error: {error}")
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000, help="the benchmark database kokyaku_bench_<N>")
    parser.add_argument("--users", type=int, default=50, help="simulated staff")
    parser.add_argument("--duration", type=int, default=300, help="seconds of load")
    parser.add_argument("--instances", default="2,1", help="gunicorn instances of each run, e.g. 2,1 or 2")
    parser.add_argument("--import-rows", type=int, default=100_000, help="rows of the import running meanwhile")
    parser.add_argument("--import-timeout", type=int, default=1800,
                        help="seconds to wait for the import after the load stops")
    parser.add_argument("--port", type=int, default=8300, help="the first app server's port (127.0.0.1)")
    parser.add_argument("--redis-url", default=os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/13"),
                        help="the load test's own Redis database (emptied at each run); '' for the database cache")
    parser.add_argument("--keep-copy", action="store_true", help="keep kokyaku_loadtest_<N> afterwards")
    args = parser.parse_args(argv)
    if not LOCUST.exists():
        raise SystemExit(f"{LOCUST} is missing: make loadtest installs it (requirements-loadtest.txt).")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.office")
    results, ok = [], True
    for instances in [int(x) for x in args.instances.split(",") if x.strip()]:
        # One process per run: Django is set up on that run's copy of the database.
        code = subprocess.call([sys.executable, "-m", "bench.loadtest", "--one", str(instances), *sys.argv[1:]]
                               if argv is None else [sys.executable, "-m", "bench.loadtest", "--one",
                                                     str(instances), *argv], cwd=ROOT)
        path = OUT_DIR / f"loadtest-{instances}-instance{'s' if instances > 1 else ''}.json"
        if code != 0 or not path.exists():
            print(f"the run with {instances} instance(s) failed (exit {code})")
            ok = False
            continue
        results.append(json.loads(path.read_text(encoding="utf-8")))
    for result in results:
        ok &= print_result(result)
    RESULTS_FILE.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"\nWrote {RESULTS_FILE.relative_to(ROOT)} (and var/loadtest/loadtest-*.json)")
    return 0 if ok and results else 1


def one(argv) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--one", type=int)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=300)
    parser.add_argument("--instances", default="2,1")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--import-timeout", type=int, default=1800)
    parser.add_argument("--port", type=int, default=8300)
    parser.add_argument("--redis-url", default=os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/13"))
    parser.add_argument("--keep-copy", action="store_true")
    args = parser.parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.office"
    run_once(args, args.one)
    return 0


if __name__ == "__main__":
    sys.exit(one(sys.argv[1:]) if "--one" in sys.argv else main())
