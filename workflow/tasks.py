"""The worker's part of W1: send one outbox mail after its transaction committed. Retries of mail a
server refused, and the 遅延 flags, run with scheduling's periodic run (workflow.hooks)."""

from django.tasks import task

from . import mail


@task()
def send_outbox_mail(outbox_id: int) -> bool:
    return mail.send_one(outbox_id)
