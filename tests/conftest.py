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
def shared_database(tmp_path, settings):
    """A database two server processes share: a file for SQLite, a scratch database on PostgreSQL."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3"):
        yield f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        return
    import psycopg

    db = settings.DATABASES["default"]
    name = f"kokyaku_twoproc_{os.getpid()}"
    dsn = dict(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"], dbname="postgres")
    with psycopg.connect(**dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    yield f"postgres://{auth}{db['HOST']}:{dsn['port']}/{name}"
    with psycopg.connect(**dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
