import os
import shutil
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import Client

from tests.factories import BranchFactory, StaffFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (the configuration snapshot, lockouts, rate limits):
    the test settings keep it in memory, where a rolled-back test would otherwise leave its values."""
    caches["default"].clear()
    yield


@pytest.fixture
def hq_branch(db):
    return BranchFactory(code="HQ", name="本店")


@pytest.fixture
def admin_user(db):
    """Head-office administrator (管理者)."""
    return StaffFactory(username="kanri", is_superuser=True, is_head_office=True)


@pytest.fixture
def admin_client(admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(admin_user)
    return client


@pytest.fixture
def ja(settings):
    settings.LANGUAGE_CODE = "ja"
    from django.utils import translation

    with translation.override("ja"):
        yield


# --- several processes on one database (workers, servers, backup and restore) ------------------
@pytest.fixture
def make_scratch_database(tmp_path, settings):
    """make(name) -> the URL of a new, empty database for processes of their own: a file for SQLite, a
    database of its own on PostgreSQL (dropped at the end)."""
    engine = settings.DATABASES["default"]["ENGINE"]
    made = []
    db = settings.DATABASES["default"]
    dsn = dict(host=db.get("HOST"), port=db.get("PORT") or 5432, user=db.get("USER"), password=db.get("PASSWORD"),
               dbname="postgres")

    def make(label: str) -> str:
        if engine.endswith("sqlite3"):
            return f"sqlite:///{tmp_path / (label + '.sqlite3')}"
        import psycopg

        name = f"kokyaku_{label}_{os.getpid()}"
        with psycopg.connect(**dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
        made.append(name)
        auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
        return f"postgres://{auth}{db['HOST']}:{dsn['port']}/{name}"

    yield make
    if made:
        import psycopg

        with psycopg.connect(**dsn, autocommit=True) as conn:
            for name in made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def shared_database(make_scratch_database):
    """A database two server processes share."""
    return make_scratch_database("twoproc")


# --- the browser tests: Playwright for Python driving Debian's chromium ------------------------
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """One chromium for the whole run (starting it per test cost a second each); each test gets a
    fresh context, so no cookie or storage passes from one test to the next."""
    if not Path(CHROMIUM).exists() or not shutil.which(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls in the tests are
    # ordinary sync code. Browser tests run in a pytest process of their own (tests/run_suite.sh).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
