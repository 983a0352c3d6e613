"""The worker applies scheduled changes by itself: a task that runs `services.apply_due` and
queues its own next run `SCHEDULED_CHANGES_INTERVAL_MINUTES` later (django-tasks-db's
`run_after`). One run waits in the queue at a time: `ensure_queued` adds one only when none is
waiting. `make run` (tools/serve.sh) calls `manage.py run_scheduled --queue` before it starts
the worker, so the first run is at once and the chain goes on while the worker runs; cron's
`manage.py run_scheduled` may run beside it (each change is applied once, under a row lock).
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from . import periodic, services

logger = logging.getLogger(__name__)


def interval() -> datetime.timedelta:
    return datetime.timedelta(minutes=getattr(settings, "SCHEDULED_CHANGES_INTERVAL_MINUTES", 10))


@task()
def apply_scheduled_changes() -> dict:
    try:
        result = services.apply_due()
        periodic.run_all()  # other apps' periodic work (workflow: 遅延 flags, mail retries)
    finally:
        ensure_queued(after=interval())
    return {"applied": len(result.applied), "failed": len(result.failed)}


def ensure_queued(*, after: datetime.timedelta = datetime.timedelta(0)) -> bool:
    """Queue the next run unless one is already waiting. True when one was queued."""
    from django_tasks_db.models import DBTaskResult
    from django.tasks import TaskResultStatus

    with transaction.atomic():
        waiting = DBTaskResult.objects.filter(
            task_path=apply_scheduled_changes.module_path, status=TaskResultStatus.READY
        ).exists()
        if waiting:
            return False
        apply_scheduled_changes.using(run_after=timezone.now() + after).enqueue()
    return True
