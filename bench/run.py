"""Kokyaku benchmarks: `make bench` or `python -m bench.run [--db sqlite,postgres] [--customers 100000]`.

For each database the runner starts a worker process (this module with --worker) with
DATABASE_URL pointing at a benchmark database of its own:
  - SQLite:     var/bench/kokyaku_bench_<N>.sqlite3
  - PostgreSQL: kokyaku_bench_<N> on $BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432),
                created from template0, UTF8, C.UTF-8 (Japanese trigrams need it), with pg_trgm.
The worker migrates, seeds the data once with seed_demo (a marker in var/bench/ lets later
runs reuse it while the parameters match) and measures in-process with Django's test Client,
logged in as a head-office superuser. The runner prints one table and writes
bench-results.json at the repository root: a list of {"name", "value", "unit", "goal"}.

Adding a benchmark: write a function taking a Context and returning Rows, decorate it with
@measurement; `ctx.page(...)` times a page (median, p95, SQL queries). Run one with --only.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
RESULTS_FILE = ROOT / "bench-results.json"
SETTINGS = "config.settings.bench"
PG_BASE_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")

# What the data set is made of; a marker with other values makes the worker seed afresh.
SEED_PARAMS = {
    "seed": 1, "branches": 20, "with_heavy_customer": 200,
    "contacts_per_customer": 3.0, "purchases_per_customer": 3.0, "version": 1,
}
HEAVY_CONTACTS = SEED_PARAMS["with_heavy_customer"]
PAGE_GOAL_MS = 150
PAGE_GOAL_QUERIES = 15


# ------------------------------------------------------------------------------------------
# Results
# ------------------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    value: float | None
    unit: str
    goal: str | None = None  # "<= 150", ">= 1000" or None for figures without a goal
    note: str = ""  # shown in the table only ("reused …")
    error: str = ""  # the measurement could not be taken: always FAIL

    def passed(self) -> bool | None:
        if self.error:
            return False
        if self.goal is None:
            return None
        if self.value is None:
            return False
        op, target = self.goal.split()
        return self.value <= float(target) if op == "<=" else self.value >= float(target)

    def as_json(self) -> dict:
        return {"name": self.name, "value": self.value, "unit": self.unit, "goal": self.goal}


# ------------------------------------------------------------------------------------------
# Measurements (run in the worker, Django set up)
# ------------------------------------------------------------------------------------------


@dataclass
class Context:
    client: object  # django.test.Client, logged in as a head-office superuser
    db: str  # "sqlite" / "postgres"
    customers: int
    heavy_customer_id: int
    requests: int = 20
    warmup: int = 2
    prefix: str = field(init=False)

    def __post_init__(self):
        self.prefix = f"{self.db} {human_count(self.customers)}"

    def name(self, label: str) -> str:
        return f"{self.prefix}: {label}"

    def page(self, label: str, url: str, *, goal_ms: float | None = PAGE_GOAL_MS,
             goal_queries: int | None = PAGE_GOAL_QUERIES) -> list[Row]:
        """Whole-request time of GET url: median and p95 of `requests` after `warmup`, and SQL queries."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        rows_on_error = [
            Row(self.name(f"{label} median"), None, "ms", fmt_goal("<=", goal_ms)),
            Row(self.name(f"{label} queries"), None, "queries", fmt_goal("<=", goal_queries)),
        ]
        for _ in range(self.warmup):
            response = self.client.get(url)
            if response.status_code != 200:
                for row in rows_on_error:
                    row.error = f"GET {url} -> HTTP {response.status_code}"
                return rows_on_error
        times = []
        for _ in range(self.requests):
            start = time.perf_counter()
            response = self.client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        with CaptureQueriesContext(connection) as queries:  # a separate request: logging costs time
            self.client.get(url)
        return [
            Row(self.name(f"{label} median"), round(statistics.median(times), 1), "ms", fmt_goal("<=", goal_ms)),
            Row(self.name(f"{label} p95"), round(percentile(times, 95), 1), "ms"),
            Row(self.name(f"{label} queries"), page_queries(queries.captured_queries), "queries",
                fmt_goal("<=", goal_queries)),
        ]


    def alternating(self, first: str, second: str) -> tuple[float, float]:
        """Median whole-request times of GET first and GET second, their requests alternating:
        drift on a busy machine (its speed, caches, other processes) weighs on both alike."""
        times: tuple[list[float], list[float]] = ([], [])
        for _ in range(self.requests):
            for url, kept in ((first, times[0]), (second, times[1])):
                start = time.perf_counter()
                self.client.get(url)
                kept.append((time.perf_counter() - start) * 1000)
        return statistics.median(times[0]), statistics.median(times[1])


MEASUREMENTS: list[Callable[[Context], list[Row]]] = []


def measurement(function: Callable[[Context], list[Row]]):
    MEASUREMENTS.append(function)
    return function


@measurement
def customer_list(ctx: Context) -> list[Row]:
    return ctx.page("customer list", "/admin/crm/customer/")


@measurement
def customer_card_heavy(ctx: Context) -> list[Row]:
    return ctx.page(f"change form, {HEAVY_CONTACTS} contacts", f"/admin/crm/customer/{ctx.heavy_customer_id}/change/")


def _sample_terms() -> dict[str, str]:
    """Quick-search terms taken from the data itself, so every one has real matches."""
    import jaconv

    from crm.models import Customer

    rows = Customer.objects.exclude(email="").exclude(tel="").order_by("id").values(
        "last_name", "first_name", "last_name_kana", "tel", "email")[:2000]
    four = next(r for r in rows if len(r["last_name"] + r["first_name"]) == 4)
    reading = next(r for r in rows if len(r["last_name_kana"]) >= 3)
    phone = next(r for r in rows if len(re.sub(r"\D", "", r["tel"])) >= 10)
    digits = re.sub(r"\D", "", phone["tel"])
    mail = next(r for r in rows if "." in r["email"].split("@")[0])
    return {
        "1-char kanji": "田",
        "2-char surname": "田中",
        "4-char name": four["last_name"] + four["first_name"],
        "hiragana reading": jaconv.kata2hira(reading["last_name_kana"]),
        "4-digit phone": digits[-8:-4],
        "email fragment": mail["email"].split("@")[0][:7],
    }


BASELINE_FIELDS = ["code", "last_name", "first_name", "last_name_kana", "first_name_kana", "company_name",
                   "company_kana", "tel", "mobile", "email"]


def _query_work_ms(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _baseline_ms(term: str, repeats: int = 3) -> float:
    """Django admin's stock search_fields: icontains on each field OR-ed, its COUNT and the first page."""
    from django.core.paginator import Paginator
    from django.db.models import Q

    from crm.models import Customer

    def run():
        condition = Q()
        for bit in term.split():
            or_bit = Q()
            for name in BASELINE_FIELDS:
                or_bit |= Q(**{f"{name}__icontains": bit})
            condition &= or_bit
        paginator = Paginator(Customer.objects.filter(condition).order_by("-pk"), 50)
        list(paginator.page(1).object_list)

    return _query_work_ms(run, repeats)


def _engine_ms(term: str, repeats: int = 5) -> float:
    """The same work through Kokyaku's engine: its capped count and the first page, streamed."""
    from crm import search
    from crm.admin.pagination import EstimatingPaginator
    from crm.models import Customer

    def run():
        queryset = search.order_for_streaming(search.customer_quick_search(Customer.objects.all(), term))
        list(EstimatingPaginator(queryset, 50).page(1).object_list)

    return _query_work_ms(run, repeats)


@measurement
def quick_search(ctx: Context) -> list[Row]:
    """S1/S3: the list with a quick search, against Django admin's default search as the baseline."""
    from urllib.parse import quote

    # The plain list in the same run: each search page is also given as a ratio to it, which
    # holds steadier than milliseconds on a machine whose speed drifts (issue 11, point 17); the
    # two pages' requests alternate for it, so a drift during the run weighs on both.
    plain = ctx.page("customer list (same run as the quick searches)", "/admin/crm/customer/")
    rows = list(plain)
    for label, term in _sample_terms().items():
        measured = ctx.page(f"quick search {label} ({term})", f"/admin/crm/customer/?q={quote(term)}",
                            goal_ms=PAGE_GOAL_MS, goal_queries=PAGE_GOAL_QUERIES)
        for row in measured:
            if row.name.endswith("p95") and row.value is not None:
                row.goal = fmt_goal("<=", 300)
        rows += measured
        if plain[0].value and measured[0].value:
            # the ratio from the two pages' requests alternating (Context.alternating)
            listed, searched = ctx.alternating("/admin/crm/customer/", f"/admin/crm/customer/?q={quote(term)}")
            rows.append(Row(ctx.name(f"quick search {label} / customer list (requests alternating: "
                                     f"{searched:.1f} / {listed:.1f} ms)"),
                            round(searched / listed, 2), "ratio", fmt_goal("<=", 1.3)))
        engine, baseline = _engine_ms(term), _baseline_ms(term)
        rows.append(Row(ctx.name(f"query work, Kokyaku engine, {label}"), round(engine, 1), "ms"))
        rows.append(Row(ctx.name(f"query work, admin search_fields baseline, {label}"), round(baseline, 1), "ms"))
        rows.append(Row(ctx.name(f"baseline / Kokyaku query work, {label}"), round(baseline / max(engine, 0.01), 1), "x"))
    return rows


@measurement
def advanced_search(ctx: Context) -> list[Row]:
    """S2: customer field + contact-history date range + purchase total in a period, in one query."""
    import datetime

    since = (datetime.date.today() - datetime.timedelta(days=730)).isoformat()
    url = (f"/admin/crm/customer/?s_address=%E6%9D%B1%E4%BA%AC&s_c_date_from={since}"
           f"&s_p_date_from={since}&s_p_total_min=10000")
    return ctx.page("advanced search (address + contact period + purchase total)", url, goal_ms=500)


@measurement
def postal_lookup(ctx: Context) -> list[Row]:
    """C7: 〒 → 住所 and 住所 → 〒 as the customer form asks them (JSON endpoints, whole request),
    and the one-off build of the town index a server process pays on its first address lookup."""
    from urllib.parse import quote

    from crm import postal

    start = time.perf_counter()
    postal._build_index()
    rows = [Row(ctx.name("postal: town index build (once per process)"), round(time.perf_counter() - start, 2), "s")]
    rows += ctx.page("postal code -> address (〒１４０－０００２)", f"/admin/crm/customer/postal/code/?code={quote('〒１４０－０００２')}",
                     goal_ms=20, goal_queries=None)
    rows += ctx.page("address -> postal code (東京都千代田区飯田橋3-1-1)",
                     f"/admin/crm/customer/postal/address/?address={quote('東京都千代田区飯田橋3-1-1')}",
                     goal_ms=50, goal_queries=None)
    rows += ctx.page("同姓同名チェック (田中 太郎, 03-1234-5678)",
                     "/admin/crm/customer/duplicates/?" + "&".join(
                         f"{k}={quote(v)}" for k, v in {"last_name": "田中", "first_name": "太郎",
                                                        "tel": "03-1234-5678"}.items()),
                     goal_ms=None, goal_queries=None)
    return rows


@measurement
def branch_scope_cost(ctx: Context) -> list[Row]:
    """R2: a branch user's list and quick search cost at most 10 % more than head office's."""
    from django.test import Client

    from crm import roles
    from crm.models import Branch, Staff
    from crm.permissions import staff_set_branches

    from django.contrib.auth.models import Group

    # Both users have the same role (一般): the difference measured is the branch scope alone.
    def client_for(username, head_office):
        user, _ = Staff.objects.get_or_create(username=username, defaults={"display_name": username})
        user.is_head_office = head_office
        user.save()
        user.groups.add(Group.objects.get(name=roles.GENERAL))
        if not head_office:
            staff_set_branches(staff=user, branches=[Branch.objects.order_by("position", "code").first()])
        client = Client()
        client.force_login(user)
        return client

    hq_general, branch_client = client_for("bench-hq", True), client_for("bench-branch", False)
    rows = []
    for label, url in (("list", "/admin/crm/customer/"), ("quick search 田中", "/admin/crm/customer/?q=%E7%94%B0%E4%B8%AD"),
                       ("quick search 田", "/admin/crm/customer/?q=%E7%94%B0")):
        # The two users' requests alternate, so drift on a busy machine (caches, other
        # processes) weighs on both alike; 2x the usual requests for a steadier ratio.
        for client in (hq_general, branch_client):
            for _ in range(ctx.warmup):
                client.get(url)
        times = {"HQ": [], "branch": []}
        for _ in range(2 * ctx.requests):
            for who, client in (("HQ", hq_general), ("branch", branch_client)):
                start = time.perf_counter()
                response = client.get(url)
                times[who].append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    return rows + [Row(ctx.name(f"{who} user {label}"), None, "ms",
                                       error=f"GET {url} -> HTTP {response.status_code}")]
        head, branch = statistics.median(times["HQ"]), statistics.median(times["branch"])
        rows += [Row(ctx.name(f"HQ user {label} median"), round(head, 1), "ms"),
                 Row(ctx.name(f"branch user {label} median"), round(branch, 1), "ms"),
                 Row(ctx.name(f"branch / HQ time, {label}"), round(branch / head, 2), "ratio", fmt_goal("<=", 1.10))]
    return rows


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class PeakGrowth:
    """Resident memory growth during a block: sampled every 20 ms from /proc/self/statm, so a
    block that follows a bigger one still gets its own figure (ru_maxrss keeps the process's peak)."""

    def __enter__(self):
        import threading

        self._stop = threading.Event()
        self.before = self.peak = self._now()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _now(self) -> float:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._now())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._now())

    @property
    def growth(self) -> float:
        return self.peak - self.before


@measurement
def data_export_import(ctx: Context) -> list[Row]:
    """X2 then X1, through the code the screens use: every customer exported as CP932 CSV
    (streamed), an xlsx, then a file of new customers made from that export checked and
    imported (in a transaction rolled back afterwards, so the data set stays as seeded)."""
    from fieldconfig import lookup

    with lookup.one_snapshot():  # as the job runner does (jobs.tasks.run_job)
        return _data_export_import(ctx)


def _data_export_import(ctx: Context) -> list[Row]:
    import tempfile

    from django.db import connection, transaction

    from crm.models import Customer, Staff
    from dataio import exporting, importing
    from dataio.columns import TARGETS
    from dataio.reading import open_sheet

    user = Staff.objects.filter(is_superuser=True).first()
    target = TARGETS["customers"]
    columns = exporting.export_columns(target, user)
    fmt = exporting.FORMATS["csv_cp932"]
    header = [c.label for c in columns]
    import_rows = min(ctx.customers, int(os.environ.get("BENCH_IMPORT_ROWS", "100000")))
    rows: list[Row] = []

    # Export of every customer, CP932, streamed: first byte, rows/s, memory growth (the export's
    # own: the rows for the import below are read afterwards).
    queryset = Customer.objects.order_by("last_name_kana", "first_name_kana", "id")
    rss_before = _rss_mb()
    start = time.perf_counter()
    first_byte = None
    code_at = exporting.code_position(columns)
    size = 0
    replaced = []  # as the export job (dataio.job_kinds): told of each record given a 〓
    with PeakGrowth() as export_memory:
        for chunk in exporting.csv_chunks(header, exporting.rows(queryset, columns), fmt, replace=True,
                                          on_replaced=replaced.append):
            if first_byte is None:
                first_byte = time.perf_counter() - start
            size += len(chunk)
    seconds = time.perf_counter() - start
    exported = ctx.customers
    rows += [
        Row(ctx.name("export CP932 CSV first byte"), round(first_byte * 1000, 1), "ms", fmt_goal("<=", 1000)),
        Row(ctx.name("export CP932 CSV speed"), round(exported / seconds), "rows/s", fmt_goal(">=", 20000)),
        Row(ctx.name("export CP932 CSV total"), round(seconds, 1), "s"),
        Row(ctx.name("export memory growth (resident, sampled)"), round(export_memory.growth, 1), "MB",
            fmt_goal("<=", 200)),
        Row(ctx.name("export: resident memory of the process before it"), round(rss_before, 1), "MB"),
        Row(ctx.name("export columns"), len(columns), "columns"),
    ]
    kept = []
    for record in exporting.rows(queryset[:import_rows], columns):
        fresh = list(record)
        fresh[code_at] = ""  # new customers on import
        kept.append(fresh)

    # xlsx of up to 100,000 customers.
    xlsx_rows = min(ctx.customers, 100_000)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
        start = time.perf_counter()
        exporting.write_xlsx(f.name, header, exporting.rows(queryset[:xlsx_rows], columns, guarded=False))
        rows.append(Row(ctx.name(f"export xlsx {human_count(xlsx_rows)} customers"),
                        round(time.perf_counter() - start, 1), "s", fmt_goal("<=", 30)))

    # Import of the kept rows as a CP932 file of new customers.
    with tempfile.NamedTemporaryFile(suffix=".csv") as f:
        for chunk in exporting.csv_chunks(header, iter(kept), fmt, replace=True):
            f.write(chunk)
        f.flush()
        n = len(kept)
        kept.clear()
        sheet = open_sheet(f.name)
        plan = importing.plan_import(sheet, "customers", user)
        start = time.perf_counter()
        report = importing.check_rows(plan)
        check_seconds = time.perf_counter() - start
        vacuum_customers(connection)  # what an earlier, interrupted run may have left
        with transaction.atomic(), PeakGrowth() as sampled:
            start = time.perf_counter()
            report = importing.write_rows(plan, file_name="bench.csv")
            if connection.vendor == "postgresql":
                # The foreign keys are checked at COMMIT (Django's are DEFERRABLE INITIALLY
                # DEFERRED); the import's own commit pays for them, so the timing does too.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            write_seconds = time.perf_counter() - start
            transaction.set_rollback(True)
        memory = sampled.growth
        vacuum_customers(connection)
        baseline = _plain_insert_seconds(connection, n, len(plan.columns), f.name)
    if report.bad_rows:
        rows.append(Row(ctx.name("import"), None, "", error=f"{report.bad_rows} bad rows: {report.problems[:1]}"))
        return rows
    rows += [
        Row(ctx.name(f"import check {human_count(n)} rows (CP932)"), round(n / check_seconds), "rows/s"),
        Row(ctx.name(f"import write {human_count(n)} rows with search keys and history"), round(n / write_seconds),
            "rows/s", fmt_goal(">=", 3000)),
        Row(ctx.name("import write memory growth (resident, sampled)"), round(memory, 1), "MB", fmt_goal("<=", 300)),
        Row(ctx.name("import write: resident memory of the process at its peak"), round(sampled.peak, 1), "MB"),
        Row(ctx.name(f"plain {'COPY' if connection.vendor == 'postgresql' else 'INSERT'} of the same rows"),
            round(n / baseline), "rows/s"),
        Row(ctx.name("import write time / plain load time"), round(write_seconds / baseline, 1), "ratio"),
    ]
    if connection.vendor == "postgresql":
        # The server's memory and checkpoint settings weigh on the import (docs/operations.md, The database).
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('shared_buffers'), current_setting('max_wal_size')")
            shared_buffers, max_wal_size = cursor.fetchone()
        rows.append(Row(ctx.name("import ran with the server's settings"), None, "",
                        note=f"shared_buffers {shared_buffers}, max_wal_size {max_wal_size}"))
    return rows


@measurement
def bulk_and_duplicates(ctx: Context) -> list[Row]:
    """S5: the company block of 10,000 customers with history; S6: duplicate groups over every
    customer, and a page of groups against the plain customer list (both rolled back after)."""
    from django.db import connection, transaction

    from crm.models import Customer, Staff
    from dataio import bulk, duplicates
    from dataio.models import DuplicateGroup
    from jobs.models import Job

    user = Staff.objects.filter(is_superuser=True).first()
    rows: list[Row] = []
    n = min(10_000, ctx.customers)
    with transaction.atomic():
        ids = list(Customer.objects.order_by("id").values_list("id", flat=True)[:n])
        start = time.perf_counter()
        changed = bulk.bulk_update(user=user, queryset=Customer.objects.filter(pk__in=ids), action="bench",
                                   values={"company_name": "ベンチ商事株式会社", "postal_code": "100-0001",
                                           "address": "東京都千代田区千代田1-1", "building": "", "tel": "03-0000-0000"},
                                   reason="社名変更・移転")
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    vacuum_customers(connection)
    rows.append(Row(ctx.name(f"bulk company block, {human_count(changed)} customers with history"),
                    round(seconds, 1), "s", fmt_goal("<=", 10)))

    with transaction.atomic():
        start = time.perf_counter()
        groups = duplicates.find_groups()
        seconds = time.perf_counter() - start
        rows += [Row(ctx.name("duplicate groups over every customer"), round(seconds, 1), "s", fmt_goal("<=", 60)),
                 Row(ctx.name("duplicate groups found"), len(groups), "groups")]
        job = Job.objects.create(kind="find_duplicates", owner=user, title="bench", state=Job.State.SUCCEEDED,
                                 finished_at=timezone_now())
        DuplicateGroup.objects.bulk_create(
            [DuplicateGroup(job=job, position=i, customer_ids=g["ids"], reasons=g["reasons"], size=len(g["ids"]))
             for i, g in enumerate(groups)], batch_size=2000)
        plain = ctx.page("customer list (same run)", "/admin/crm/customer/")
        page = ctx.page("page of duplicate groups", "/admin/dataio/duplicategroup/")
        rows += plain + page
        if plain[0].value and page[0].value:
            rows.append(Row(ctx.name("duplicate groups page / customer list"), round(page[0].value / plain[0].value, 2),
                            "ratio", fmt_goal("<=", 1.5)))
        transaction.set_rollback(True)
    return rows


@measurement
def business_events(ctx: Context) -> list[Row]:
    """Issue 13 (E2, E3): 10,000 customers of a search linked to an event, that event carried over
    to the next year, and a page of its customer list against the plain customer list (rolled back)."""
    from django.db import transaction

    from crm.models import Customer, Staff
    from events import services
    from events.models import Event

    user = Staff.objects.filter(is_superuser=True).first()
    rows: list[Row] = []
    n = min(10_000, ctx.customers)
    with transaction.atomic():
        last_id = Customer.objects.order_by("id").values_list("id", flat=True)[n - 1]
        event = Event.objects.create(kind=Event.Kind.WINTER_GIFT, year=2025, name="ベンチ お歳暮", status="open")
        start = time.perf_counter()
        added, _already = services.event_link_customers(event=event, customers=Customer.objects.filter(id__lte=last_id),
                                                        user=user)
        seconds = time.perf_counter() - start
        rows.append(Row(ctx.name(f"link {human_count(added)} customers to an event"), round(seconds, 2), "s",
                        fmt_goal("<=", 3)))
        event.status = "done"
        event.save()
        start = time.perf_counter()
        target, carried = services.event_carry_over(source=event, year=2026, name="ベンチ お歳暮 2026", user=user)
        seconds = time.perf_counter() - start
        rows.append(Row(ctx.name(f"carry over {human_count(carried)} links"), round(seconds, 2), "s",
                        fmt_goal("<=", 3)))
        plain = ctx.page("customer list (same run)", "/admin/crm/customer/")
        page = ctx.page(f"event customer list, {human_count(carried)} links",
                        f"/admin/events/eventlink/?event__id__exact={target.pk}")
        rows += plain + page
        if plain[0].value and page[0].value:
            listed, event_page = ctx.alternating("/admin/crm/customer/",
                                                 f"/admin/events/eventlink/?event__id__exact={target.pk}")
            rows.append(Row(ctx.name(f"event customer list / customer list (requests alternating: "
                                     f"{event_page:.1f} / {listed:.1f} ms)"),
                            round(event_page / listed, 2), "ratio", fmt_goal("<=", 1.3)))
        transaction.set_rollback(True)
    return rows


@measurement
def printouts(ctx: Context) -> list[Row]:
    """P1, P3: server time of the PDFs through the services the print screen calls, with the
    peak of Python's allocations while each is drawn (tracemalloc, a second run)."""
    import tracemalloc

    from pypdf import PdfReader

    from crm.models import Customer, Staff
    from printouts import services

    user = Staff.objects.filter(is_superuser=True).first()
    n = min(1000, ctx.customers)
    ids = list(Customer.objects.exclude(address="").exclude(postal_code="").order_by("id")
               .values_list("id", flat=True)[:n])
    rows: list[Row] = []

    def queryset(count):
        return Customer.objects.filter(pk__in=ids[:count]).order_by("id")

    # A list of about 100 pages: the rows per page are measured on the 1,000-customer list.
    per_page = None
    cases = [("labels", f"{human_count(len(ids))} labels", lambda: services.labels_pdf(user=user, queryset=queryset(n)),
              2.0),
             ("list", f"{human_count(len(ids))}-customer list", lambda: services.customer_list_pdf(
                 user=user, queryset=queryset(n)), 3.0),
             ("postcards", f"{human_count(len(ids))} vertical postcards", lambda: services.postcards_pdf(
                 user=user, queryset=queryset(n), vertical=True, with_sender=True), 5.0)]
    for kind, label, make, goal in cases:
        start = time.perf_counter()
        pdf, count = make()
        seconds = time.perf_counter() - start
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        if kind == "list":
            per_page = count / pages
        tracemalloc.start()
        make()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        rows += [Row(ctx.name(f"print {label} ({pages} pages)"), round(seconds, 2), "s", fmt_goal("<=", goal)),
                 Row(ctx.name(f"print {label}: peak Python memory"), round(peak, 1), "MB")]
    wanted = min(ctx.customers, services.MAX_ROWS, int(100 * per_page) + 1)
    many = list(Customer.objects.order_by("id").values_list("id", flat=True)[:wanted])
    start = time.perf_counter()
    pdf, count = services.customer_list_pdf(user=user, queryset=Customer.objects.filter(pk__in=many).order_by("id"))
    seconds = time.perf_counter() - start
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    rows.append(Row(ctx.name(f"print a {pages}-page list ({human_count(count)} customers)"), round(seconds, 2), "s",
                    fmt_goal("<=", 10) if pages >= 100 else ""))
    return rows


@measurement
def orders(ctx: Context) -> list[Row]:
    """Issue 26 (O1, O2): a customer with 200 orders (their list and the card's panel), 出荷済 and 入金済
    registration of 500 orders in bulk, and estimate PDFs of 1 and 20 pages (all rolled back)."""
    from decimal import Decimal

    from django.db import connection, transaction
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from crm.models import Customer, Product, Staff
    from orders import documents, integration, services
    from orders.models import Estimate, EstimateLine, Order, OrderLine

    user = Staff.objects.filter(is_superuser=True).first()
    rows: list[Row] = []
    with transaction.atomic():
        product = Product.objects.create(code="BENCH-ORDER", name="ベンチ商品", unit_price=1050, tax_rate=10)
        heavy = Customer.objects.get(pk=ctx.heavy_customer_id)
        rows.append(Row(ctx.name("orders present (seeded, before this measurement's own)"), Order.objects.count(),
                        "orders"))
        others = list(Customer.objects.exclude(pk=heavy.pk).order_by("id").values_list("id", flat=True)[:500])

        def make(customer_ids):
            made = Order.objects.bulk_create([
                Order(customer_id=cid, ship_to="other", ship_name="ベンチ", ship_postal_code="1000001",
                      ship_address="東京都千代田区", net_total=Decimal(3150), tax_total=Decimal(315),
                      total=Decimal(3465)) for cid in customer_ids])
            OrderLine.objects.bulk_create([
                OrderLine(order=o, product=product, product_code=product.code, product_name=product.name,
                          unit_price=Decimal(1050), quantity=Decimal(3), tax_rate=10, amount=Decimal(3150))
                for o in made])
            return made

        make([heavy.pk] * 200)
        rows += ctx.page("orders of a customer with 200 orders", f"/admin/orders/order/?customer__id__exact={heavy.pk}")
        # The card of an ordinary customer with 200 orders against one without (same kind of data otherwise).
        with_orders, without = Customer.objects.exclude(pk=heavy.pk).order_by("-id").values_list("id", flat=True)[:2]
        make([with_orders] * 200)
        card = "/admin/crm/customer/{}/change/".format
        rows += ctx.page("card of a customer without orders", card(without), goal_queries=15)
        rows += ctx.page("card of a customer with 200 orders", card(with_orders), goal_queries=15)
        card_with, card_without = ctx.alternating(card(with_orders), card(without))
        rows.append(Row(ctx.name("card with 200 orders / card without (alternating)"),
                        round(card_with / card_without, 2), "ratio", fmt_goal("<=", 1.2)))
        request = RequestFactory().get("/")
        request.user = user
        with CaptureQueriesContext(connection) as queries:
            integration.card_context(request, heavy)
        rows.append(Row(ctx.name("card's orders panel, 200 orders: queries"), len(queries.captured_queries),
                        "queries", fmt_goal("<=", 3)))
        batch = Order.objects.filter(pk__in=[o.pk for o in make(others)])
        start = time.perf_counter()
        shipped = services.orders_ship(orders=list(batch), shipped_on=timezone_now().date(), user=user)
        rows.append(Row(ctx.name(f"register 出荷済 of {shipped} orders"), round(time.perf_counter() - start, 2),
                        "s", fmt_goal("<=", 2)))
        start = time.perf_counter()
        paid = services.orders_pay_in_full(orders=list(batch), paid_on=timezone_now().date(), user=user)
        rows.append(Row(ctx.name(f"register 入金済 of {paid} orders"), round(time.perf_counter() - start, 2),
                        "s", fmt_goal("<=", 2)))
        for count, pages_goal, goal in ((3, 1, 1.0), (700, 20, 5.0)):
            estimate = Estimate.objects.create(customer=heavy, title="ベンチ見積")
            EstimateLine.objects.bulk_create([
                EstimateLine(estimate=estimate, product=product, product_code=product.code, product_name=product.name,
                             unit_price=Decimal(1050), quantity=Decimal(1), tax_rate=8 if i % 3 else 10,
                             amount=Decimal(1050), position=i) for i in range(count)])
            services.document_recompute(estimate)
            start = time.perf_counter()
            pdf, _name = documents.render(kind=documents.ESTIMATE, document=estimate, user=user)
            seconds = time.perf_counter() - start
            from pypdf import PdfReader

            pages = len(PdfReader(io.BytesIO(pdf)).pages)
            rows += [Row(ctx.name(f"estimate PDF, {pages} pages"), round(seconds, 2), "s", fmt_goal("<=", goal)),
                     Row(ctx.name(f"estimate PDF, {pages} pages: file"), round(len(pdf) / 1024), "KB",
                         fmt_goal("<=", 400))]
        transaction.set_rollback(True)
    return rows


@measurement
def orders_search(ctx: Context) -> list[Row]:
    """Issue 26, item 6: the advanced search's 受注 block (RFM) over the seeded orders (3 per customer):
    orders in the last year with at least 2 of them and ¥5,000; the last order in the last 90 days."""
    import datetime

    from orders.models import Order

    today = datetime.date.today()
    year_ago, quarter_ago = today - datetime.timedelta(days=365), today - datetime.timedelta(days=90)
    rows = [Row(ctx.name("orders present for the orders measurements"), Order.objects.count(), "orders")]
    rows += ctx.page("advanced search: 2+ orders and ¥5,000 in a year",
                     f"/admin/crm/customer/?s_o_date_from={year_ago:%Y/%m/%d}&s_o_count_min=2&s_o_amount_min=5000",
                     goal_ms=500)
    rows += ctx.page("advanced search: last order in 90 days",
                     f"/admin/crm/customer/?s_o_last_from={quarter_ago:%Y/%m/%d}", goal_ms=500)
    rows += ctx.page("advanced search: address 東京 + orders ≥ ¥10,000 in a year",
                     f"/admin/crm/customer/?s_address=%E6%9D%B1%E4%BA%AC&s_o_date_from={year_ago:%Y/%m/%d}"
                     "&s_o_amount_min=10000", goal_ms=500)
    return rows


@measurement
def api_purchases(ctx: Context) -> list[Row]:
    """Issue 27 (I2): a bulk POST of 10,000 purchases to /api/v1/purchases (whole request, in-process: the
    server's time), its replay (same Idempotency-Key and body: the first answer, 0 rows added), and a
    customer search through the API against the same quick search page, requests alternating (rolled back)."""
    import datetime
    from urllib.parse import quote

    from django.db import transaction

    from api.models import ApiClient, Scope
    from api.tokens import token_create
    from crm.models import Customer, Purchase, Staff

    user = Staff.objects.get(username="bench-admin")
    rows: list[Row] = []
    n = min(10_000, ctx.customers)
    with transaction.atomic():
        client = ApiClient.objects.create(name="ベンチ POS")
        _token, secret = token_create(client=client, user=user, scopes=[s.value for s in Scope],
                                      expires_at=timezone_now() + datetime.timedelta(days=1))
        auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        codes = list(Customer.objects.order_by("id").values_list("code", flat=True)[:n])
        today = datetime.date.today().isoformat()
        body = json.dumps({"purchases": [
            {"customer": code, "date": today, "product_code": f"P{i % 50:03d}", "product_name": "ベンチ商品",
             "quantity": 1 + i % 3, "unit_price": 1100, "amount": 1100 * (1 + i % 3)}
            for i, code in enumerate(codes)]}, ensure_ascii=False)
        before = Purchase.objects.count()
        start = time.perf_counter()
        response = ctx.client.post("/api/v1/purchases", body, content_type="application/json",
                                   HTTP_IDEMPOTENCY_KEY="bench-10000", **auth)
        seconds = time.perf_counter() - start
        if response.status_code != 201:
            transaction.set_rollback(True)
            return [Row(ctx.name(f"API bulk POST of {human_count(n)} purchases"), None, "s",
                        error=f"HTTP {response.status_code}: {response.content[:200]!r}")]
        added = Purchase.objects.count() - before
        rows += [Row(ctx.name(f"API bulk POST of {human_count(n)} purchases ({len(body) // 1024} KB body)"),
                     round(seconds, 2), "s", fmt_goal("<=", 2)),
                 Row(ctx.name("API bulk POST: purchases added"), added, "rows", fmt_goal(">=", n))]
        times = []
        for _ in range(max(3, ctx.requests // 4)):
            start = time.perf_counter()
            replay = ctx.client.post("/api/v1/purchases", body, content_type="application/json",
                                     HTTP_IDEMPOTENCY_KEY="bench-10000", **auth)
            times.append((time.perf_counter() - start) * 1000)
        replay_added = Purchase.objects.count() - before - added
        rows += [Row(ctx.name(f"API replay of the {human_count(n)}-purchase POST, median "
                              f"(HTTP {replay.status_code}, {replay.get('Idempotent-Replayed', 'not replayed')})"),
                     round(statistics.median(times), 1), "ms", fmt_goal("<=", 200)),
                 Row(ctx.name("API replay: purchases added"), replay_added, "rows", fmt_goal("<=", 0))]

        for term in ("田中", _sample_terms()["4-char name"]):
            api_url, page_url = f"/api/v1/customers?q={quote(term)}", f"/admin/crm/customer/?q={quote(term)}"
            first = ctx.client.get(api_url, **auth)
            if first.status_code != 200:
                rows.append(Row(ctx.name(f"API customer search {term}"), None, "ms",
                                error=f"HTTP {first.status_code}: {first.content[:200]!r}"))
                continue
            for _ in range(ctx.warmup):
                ctx.client.get(page_url)
            timed: tuple[list[float], list[float]] = ([], [])
            for _ in range(ctx.requests):
                for kept, url, extra in ((timed[0], api_url, auth), (timed[1], page_url, {})):
                    start = time.perf_counter()
                    ctx.client.get(url, **extra)
                    kept.append((time.perf_counter() - start) * 1000)
            api_ms, page_ms = statistics.median(timed[0]), statistics.median(timed[1])
            rows += [Row(ctx.name(f"API customer search {term} median"), round(api_ms, 1), "ms"),
                     Row(ctx.name(f"API customer search / quick search page, {term} (requests alternating: "
                                  f"{api_ms:.1f} / {page_ms:.1f} ms)"), round(api_ms / page_ms, 2), "ratio",
                         fmt_goal("<=", 1.3))]
        transaction.set_rollback(True)
    return rows


@measurement
def handoffs_home(ctx: Context) -> list[Row]:
    """Issue 25 (W1, W2): with contact histories topped up to 5 per customer and one handoff per 20
    customers (a third of the open ones late), the home screen's 遅延 count (query work), the 遅延 list page
    and the home screen with its charts, each against the plain customer list, requests alternating; the
    daily figures' run that feeds the charts, timed (all rolled back)."""
    import datetime

    from django.db import transaction
    from django.db.models import F
    from django.db.models.functions import Mod
    from django.utils import timezone

    from crm.models import ContactHistory, Customer, Staff
    from workflow import figures, selectors
    from workflow.models import Handoff, HandoffStatus

    user = Staff.objects.get(username="bench-admin")
    now = timezone.now()
    rows: list[Row] = []
    with transaction.atomic():
        # Contact histories up to 5 per customer (the 5,000,000 at 1,000,000 customers).
        missing = 5 * ctx.customers - ContactHistory.objects.count()
        start = time.perf_counter()
        customer_ids = Customer.objects.order_by("pk").values_list("pk", flat=True)
        added, batch = 0, []
        for customer_id in customer_ids.iterator(chunk_size=20_000):
            if added >= missing:
                break
            for _ in range(min(2, missing - added)):
                batch.append(ContactHistory(customer_id=customer_id, date=now.date() - datetime.timedelta(days=added % 700),
                                            detail="ベンチ応対", response="電話で回答"))
                added += 1
            if len(batch) >= 20_000:
                ContactHistory.objects.bulk_create(batch)
                batch = []
        ContactHistory.objects.bulk_create(batch)
        rows.append(Row(ctx.name("contact histories present (topped up for this measurement)"),
                        ContactHistory.objects.count(), "rows",
                        note=f"{added:,} added in {time.perf_counter() - start:.0f} s"))
        # One handoff per 20 customers, on a contact of theirs; a tenth handed to the measuring user.
        status = HandoffStatus.objects.filter(is_handoff=True).first()
        staff_ids = list(Staff.objects.exclude(pk=user.pk).values_list("pk", flat=True)[:50]) or [user.pk]
        contacts = (ContactHistory.objects.annotate(m=Mod(F("customer_id"), 20)).filter(m=0)
                    .order_by("customer_id", "pk").distinct("customer_id") if ctx.db == "postgres" else
                    ContactHistory.objects.annotate(m=Mod(F("customer_id"), 20)).filter(m=0).order_by("pk"))
        handoffs, seen = [], set()
        for contact_id, customer_id in contacts.values_list("pk", "customer_id").iterator(chunk_size=20_000):
            if customer_id in seen:
                continue
            seen.add(customer_id)
            n = len(handoffs)
            closed = n % 5 == 0
            due = now - datetime.timedelta(hours=1 + n % 48) if n % 3 == 1 else now + datetime.timedelta(hours=1 + n % 72)
            handoffs.append(Handoff(contact_id=contact_id, customer_id=customer_id, status=status,
                                    assignee_id=user.pk if n % 10 == 0 else staff_ids[n % len(staff_ids)],
                                    due_at=due, closed=closed, overdue=False, message="ベンチ"))
        Handoff.objects.bulk_create(handoffs, batch_size=10_000)
        late_all = selectors.visible_handoffs(user).filter(selectors.late_filter(now)).count()
        rows.append(Row(ctx.name("handoffs present (late, visible to head office)"), len(handoffs), "handoffs",
                        note=f"{late_all:,} late"))

        def count_late():
            selectors.home_items(user, now=now)

        rows.append(Row(ctx.name("home screen: 遅延 and 本日期限 counts and lists, query work"),
                        round(_query_work_ms(count_late, 5), 1), "ms", fmt_goal("<=", 30)))
        start = time.perf_counter()
        written = figures.refresh(now=now, force=True)
        rows.append(Row(ctx.name("daily figures for the charts (the worker's hourly run)"),
                        round(time.perf_counter() - start, 2), "s", note=f"{written:,} rows"))
        late_list, plain = ctx.alternating("/admin/workflow/handoff/?late=1", "/admin/crm/customer/")
        rows.append(Row(ctx.name(f"遅延 list / customer list (alternating, {late_list:.0f} / {plain:.0f} ms)"),
                        round(late_list / plain, 2), "ratio", fmt_goal("<=", 1.3)))
        home, plain = ctx.alternating("/admin/", "/admin/crm/customer/")
        rows.append(Row(ctx.name(f"home screen with charts / customer list (alternating, {home:.0f} / {plain:.0f} ms)"),
                        round(home / plain, 2), "ratio", fmt_goal("<=", 1.5)))
        rows += ctx.page("遅延 list", "/admin/workflow/handoff/?late=1")
        rows += ctx.page("home screen", "/admin/", goal_ms=None, goal_queries=None)
        transaction.set_rollback(True)
    return rows


@measurement
def restore_drill(ctx: Context) -> list[Row]:
    """Issue 24 (R5): the whole benchmark database backed up with `manage.py backup` and restored with
    `manage.py restore` into a scratch database (dropped afterwards), as separate processes as an operator
    runs them; their times, and the restored row counts against the backup's manifest. Long at 1,000,000
    customers: run it alone with --only restore_drill."""
    import shutil
    import tempfile

    from django.db import connections

    backup_dir = BENCH_DIR / f"restore-drill-{ctx.db}"
    shutil.rmtree(backup_dir, ignore_errors=True)
    connections.close_all()
    python = sys.executable
    rows: list[Row] = []
    start = time.perf_counter()
    made = subprocess.run([python, "manage.py", "backup", "--output", str(backup_dir)], cwd=ROOT,
                          capture_output=True, text=True)
    backup_seconds = time.perf_counter() - start
    if made.returncode != 0:
        return [Row(ctx.name("restore drill: backup"), None, "s", error=(made.stderr or made.stdout)[-300:])]
    manifest = json.loads((backup_dir / "manifest.json").read_text(encoding="utf-8"))
    size = sum(p.stat().st_size for p in backup_dir.rglob("*") if p.is_file())
    rows += [Row(ctx.name("restore drill: manage.py backup"), round(backup_seconds, 1), "s"),
             Row(ctx.name("restore drill: backup size"), round(size / 2**20, 1), "MB"),
             Row(ctx.name("restore drill: rows in the manifest"), sum(manifest["counts"].values()), "rows")]

    scratch_name = f"{database_name(ctx.customers)}_restore"
    if ctx.db == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_BASE_URL}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch_name}" WITH (FORCE)')
            conn.execute(f"CREATE DATABASE \"{scratch_name}\" TEMPLATE template0 ENCODING 'UTF8' "
                         "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
        scratch_url = f"{PG_BASE_URL}/{scratch_name}"
    else:
        scratch_path = BENCH_DIR / f"{scratch_name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{scratch_path}{suffix}").unlink(missing_ok=True)
        scratch_url = f"sqlite:///{scratch_path}"
    try:
        with tempfile.TemporaryDirectory(prefix="kokyaku-restore-media-") as media:
            env = {**os.environ, "DATABASE_URL": scratch_url, "MEDIA_ROOT": media}
            start = time.perf_counter()
            restored = subprocess.run([python, "manage.py", "restore", str(backup_dir), "--jobs", "2"], cwd=ROOT,
                                      env=env, capture_output=True, text=True)
            restore_seconds = time.perf_counter() - start
        if restored.returncode != 0:
            return rows + [Row(ctx.name("restore drill: restore"), None, "s",
                               error=(restored.stderr or restored.stdout)[-300:])]
        counts = {}
        for line in restored.stdout.splitlines():
            table, tab, count = line.partition("\t")
            if tab and count.strip().isdigit():
                counts[table] = int(count)
        differing = sorted(t for t in set(counts) | set(manifest["counts"]) if counts.get(t) != manifest["counts"].get(t))
        rows += [Row(ctx.name("restore drill: manage.py restore (pg_restore -j 2)" if ctx.db == "postgres"
                              else "restore drill: manage.py restore"), round(restore_seconds, 1), "s"),
                 Row(ctx.name(f"restore drill: tables restored ({sum(counts.values()):,} rows)"), len(counts),
                     "tables"),
                 Row(ctx.name("restore drill: tables whose restored count differs from the manifest"),
                     len(differing), "tables", fmt_goal("<=", 0), error=", ".join(differing[:5]))]
    finally:
        if ctx.db == "postgres":
            with psycopg.connect(f"{PG_BASE_URL}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{scratch_name}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{scratch_path}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(backup_dir, ignore_errors=True)
    return rows


# ------------------------------------------------------------------------------------------
# Orders of the data set (issue 26: 3,000,000 orders at 1,000,000 customers), seeded once
# ------------------------------------------------------------------------------------------

ORDER_PARAMS = {"orders_per_customer": 3, "without_orders": 2, "lines": "1 or 2", "version": 1}
ORDER_MEASUREMENTS = {"orders", "orders_search"}  # the measurements taken with the orders present
ORDER_SEED_MEMO = "bench-seed"  # what marks the seeded orders (memo)
ORDER_SEED_PRODUCTS = [("BENCH-SEED-1", "ベンチ 定番商品", 1980, 10), ("BENCH-SEED-2", "ベンチ 食品", 864, 8),
                       ("BENCH-SEED-3", "ベンチ 贈答品", 5400, 10)]


def orders_marker_file(db: str, customers: int) -> Path:
    return BENCH_DIR / f"{database_name(customers)}.{db}.orders.json"


def orders_expected(customers: int) -> int:
    return ORDER_PARAMS["orders_per_customer"] * max(0, customers - ORDER_PARAMS["without_orders"])


def ensure_orders(args, base_marker: dict) -> tuple[dict, bool]:
    """3 orders (1 or 2 lines each) for every customer but the last two (the `orders` measurement's card
    without orders), seeded once and reused while the customers' data set and ORDER_PARAMS match. The
    seeded orders carry no history rows and no payments (shipped when older than 30 days, unpaid)."""
    from orders.models import Order

    path = orders_marker_file(args.db, args.customers)
    marker = load_marker(path)
    if (marker is not None and marker.get("params") == ORDER_PARAMS
            and marker.get("dataset_seeded_at") == base_marker["seeded_at"]
            and Order.objects.filter(memo=ORDER_SEED_MEMO).count() == marker["orders"]):
        print(f"[{args.db}] Reusing the {marker['orders']:,} seeded orders ({marker['seeded_at']}).", flush=True)
        return marker, True
    marker = seed_orders(args.customers, base_marker["heavy_customer_id"])
    marker["dataset_seeded_at"] = base_marker["seeded_at"]
    path.write_text(json.dumps(marker, indent=1), encoding="utf-8")
    return marker, False


def seed_orders(customers: int, heavy_customer_id: int | None = None) -> dict:
    """Orders and lines written straight into their tables: COPY on PostgreSQL, executemany on SQLite,
    in batches of 100,000 orders, with the ids given here (the lines need them)."""
    import datetime
    from decimal import Decimal

    from django.db import connection, transaction

    from crm.models import Customer, Product
    from orders.models import Order, OrderLine

    with transaction.atomic():
        stale = Order.objects.filter(memo=ORDER_SEED_MEMO)
        if stale.exists():  # an interrupted seeding, or one for other parameters
            print("Removing the orders of an earlier seeding …", flush=True)
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {OrderLine._meta.db_table} WHERE order_id IN "
                               f"(SELECT id FROM {Order._meta.db_table} WHERE memo = %s)", [ORDER_SEED_MEMO])
                cursor.execute(f"DELETE FROM {Order._meta.db_table} WHERE memo = %s", [ORDER_SEED_MEMO])
    products = []
    for code, name, price, rate in ORDER_SEED_PRODUCTS:
        product, _ = Product.objects.get_or_create(code=code, defaults={"name": name, "unit_price": price,
                                                                        "tax_rate": rate})
        products.append(product)
    ids = list(Customer.objects.order_by("id").values_list("id", flat=True))
    # the customers the `orders` measurement compares without orders: the newest two but the heavy one
    without = set([i for i in reversed(ids) if i != heavy_customer_id][:ORDER_PARAMS["without_orders"]])
    ids = [i for i in ids if i not in without]
    order_fields = [f for f in Order._meta.concrete_fields]
    line_fields = [f for f in OrderLine._meta.concrete_fields]
    today = datetime.date.today()
    now = timezone_now()
    next_order = (Order.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    next_line = (OrderLine.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1

    defaults = {f: f.get_db_prep_save(f.get_default(), connection) for f in order_fields + line_fields}
    defaults[Order._meta.get_field("created_at")] = Order._meta.get_field("created_at").get_db_prep_save(now, connection)
    pg = connection.vendor == "postgresql"

    def prepared(fields, values: dict) -> list:
        # psycopg's COPY adapts Python values itself; SQLite takes Django's (a few per row: the rest are defaults)
        return [defaults[f] if f.attname not in values else values[f.attname] if pg
                else f.get_db_prep_save(values[f.attname], connection) for f in fields]

    def write(model, fields, rows: list[list]) -> None:
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        raw = connection.connection.cursor()
        if connection.vendor == "postgresql":
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            raw.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['?'] * len(fields))})", rows)

    total_orders = total_lines = 0
    start = time.perf_counter()
    per = ORDER_PARAMS["orders_per_customer"]
    batch = 100_000 // per
    print(f"Seeding {len(ids) * per:,} orders …", flush=True)
    for offset in range(0, len(ids), batch):
        order_rows, line_rows = [], []
        for customer_id in ids[offset:offset + batch]:
            for k in range(per):
                n = next_order + total_orders + len(order_rows)
                ordered_on = today - datetime.timedelta(days=(customer_id * 7 + k * 151) % 1095)
                lines = []
                for position in range(1 + (n % 2)):
                    product = products[(n + position) % len(products)]
                    quantity = 1 + (n + position) % 3
                    amount = product.unit_price * quantity
                    lines.append((product, quantity, amount, position))
                net = sum((a for _p, _q, a, _pos in lines), Decimal(0))
                tax_total = sum((Decimal(int(sum(a for p, _q, a, _pos in lines if p.tax_rate == rate) * rate / 100))
                                 for rate in {p.tax_rate for p, *_ in lines}), Decimal(0))
                order_rows.append(prepared(order_fields, {
                    "id": n, "customer_id": customer_id, "ordered_on": ordered_on, "ship_to": "home",
                    "net_total": net, "tax_total": tax_total, "total": net + tax_total, "memo": ORDER_SEED_MEMO,
                    "shipped_on": ordered_on + datetime.timedelta(days=2)
                    if (today - ordered_on).days > 30 else None,
                }))
                for product, quantity, amount, position in lines:
                    line_rows.append(prepared(line_fields, {
                        "id": next_line + total_lines + len(line_rows), "order_id": n, "product_id": product.pk,
                        "product_code": product.code, "product_name": product.name, "unit_price": product.unit_price,
                        "quantity": Decimal(quantity), "tax_rate": product.tax_rate, "amount": amount,
                        "position": position,
                    }))
        with transaction.atomic():
            write(Order, order_fields, order_rows)
            write(OrderLine, line_fields, line_rows)
        total_orders += len(order_rows)
        total_lines += len(line_rows)
        seconds = time.perf_counter() - start
        print(f"  {total_orders:>12,} orders, {total_lines:,} lines  {seconds:7.1f} s  "
              f"{total_orders / seconds:,.0f} orders/s", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Order, OrderLine):
                table = model._meta.db_table
                cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))",
                               [table])
            cursor.execute(f"ANALYZE {Order._meta.db_table}, {OrderLine._meta.db_table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seconds = round(time.perf_counter() - start, 1)
    return {"params": ORDER_PARAMS, "orders": total_orders, "lines": total_lines, "seconds": seconds,
            "seeded_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def page_queries(captured) -> int:
    """The page's own SQL: the savepoints a page opens when a measurement runs inside its rolled-back
    transaction (the admin's atomic views) are the benchmark's, not the page's."""
    return sum(1 for query in captured if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT")))


def timezone_now():
    from django.utils import timezone

    return timezone.now()


def vacuum_customers(connection) -> None:
    """PostgreSQL: removes the row versions a rolled-back measurement left in the customer tables.

    A rolled-back import leaves its 100,000 customers and their index entries behind as dead rows,
    too few for autovacuum to come soon: later runs wrote into indexes bloated by them (after
    ~15 such imports, 1,647–2,201 rows/s in the profiling script; 3,075–3,119 right after a
    VACUUM). The measurements start from the data set as seeded instead."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM crm_customer, crm_historicalcustomer")


def _plain_insert_seconds(connection, n: int, width: int, csv_path: str) -> float:
    """The floor: the file's cells loaded as text into a scratch table, no parsing or checks."""
    import csv as csv_module

    from django.db import transaction

    with open(csv_path, encoding="cp932", newline="") as f:
        reader = csv_module.reader(f)
        next(reader)
        cells = [row[:width] + [""] * (width - len(row[:width])) for row in reader]
    columns = ", ".join(f"c{i} text" for i in range(width))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE bench_plain ({columns})")
            start = time.perf_counter()
            raw = connection.connection.cursor()
            if connection.vendor == "postgresql":
                with raw.copy("COPY bench_plain FROM STDIN") as copy:
                    for row in cells:
                        copy.write_row(row)
            else:
                raw.executemany(f"INSERT INTO bench_plain VALUES ({', '.join(['?'] * width)})", cells)
            seconds = time.perf_counter() - start
            cursor.execute("DROP TABLE bench_plain")
        transaction.set_rollback(True)
    return seconds


# ------------------------------------------------------------------------------------------
# Worker: one database, Django set up in this process
# ------------------------------------------------------------------------------------------


def worker(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    marker_path = marker_file(args.db, args.customers)
    rows: list[Row] = []
    prefix = f"{args.db} {human_count(args.customers)}"

    marker = load_marker(marker_path)
    if marker is None or not dataset_matches(marker, args.customers):
        marker = seed(args, marker_path)
        reused = ""
    else:
        reused = f"reused data seeded {marker['seeded_at']}"
        print(f"[{args.db}] Reusing the data set ({reused}).", flush=True)
    connections.close_all()  # measure on fresh connections, not the seeding one (its cache is large)

    rows += [
        Row(f"{prefix}: seed time", marker["seconds"], "s", note=reused),
        Row(f"{prefix}: seed speed", round(marker["rows"] / marker["seconds"]), "rows/s", note=reused),
        Row(f"{prefix}: seed speed (customers)", round(args.customers / marker["seconds"]), "customers/s", note=reused),
    ]
    selected = [f for f in MEASUREMENTS if not args.only or re.search(args.only, f.__name__)]
    if any(f.__name__ in ORDER_MEASUREMENTS for f in selected):
        orders_marker, orders_reused = ensure_orders(args, marker)
        connections.close_all()
        rows.append(Row(f"{prefix}: orders seed time ({orders_marker['orders']:,} orders, "
                        f"{orders_marker['lines']:,} lines)", orders_marker["seconds"], "s",
                        note=f"reused orders seeded {orders_marker['seeded_at']}" if orders_reused else ""))
    ctx = Context(client=login_client(), db=args.db, customers=args.customers,
                  heavy_customer_id=marker["heavy_customer_id"], requests=args.requests, warmup=args.warmup)
    for function in selected:
        print(f"[{args.db}] {function.__name__} …", flush=True)
        try:
            rows += function(ctx)
        except Exception as exc:  # one broken page must not hide the others
            rows.append(Row(ctx.name(function.__name__), None, "", error=f"{type(exc).__name__}: {exc}"))
    Path(args.out).write_text(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def seed(args, marker_path: Path) -> dict:
    from django.core.management import call_command

    from crm.models import CareerEntry, ContactHistory, Customer, CustomerPhone, FamilyMember, Purchase

    if Customer.objects.exists():
        print(f"[{args.db}] The database holds other data: flushing it before seeding.", flush=True)
        call_command("flush", interactive=False, verbosity=0)
    print(f"[{args.db}] Seeding {args.customers:,} customers …", flush=True)
    out = TeeLines(sys.stdout)
    params = {k: v for k, v in SEED_PARAMS.items() if k != "version"}
    start = time.perf_counter()
    call_command("seed_demo", customers=args.customers, stdout=out, **params)
    seconds = round(time.perf_counter() - start, 1)
    match = next((re.search(r"HEAVY_CUSTOMER id=(\d+)", line) for line in out.lines if "HEAVY_CUSTOMER" in line), None)
    if match is None:
        raise SystemExit("seed_demo printed no HEAVY_CUSTOMER line")
    rows = sum(m.objects.count() for m in (Customer, ContactHistory, Purchase, FamilyMember, CareerEntry, CustomerPhone))
    marker = {
        "params": SEED_PARAMS, "customers": args.customers, "heavy_customer_id": int(match.group(1)),
        "seconds": seconds, "rows": rows, "seeded_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    marker_path.write_text(json.dumps(marker, indent=1), encoding="utf-8")
    return marker


def dataset_matches(marker: dict, customers: int) -> bool:
    """The marker describes this data set and the database still holds it."""
    from crm.models import ContactHistory, Customer

    if marker.get("params") != SEED_PARAMS or marker.get("customers") != customers:
        return False
    return (
        Customer.objects.count() == customers
        and ContactHistory.objects.filter(customer_id=marker["heavy_customer_id"]).count() == HEAVY_CONTACTS
    )


def login_client():
    from django.test import Client

    from crm.models import Staff

    user, created = Staff.objects.get_or_create(
        username="bench-admin",
        defaults={"is_staff": True, "is_superuser": True, "is_head_office": True, "display_name": "ベンチマーク"},
    )
    if created:
        user.set_unusable_password()
        user.save()
    client = Client()
    client.force_login(user)
    return client


class TeeLines:
    """A stdout for call_command that prints through and keeps the lines."""

    def __init__(self, stream):
        self.stream = stream
        self.lines: list[str] = []
        self._partial = ""

    def write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
        text = self._partial + text
        *done, self._partial = text.split("\n")
        self.lines += done

    def flush(self) -> None:
        self.stream.flush()


# ------------------------------------------------------------------------------------------
# Runner: databases, subprocesses, the table
# ------------------------------------------------------------------------------------------


def database_name(customers: int) -> str:
    return f"kokyaku_bench_{customers}"


def marker_file(db: str, customers: int) -> Path:
    return BENCH_DIR / f"{database_name(customers)}.{db}.json"


def load_marker(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def prepare_database(db: str, customers: int, fresh: bool) -> str:
    """Create the database if needed (empty it when `fresh`) and return its DATABASE_URL."""
    name = database_name(customers)
    if db == "sqlite":
        path = BENCH_DIR / f"{name}.sqlite3"
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    if db == "postgres":
        import psycopg

        with psycopg.connect(f"{PG_BASE_URL}/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and fresh:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = None
            if not exists:
                conn.execute(
                    f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
                    "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
                )
        with psycopg.connect(f"{PG_BASE_URL}/{name}", autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        return f"{PG_BASE_URL}/{name}"
    raise SystemExit(f"Unknown database {db!r}: use sqlite or postgres.")


def run_database(db: str, args) -> list[Row]:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    marker = load_marker(marker_file(db, args.customers))
    fresh = args.reseed or marker is None or marker.get("params") != SEED_PARAMS
    url = prepare_database(db, args.customers, fresh)
    if fresh:
        marker_file(db, args.customers).unlink(missing_ok=True)
    out = BENCH_DIR / f"results-{db}.json"
    out.unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable, "-m", "bench.run", "--worker", "--db", db, "--customers", str(args.customers),
        "--requests", str(args.requests), "--warmup", str(args.warmup), "--out", str(out),
    ]
    if args.only:
        command += ["--only", args.only]
    print(f"== {db}: {url}", flush=True)
    code = subprocess.call(command, cwd=ROOT, env=env)
    if code != 0 or not out.exists():
        return [Row(f"{db} {human_count(args.customers)}: benchmark run", None, "",
                    error=f"worker exited with {code}")]
    return [Row(**r) for r in json.loads(out.read_text(encoding="utf-8"))]


def print_table(rows: list[Row]) -> None:
    headers = ("name", "value", "unit", "goal", "result")
    table = [
        (
            r.name,
            "—" if r.value is None else f"{r.value:,.1f}" if isinstance(r.value, float) else f"{r.value:,}",
            r.unit,
            r.goal or "",
            " ".join(x for x in ({True: "PASS", False: "FAIL", None: ""}[r.passed()], r.error, r.note) if x),
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *table)]
    line = lambda cells: "  ".join(str(c).ljust(w) if i != 1 else str(c).rjust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for cells in table:
        print(line(cells))


def human_count(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def fmt_goal(op: str, value) -> str | None:
    return None if value is None else f"{op} {value}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite,postgres", help="Comma-separated: sqlite, postgres.")
    parser.add_argument("--customers", type=int, default=1_000_000, help="Size of the data set (the issues' figures are at 1,000,000).")
    parser.add_argument("--requests", type=int, default=20, help="Timed requests per page.")
    parser.add_argument("--warmup", type=int, default=2, help="Untimed requests first.")
    parser.add_argument("--only", default="", help="Regex on measurement names (e.g. customer_list).")
    parser.add_argument("--reseed", action="store_true", help="Drop the benchmark database and seed again.")
    parser.add_argument("--list", action="store_true", help="List the measurements and exit.")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.list:
        for function in MEASUREMENTS:
            print(f"{function.__name__:24} {(function.__doc__ or '').strip()}")
        return 0
    if args.worker:
        return worker(args)

    rows: list[Row] = []
    for db in [d.strip() for d in args.db.split(",") if d.strip()]:
        rows += run_database(db, args)
    print()
    print_table(rows)
    RESULTS_FILE.write_text(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=1) + "\n",
                            encoding="utf-8")
    print(f"\nWrote {RESULTS_FILE.relative_to(ROOT)}")
    return 1 if any(r.passed() is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
