"""A Kokyaku run in processes of its own, for the tests that kill, restart or copy them (issue 24).

    python -m tests.processes migrate              the schema, the cache table, an administrator, a branch
    python -m tests.processes prepare              the same on a database already migrated (a copy of the
                                                   test database: tests/conftest.py's migrated_template)
    python -m tests.processes imports ROWS COUNT   COUNT confirmed imports of ROWS new customers each, queued
    python -m tests.processes sample               a few customers, a contact history with an attachment
    python -m tests.processes bulk_mail COUNT      a bulk mail (W4) to COUNT new customers, all in one batch,
                                                   its first batch queued for the worker; prints its id

The environment names the database (DATABASE_URL), MEDIA_ROOT and JOBS_PROGRESS_DIR; settings are
config.settings.base (as production has them, one cache shared by every process).
"""

import json
import os
import sys

import django

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    django.setup()
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    from crm.models import Branch, Staff

    if sys.argv[1] in ("migrate", "prepare"):
        if sys.argv[1] == "migrate":
            call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        Staff.objects.create_superuser("ops", "ops@example.com", "x", is_head_office=True)
        Branch.objects.get_or_create(code="A", defaults={"name": "本店"})
    elif sys.argv[1] == "sample":
        from crm.models import ContactAttachment, ContactHistory, Customer

        branch = Branch.objects.get(code="A")
        for i in range(5):
            customer = Customer.objects.create(branch=branch, last_name=f"控{i}", first_name="太郎")
        contact = ContactHistory.objects.create(customer=customer, detail="見積書を送付")
        attachment = ContactAttachment(contact=contact, original_name="見積書.pdf", size=17)
        attachment.file.save("mitsumori.pdf", ContentFile(b"%PDF-1.4 kokyaku\n"), save=True)
    elif sys.argv[1] == "bulk_mail":
        from crm.models import Customer
        from mailing import merge, services
        from mailing.models import MailSettings

        count = int(sys.argv[2])
        branch = Branch.objects.get(code="A")
        Customer.objects.bulk_create([Customer(branch=branch, code=f"m{i:05d}", last_name="顧客", first_name=f"{i}号",
                                               email=f"m{i}@example.jp") for i in range(count)])
        MailSettings.objects.update_or_create(pk=MailSettings.load().pk, defaults={"rate_per_minute": count})
        campaign = services.campaign_create(user=Staff.objects.get(username="ops"),
                                            template=merge.Template("{{氏名}}へのご案内", "{{氏名}}\n\nご案内です。"),
                                            customers=Customer.objects.filter(code__startswith="m"))
        print(json.dumps(campaign.pk))
    elif sys.argv[1] == "imports":
        from dataio import services
        from jobs import services as job_services
        from jobs.tasks import execute

        rows, count = int(sys.argv[2]), int(sys.argv[3])
        user = Staff.objects.get(username="ops")
        written = []
        for trial in range(count):
            lines = ["店舗,姓,名,フリガナ（姓）"] + [f"A,試験{trial},{i:05d},シケン" for i in range(rows)]
            data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
            check = job_services.start_job(kind="import_check", owner=user, title=f"trial {trial}",
                                           params={"target": "customers", "encoding": ""},
                                           input_file=ContentFile(data), input_name=f"trial{trial}.csv")
            execute(check.pk)  # the preview, here; its queued task finds it done
            check.refresh_from_db()
            assert check.state == "succeeded" and not check.result.get("bad_rows"), (check.message, check.result)
            job, started = services.import_confirm(preview=check, user=user)
            assert started
            written.append(job.pk)
        print(json.dumps(written))
