"""I2: a till's bulk post of purchases whose server worker is killed (SIGKILL) before it answers adds
nothing; the till's retry with the same Idempotency-Key then adds every purchase once, and a further
retry answers the stored answer. A real gunicorn (the master starts a new worker) on a database of its
own (a file for SQLite, a database of its own on PostgreSQL), as the production shape runs it."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.helpers import scratch_sql
from tests.test_ops_jobs import wait_for

ROOT = Path(__file__).resolve().parent.parent
ROWS = 4000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def live_worker(master: int, not_this: int | None = None) -> int | None:
    """gunicorn's worker process, when it has one other than `not_this` (killed, maybe not yet reaped)."""
    children = [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    children = [pid for pid in children if pid != not_this]
    return children[0] if children else None


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def post(port: int, secret: str, key: str, body: bytes, timeout: float = 120):
    """(status, headers, parsed answer) or the exception the connection raised."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", "/api/v1/purchases", body=body, headers={
            "Authorization": f"Bearer {secret}", "Idempotency-Key": key, "Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read() or b"null")
    except (OSError, http.client.HTTPException) as error:
        return error
    finally:
        connection.close()


def test_i2_bulk_post_whose_worker_is_killed_adds_nothing_and_its_retry_adds_once(shared_database, tmp_path):
    url = shared_database
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.base",
           "MEDIA_ROOT": str(tmp_path / "media"), "JOBS_PROGRESS_DIR": str(tmp_path / "progress"),
           "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "PYTHONPATH": str(ROOT)}
    # given: five customers of branch A, a token of the till acting as the administrator, a body of ROWS purchases
    subprocess.run([sys.executable, "-m", "tests.processes", "sample"], env=env, cwd=ROOT, check=True, timeout=300)
    made = subprocess.run([sys.executable, "manage.py", "api_token", "--client", "POSレジ", "--user", "ops",
                           "--scopes", "purchases:write", "--days", "1"], env=env, cwd=ROOT, check=True,
                          capture_output=True, text=True, timeout=300)
    secret = made.stdout.strip().splitlines()[-1]
    codes = [code for (code,) in scratch_sql(url, "SELECT code FROM crm_customer ORDER BY id")]

    def body(label: str) -> bytes:
        return json.dumps({"purchases": [
            {"customer": codes[i % len(codes)], "date": "2026-12-01", "product_name": f"{label}{i}",
             "quantity": 1, "unit_price": 1100} for i in range(ROWS)]}, ensure_ascii=False).encode()

    def purchases(label: str) -> int:
        return scratch_sql(url, "SELECT count(*) FROM crm_purchase WHERE product_name LIKE ?", (label + "%",))[0][0]

    port = free_port()
    log = open(tmp_path / "gunicorn.log", "w")

    def log_tail() -> str:
        return (tmp_path / "gunicorn.log").read_text()[-3000:]

    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}",
                               "--workers", "1", "--timeout", "120"], env=env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: live_worker(server.pid) and listening(port), timeout=60, every=0.2), log_tail()
        # how long a whole post takes here, warm (two posts of their own keys and products)
        for number, warm in enumerate(("暖", "温")):
            started = time.monotonic()
            status, _headers, answer = post(port, secret, f"till-warm-{number}", body(warm))
            whole = time.monotonic() - started
            assert (status, answer["created"], purchases(warm)) == (201, ROWS, ROWS), log_tail()

        # when: the worker is killed while it answers the till's post (tried again, sooner, if it had finished)
        killed, worker = False, None
        for attempt in range(6):
            key, label = f"till-{attempt}", f"売{attempt}-"
            worker = wait_for(lambda: live_worker(server.pid, worker), timeout=60, every=0.1)
            assert worker and wait_for(lambda: listening(port), timeout=60, every=0.1), log_tail()
            outcome = {}
            sender = threading.Thread(target=lambda: outcome.update(r=post(port, secret, key, body(label))))
            sender.start()
            time.sleep(whole * (0.5 - 0.08 * attempt))
            os.kill(worker, signal.SIGKILL)
            sender.join(timeout=120)
            if isinstance(outcome["r"], Exception):
                killed = True
                break
        assert killed, ("the post finished before every kill", log_tail())
        # then: nothing of it was written (the key neither): the answer never came, the transaction rolled back
        assert purchases(label) == 0
        assert scratch_sql(url, f"SELECT count(*) FROM api_idempotencykey WHERE key = '{key}'")[0][0] == 0
        # when: the till sends it again with the same key, to the worker gunicorn started in its place
        assert wait_for(lambda: live_worker(server.pid, worker), timeout=60, every=0.1), log_tail()
        assert wait_for(lambda: listening(port), timeout=60, every=0.1)
        status, headers, answer = post(port, secret, key, body(label))
        # then: every purchase once
        assert (status, answer["created"], purchases(label)) == (201, ROWS, ROWS)
        # and a further retry answers the stored answer and adds nothing
        status, headers, again = post(port, secret, key, body(label))
        assert (status, headers.get("Idempotent-Replayed"), again) == (201, "true", answer)
        assert purchases(label) == ROWS and purchases("暖") == purchases("温") == ROWS
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
