import os
import shutil
import subprocess
import sys
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
def _postgres_dsn(db) -> dict:
    return dict(host=db.get("HOST"), port=db.get("PORT") or 5432, user=db.get("USER"), password=db.get("PASSWORD"),
                dbname="postgres")


def _postgres_url(db, name) -> str:
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    return f"postgres://{auth}{db['HOST']}:{db.get('PORT') or 5432}/{name}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory):
    """pytest-django's test database, and a copy of it taken before any test wrote to it: the schema and
    what the migrations put in it (roles, field settings), for the tests whose processes need a database of
    their own (`migrated_template`). Copying costs well under a second; a second migrate cost 30 s of CPU."""
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "sqlite":
            import sqlite3

            path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
            connection.ensure_connection()
            with sqlite3.connect(path) as target:
                connection.connection.backup(target)
            target.close()
            copy = str(path)
        else:
            import psycopg

            copy = f"kokyaku_template_{os.getpid()}"
            source = connection.settings_dict["NAME"]
            connection.close()  # PostgreSQL copies a database no session is connected to
            with psycopg.connect(**_postgres_dsn(connection.settings_dict), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
    _TEST_DATABASE_COPY.append(copy)
    yield
    if connection.vendor != "sqlite":
        import psycopg

        with psycopg.connect(**_postgres_dsn(connection.settings_dict), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


_TEST_DATABASE_COPY: list[str] = []  # the file or database name django_db_setup copied the test database to


@pytest.fixture(scope="session")
def migrated_template(django_db_setup, tmp_path_factory):
    """The copy of the freshly migrated test database (see django_db_setup), completed by
    `python -m tests.processes prepare` (the cache table, the administrator `ops`, branch A): the database
    `shared_database` copies for each test whose server or worker processes share one."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    path = _TEST_DATABASE_COPY[-1]
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", "PYTHONPATH": str(root),
           "MEDIA_ROOT": str(tmp_path_factory.mktemp("template-media")),
           "JOBS_PROGRESS_DIR": str(tmp_path_factory.mktemp("template-progress"))}
    url = f"sqlite:///{path}" if db["ENGINE"].endswith("sqlite3") else _postgres_url(db, path)
    subprocess.run([sys.executable, "-m", "tests.processes", "prepare"], env={**env, "DATABASE_URL": url},
                   cwd=root, check=True, timeout=600)
    return path


@pytest.fixture
def make_scratch_database(tmp_path, settings, request):
    """make(name, migrated=False) -> the URL of a new database for processes of their own: a file for SQLite, a
    database of its own on PostgreSQL (dropped at the end). Empty, or with `migrated` a copy of
    `migrated_template`."""
    engine = settings.DATABASES["default"]["ENGINE"]
    made = []
    db = settings.DATABASES["default"]
    dsn = _postgres_dsn(db)

    def make(label: str, migrated: bool = False) -> str:
        template = request.getfixturevalue("migrated_template") if migrated else None
        if engine.endswith("sqlite3"):
            path = tmp_path / (label + ".sqlite3")
            if template:
                shutil.copyfile(template, path)
            return f"sqlite:///{path}"
        import psycopg

        name = f"kokyaku_{label}_{os.getpid()}"
        with psycopg.connect(**dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE \"{template or 'template0'}\" ENCODING 'UTF8'")
        made.append(name)
        return _postgres_url(db, name)

    yield make
    if made:
        import psycopg

        with psycopg.connect(**dsn, autocommit=True) as conn:
            for name in made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def shared_database(make_scratch_database):
    """A migrated database two server processes share (see `migrated_template` for what it holds)."""
    return make_scratch_database("twoproc", migrated=True)


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
    # ordinary sync code. The flag stays set until the process ends: a worker that has started chromium
    # may go on to other tests, which are sync code too.
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
