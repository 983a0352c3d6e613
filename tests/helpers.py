"""Building the POST a user's browser sends from the customer card."""

from crm.models import Customer

INLINE_PREFIXES = ["phones", "family", "career"]


def management_data(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def card_post_data(customer: Customer | None = None, *, branch=None, **fields) -> dict:
    """Every field of the card as the browser would send it, with inline formsets left as they are."""
    data = {}
    if customer is not None:
        for field in Customer._meta.fields:
            if not field.editable or field.name in ("id", "code"):
                continue
            value = getattr(customer, field.attname)
            if isinstance(value, bool):
                if value:
                    data[field.name] = "on"
                continue
            data[field.name] = "" if value is None else str(value)
        for prefix, related in (("phones", customer.phones), ("family", customer.family), ("career", customer.career)):
            rows = list(related.all())
            data.update(management_data(prefix, len(rows), len(rows)))
            for i, row in enumerate(rows):
                data[f"{prefix}-{i}-id"] = str(row.pk)
                data[f"{prefix}-{i}-customer"] = str(customer.pk)
                for f in row._meta.fields:
                    if f.name in ("id", "customer"):
                        continue
                    v = getattr(row, f.attname)
                    if isinstance(v, bool):
                        if v:
                            data[f"{prefix}-{i}-{f.name}"] = "on"
                    else:
                        data[f"{prefix}-{i}-{f.name}"] = "" if v is None else str(v)
    else:
        data["send_to"] = "company"
        for prefix in INLINE_PREFIXES:
            data.update(management_data(prefix))
        if branch is not None:
            data["branch"] = str(branch.pk)
    for name, value in fields.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def run_worker() -> None:
    """What `manage.py db_worker` does, once: every queued task runs, then it returns.

    The worker closes stale connections between tasks, which inside a test's transaction would
    close the test's own connection (PostgreSQL): that one call is held off here.
    """
    from unittest import mock

    from django.core.management import call_command

    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0)


def ja_client(user):
    """A logged-in test client whose browser asks for Japanese."""
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(user)
    return client


def scratch_sql(url: str, query: str, params=()) -> list[tuple]:
    """One statement on a scratch database that processes of their own use (conftest.shared_database)."""
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60) as conn:
            return conn.execute(query, params).fetchall()
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        rows = conn.execute(query.replace("?", "%s"), params)
        return rows.fetchall() if rows.description else []
