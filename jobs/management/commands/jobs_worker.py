"""`manage.py jobs_worker`: django-tasks-db's worker, kept alive through database restarts, with the
job leases' reaper beside it (jobs.lease).

- A transient database error (PostgreSQL restarted, a connection dropped) does not end the worker:
  it closes its connections, waits (1, 2, 4 … 10 s) and goes on. A job that was running then is taken
  back by the reaper and run again; an error in a job's own work fails that job, never retried.
- Every few seconds the reaper takes back the jobs whose worker stopped renewing their lease.
- At start and after each reconnection, the hooks apps registered run (jobs.registry.on_worker_start:
  the scheduled changes' periodic task queued again if its chain was cut).

Runs under a supervisor that restarts it if it dies (tools/supervise.py; `make run`, `make serve-prod`).
"""

import logging
import os
import threading
import time

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django.db import DatabaseError, InterfaceError, OperationalError
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from jobs import lease, reaper, registry

logger = logging.getLogger("jobs.worker")

MAX_BACKOFF_SECONDS = 10


class Reaper(threading.Thread):
    def __init__(self):
        super().__init__(name="jobs-reaper", daemon=True)
        self.stop = threading.Event()

    def run(self):
        from django.db import connection

        while not self.stop.wait(lease.lease_seconds() / 3):
            try:
                reaper.reap()
            except DatabaseError as exc:
                logger.warning("reaper: %s", exc)
                connection.close()


class ResilientWorker(Worker):
    def run(self) -> None:
        reaper_thread = Reaper()
        reaper_thread.start()
        backoff = 1
        try:
            while self.running:
                try:
                    registry.worker_started()
                    reaper.reap()
                    super().run()
                    return  # batch or max-tasks done, or asked to stop
                except (OperationalError, InterfaceError) as exc:
                    logger.warning("database unavailable (%s); reconnecting in %s s", exc, backoff)
                    lease.close_all_connections()
                    time.sleep(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        finally:
            reaper_thread.stop.set()


class Command(DbWorkerCommand):
    help = "Run the background worker (survives database restarts; takes back jobs of dead workers)"

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay, reload, max_tasks,
               worker_id, exclude_queues, **options):
        self.configure_logging(verbosity)
        worker = ResilientWorker(
            queue_names=queue_name.split(","), interval=interval, batch=batch, backend_name=backend_name,
            startup_delay=startup_delay, max_tasks=max_tasks, worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        if reload and not batch:  # development (DEBUG): restarted on code changes, as db_worker does
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
