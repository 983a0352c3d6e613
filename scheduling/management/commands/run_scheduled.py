"""Apply the scheduled customer changes whose date has come (C11), then the other apps' periodic
work (scheduling/periodic.py: workflow's 遅延 flags and mail retries).

    python manage.py run_scheduled            # apply today's (and any overdue) changes now: for cron
    python manage.py run_scheduled --date 2026-12-10   # as if it were that day
    python manage.py run_scheduled --queue    # have the background worker do it, now and every 10 minutes
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from crm import dates
from scheduling import periodic, selectors, services, tasks
from scheduling.models import ScheduledChange


class Command(BaseCommand):
    help = "Apply the scheduled customer changes whose effective date has come."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="apply as of this day (YYYY-MM-DD), default today in TIME_ZONE")
        parser.add_argument("--queue", action="store_true",
                            help="queue the worker's periodic run instead (once; it re-queues itself)")

    def handle(self, *args, date=None, queue=False, **options):
        if queue:
            queued = tasks.ensure_queued()
            self.stdout.write("queued the periodic run on the worker" if queued else "a periodic run is already queued")
            return
        try:
            today = dates.parse_date(date) if date else None
        except ValueError as exc:
            raise CommandError(f"--date: {exc}") from None
        result = services.apply_due(today)
        with translation.override(settings.LANGUAGE_CODE):  # the operator's console: every field named
            for change in ScheduledChange.objects.filter(pk__in=result.failed).order_by("pk"):
                self.stderr.write(f"not applied: #{change.pk} {change.customer_label} ({change.effective_date}): "
                                  f"{selectors.failure_text(change)}")
        self.stdout.write(f"applied {len(result.applied)}, not applied {len(result.failed)} "
                          f"(as of {today or dates.today()})")
        for name, count in periodic.run_all().items():  # other apps' periodic work, each idempotent
            self.stdout.write(f"{name}: {'failed (see the log)' if count is None else count}")
