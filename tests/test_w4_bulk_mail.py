"""W4 bulk mail: a campaign and its recipients written in one transaction, sent by the worker through
workflow's outbox at the office's rate (locmem backend here), exactly once across a crashed worker;
配信停止 from a signed link, set once and honoured; merge fields refused before sending when unknown
or restricted for the sender; its own permission per role; the sender's branches only; an audit entry."""

import datetime as dt
import re

import pytest
from django.core import mail as django_mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from crm import roles
from crm import services as crm_services
from crm.models import ContactHistory, Customer
from dataio.models import MergeRecord
from mailing import merge, sending, services
from mailing.models import Campaign, CampaignRecipient, MailSettings, MailTemplate
from tests.factories import CustomerFactory, StaffFactory
from tests.personas import build_world
from workflow import mail as outbox
from workflow.models import Outbox

pytestmark = pytest.mark.django_db
LATER = dt.timedelta(minutes=20)


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs (not an Exception)."""


class KilledMidBatch(LocmemBackend):
    """The server takes `ALLOWED` messages, then the worker dies right after handing over the next one
    (sent, not yet marked sent)."""

    ALLOWED = 400
    count = 0

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        type(self).count += sent
        if type(self).count > self.ALLOWED:
            raise WorkerKilled
        return sent


def set_rate(per_minute: int) -> None:
    settings_row = MailSettings.load()
    settings_row.rate_per_minute = per_minute
    settings_row.save()


def many_customers(branch, count: int, prefix: str = "m") -> list[int]:
    Customer.objects.bulk_create([
        Customer(branch=branch, code=f"{prefix}{i:05d}", last_name="顧客", first_name=f"{i}号",
                 email=f"{prefix}{i}@example.jp") for i in range(count)])
    return list(Customer.objects.filter(code__startswith=prefix).values_list("pk", flat=True))


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def sender(world):
    user = world.users["branch_a"]
    user.email = "branch_a@example.jp"
    user.save()
    return user


TEMPLATE = merge.Template("{{氏名}}へのご案内", "{{氏名}}\n\nいつもありがとうございます。{{会社名}}ご担当者様へ。")


def test_w4_exactly_once_across_a_crashed_worker_for_1000_recipients(world, sender, settings, ja):
    # given a campaign of 1,000 customers of the sender's branch, all handed over in one batch
    ids = many_customers(world.branch_a, 1000)
    set_rate(1000)
    campaign = services.campaign_create(user=sender, template=TEMPLATE,
                                        customers=Customer.objects.filter(pk__in=ids))
    assert campaign.recipients.count() == 1000
    django_mail.outbox = []
    # when the worker dies in the middle of the batch, after the mail server took the 401st message
    settings.EMAIL_BACKEND = f"{__name__}.KilledMidBatch"
    KilledMidBatch.count = 0
    start = timezone.now()
    with pytest.raises(WorkerKilled):
        sending.run_batch(campaign.pk, now=start)
    assert len(django_mail.outbox) == 401
    # then every recipient was handed over once (the batch's transaction committed before sending)
    assert CampaignRecipient.objects.filter(campaign=campaign, state=CampaignRecipient.State.QUEUED).count() == 1000
    assert Outbox.objects.filter(campaign_recipient__campaign=campaign).count() == 1000
    assert Outbox.objects.filter(state=Outbox.State.SENDING).count() == 1
    # when another worker comes back later (the periodic run: outbox retries, then the campaigns), twice
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for _ in range(2):
        outbox.send_due(now=start + LATER)
        sending.resume_due(now=start + LATER)
    # then the rest went out, nobody got the mail twice, and the one in doubt is left to check (要確認)
    addresses = [m.to[0] for m in django_mail.outbox]
    assert len(addresses) == len(set(addresses)) == 1000
    assert Outbox.objects.filter(campaign_recipient__campaign=campaign, state=Outbox.State.SENT).count() == 999
    assert Outbox.objects.filter(campaign_recipient__campaign=campaign, state=Outbox.State.UNCERTAIN).count() == 1
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.DONE
    # and each message is logged on its customer's contact history, once
    assert ContactHistory.objects.filter(customer_id__in=ids).count() == 1000
    assert ContactHistory.objects.filter(customer_id=ids[0], detail__contains="へのご案内").count() == 1


def test_w4_rate_is_the_batch_size_per_minute(world, sender, ja, mailoutbox):
    # given an office rate of 100 a minute and 250 recipients
    set_rate(100)
    ids = many_customers(world.branch_a, 250)
    campaign = services.campaign_create(user=sender, template=TEMPLATE, customers=Customer.objects.filter(pk__in=ids))
    start = timezone.now()
    # when the worker runs, again in the same minute, then each minute after
    sent = [sending.run_batch(campaign.pk, now=start), sending.run_batch(campaign.pk, now=start),
            sending.run_batch(campaign.pk, now=start + dt.timedelta(seconds=30)),
            sending.run_batch(campaign.pk, now=start + dt.timedelta(minutes=1)),
            sending.run_batch(campaign.pk, now=start + dt.timedelta(minutes=2)),
            sending.run_batch(campaign.pk, now=start + dt.timedelta(minutes=3))]
    # then at most 100 went out per minute, all of them once, and the campaign is done
    assert sent == [100, 0, 0, 100, 50, 0]
    assert len(mailoutbox) == 250
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.DONE


def test_w4_opt_out_link_sets_it_once_and_opted_out_customers_are_never_mailed(world, sender, client, ja,
                                                                               mailoutbox):
    customer = world.customer_a
    customer.email = "shibuya@example.jp"
    customer.save()
    other = CustomerFactory(branch=world.branch_a, code="A2", last_name="青山", email="aoyama@example.jp")
    campaign = services.campaign_create(user=sender, template=TEMPLATE,
                                        customers=Customer.objects.filter(pk__in=[customer.pk, other.pk]))
    sending.run_batch(campaign.pk)
    # given the mail the customer got, with its 配信停止 link
    message = next(m for m in mailoutbox if m.to == ["shibuya@example.jp"])
    link = re.search(r"(/mail/optout/[^\s]+/)", message.body).group(1)
    # when the customer opens it (no login): a confirmation that shows nothing of them, and sets nothing
    page = client.get(link)
    assert page.status_code == 200 and "配信を停止する" in page.content.decode()
    for secret in ("渋谷", "shibuya@", customer.code):
        assert secret not in page.content.decode()
    customer.refresh_from_db()
    assert customer.mail_opted_out_at is None
    # when they confirm, twice
    first = client.post(link)
    customer.refresh_from_db()
    when = customer.mail_opted_out_at
    client.post(link)
    customer.refresh_from_db()
    # then it is set once, with one history record, and the page says so without naming them
    assert first.status_code == 200 and "渋谷" not in first.content.decode()
    assert when is not None and customer.mail_opted_out_at == when
    assert customer.history.filter(mail_opted_out_at__isnull=False).count() == 1
    # a forged or changed link is refused
    assert client.get(link.replace("/optout/", "/optout/x")).status_code == 404
    assert client.get(f"/mail/optout/{customer.pk}/").status_code == 404
    # then the next bulk mail counts and names them and never mails them
    everyone = Customer.objects.filter(pk__in=[customer.pk, other.pk])
    plan = services.plan(user=sender, customers=everyone)
    assert plan.opted_out_count == 1 and plan.opted_out[0].name == "渋谷\u3000一郎 様"
    mailoutbox.clear()
    later = services.campaign_create(user=sender, template=TEMPLATE, customers=everyone)
    sending.run_batch(later.pk)
    assert [m.to for m in mailoutbox] == [["aoyama@example.jp"]]


def test_w4_opt_out_after_the_campaign_was_written_is_honoured(world, sender, mailoutbox, ja):
    # given a campaign written while the customer still took mail
    customer = CustomerFactory(branch=world.branch_a, code="A3", email="late@example.jp")
    campaign = services.campaign_create(user=sender, template=TEMPLATE, customers=Customer.objects.filter(pk=customer.pk))
    # when they opt out before the worker reaches them
    from crm import services as crm_services

    assert crm_services.customer_set_mail_opt_out(customer=customer) is True
    assert crm_services.customer_set_mail_opt_out(customer=customer) is False
    sending.run_batch(campaign.pk)
    # then nothing is sent, and the result says why
    assert mailoutbox == []
    row = campaign.recipients.get()
    assert row.state == CampaignRecipient.State.SKIPPED and row.skip_reason == "配信停止"
    assert not ContactHistory.objects.filter(customer=customer).exists()


def test_w4_merge_fields_unknown_or_restricted_are_refused_naming_them(world, sender, ja, mailoutbox):
    customers = Customer.objects.filter(pk=world.customer_a.pk)
    # given templates naming a field that does not exist and one only the secretaries see (備考8: VIPメモ)
    unknown = merge.Template("ご案内", "{{氏名}} {{誕生月}}")
    restricted = merge.Template("{{VIPメモ}}", "{{氏名}}")
    # when a branch user sends them, then both are refused before anything is written, naming the field
    with pytest.raises(merge.Refused) as refused:
        services.campaign_create(user=sender, template=unknown, customers=customers)
    assert refused.value.problems == ["差し込み項目 {{誕生月}} はありません。"]
    with pytest.raises(merge.Refused) as refused:
        services.campaign_create(user=sender, template=restricted, customers=customers)
    assert "{{VIPメモ}}" in refused.value.problems[0] and "見られない" in refused.value.problems[0]
    assert not Campaign.objects.exists() and mailoutbox == []
    # and the secretary, who sees it, may use it (the value reaches only their mail)
    secretary = world.users["secretary"]
    secretary.email = "sec@example.jp"
    secretary.save()
    subject, _body = next(iter(services.messages_for(user=secretary, template=restricted, customers=customers)))[1:]
    assert subject == "社長の奥様の誕生日 3/14"
    # an unclosed merge field is refused too
    with pytest.raises(merge.Refused):
        merge.check(merge.Template("{{氏名", "x"), sender)


def test_w4_merge_fields_follow_the_configured_labels_and_the_honorific(world, sender, ja):
    from fieldconfig import lookup
    from fieldconfig.models import FieldSetting

    # given 会社名 renamed 法人名 by the office
    FieldSetting.objects.filter(model="customer", field_name="company_name").update(label="法人名")
    lookup.invalidate()
    person = world.customer_a
    company = CustomerFactory(branch=world.branch_a, code="C1", last_name="", first_name="", company_name="青山物産",
                              email="info@aoyama.example.jp")
    template = merge.Template("{{氏名}}", "{{法人名}}")
    # when the preview is made
    previews = services.preview(user=sender, template=template,
                                customers=Customer.objects.filter(pk__in=[person.pk, company.pk]).order_by("code"))
    # then 様 follows a person, 御中 a company, and the merge field has the office's label
    by_subject = {p["subject"]: p["body"] for p in previews}
    assert "青山物産 御中" in by_subject and by_subject["青山物産 御中"].startswith("青山物産")
    assert any(s.startswith("渋谷\u3000一郎 様") for s in by_subject)
    with pytest.raises(merge.Refused):
        merge.check(merge.Template("{{会社名}}", ""), sender)  # the old label is no merge field now


def test_w4_the_sender_losing_a_field_or_the_permission_stops_the_campaign(world, sender, ja, mailoutbox):
    from django.contrib.auth.models import Group

    campaign = services.campaign_create(user=sender, template=TEMPLATE,
                                        customers=Customer.objects.filter(pk=world.customer_a.pk))
    # when the sender's role is changed to 参照のみ before the worker runs
    sender.groups.set([Group.objects.get(name=roles.READ_ONLY)])
    sending.run_batch(campaign.pk)
    # then nothing is sent and the campaign says why
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.STOPPED and "一括メール" in campaign.stop_reason
    assert mailoutbox == []
    assert campaign.recipients.get().state == CampaignRecipient.State.SKIPPED


def test_w4_permission_per_role(world, client, ja):
    customers_url = reverse("admin:crm_customer_changelist")
    mail_url = reverse("admin:crm_customer_mail")
    # 一般 may mail: the list offers the tool and the action, the screen opens
    client.force_login(world.users["branch_a"])
    listing = client.get(customers_url)
    assert 'id="mail-link"' in listing.content.decode() and "mail_selected" in listing.content.decode()
    assert client.get(mail_url).status_code == 200
    # 参照のみ may not: no tool, no action, the screen and a forged action refused
    client.force_login(world.users["read_only"])
    listing = client.get(customers_url)
    assert 'id="mail-link"' not in listing.content.decode() and "mail_selected" not in listing.content.decode()
    assert client.get(mail_url).status_code == 403
    forged = client.post(customers_url, {"action": "mail_selected", "_selected_action": [world.customer_a.pk]})
    assert forged.status_code in (200, 302) and "/mail/" not in forged.get("Location", "")
    with pytest.raises(Exception):
        services.campaign_create(user=world.users["read_only"], template=TEMPLATE,
                                 customers=Customer.objects.filter(pk=world.customer_a.pk))
    # templates are kept by admins: a sender sees them, may not add one
    client.force_login(world.users["branch_a"])
    assert client.get(reverse("admin:mailing_mailtemplate_changelist")).status_code == 200
    assert client.get(reverse("admin:mailing_mailtemplate_add")).status_code == 403
    client.force_login(world.users["hq_admin"])
    created = client.post(reverse("admin:mailing_mailtemplate_add"),
                          {"name": "新商品のご案内", "subject": "{{氏名}}へ", "body": "本文"})
    assert created.status_code == 302 and MailTemplate.objects.filter(name="新商品のご案内").exists()
    assert client.get(reverse("admin:mailing_mailsettings_changelist")).status_code == 302


def test_w4_screen_flow_preview_test_send_and_send_in_the_senders_branches(world, sender, client, ja, mailoutbox):
    client.force_login(sender)
    no_mail = CustomerFactory(branch=world.branch_a, code="A9", last_name="無", email="")
    world.customer_a.email = "shibuya@example.jp"
    world.customer_a.save()
    world.customer_b.email = "shinjuku@example.jp"
    world.customer_b.save()
    # given the whole list (every branch asked for) and a forged selection with another branch's customer
    url = reverse("admin:crm_customer_mail")
    page = client.get(url)
    body = page.content.decode()
    # then only the sender's branch counts, and who has no address is named
    assert "2 件のうち 1 件にメールを送ります。" in body
    assert "無" in body and "新宿" not in body
    forged = client.get(url, {"ids": f"{world.customer_a.pk},{world.customer_b.pk},{no_mail.pk}"})
    assert "新宿" not in forged.content.decode()
    form = {"subject": "{{氏名}}へのご案内", "body": "{{氏名}}\n本文です。{{VIPメモ}}"}
    # a restricted merge field is refused at the field, naming it, and nothing changes
    refused = client.post(url, {**form, "action": "preview"})
    assert "{{VIPメモ}}" in refused.content.decode() and 'id="mail-send-button"' not in refused.content.decode()
    form["body"] = "{{氏名}}\n本文です。"
    # the preview shows the first messages, the send button then
    preview = client.post(url, {**form, "action": "preview"}).content.decode()
    assert "渋谷\u3000一郎 様へのご案内" in preview and 'id="mail-send-button"' in preview
    # the test send goes to the sender, once
    client.post(url, {**form, "action": "test"})
    test_row = Outbox.objects.get(to="branch_a@example.jp")
    outbox.send_one(test_row.pk)
    assert [m.to for m in mailoutbox] == [["branch_a@example.jp"]] and mailoutbox[0].subject.startswith("[テスト]")
    # the send writes the campaign of the sender's branch only, with an audit entry
    sent = client.post(url, {**form, "action": "send"})
    campaign = Campaign.objects.get()
    assert sent.status_code == 302 and sent["Location"] == reverse("admin:mailing_campaign_change", args=[campaign.pk])
    assert list(campaign.recipients.values_list("customer_id", flat=True)) == [world.customer_a.pk]
    entry = AuditEvent.objects.get(action=AuditEvent.Action.BULK, target_id=str(campaign.pk))
    assert entry.row_count == 1 and entry.detail["what"] == "bulk_mail"
    sending.run_batch(campaign.pk)
    assert ["shibuya@example.jp"] in [m.to for m in mailoutbox]
    # the result page is the sender's; another user's answers 404
    assert client.get(sent["Location"]).status_code == 200
    client.force_login(world.users["no_export"])
    assert client.get(sent["Location"]).status_code == 404


def test_w4_an_events_customer_list_is_mailed_from_the_event_page(world, sender, client, ja):
    from tests.factories import EventFactory, EventLinkFactory

    # given an event (no branch: everyone's) with a customer of each branch
    event = EventFactory(name="2026年 DM")
    world.customer_a.email = "shibuya@example.jp"
    world.customer_a.save()
    EventLinkFactory(event=event, customer=world.customer_a)
    EventLinkFactory(event=event, customer=world.customer_b)
    client.force_login(sender)
    # when the sender opens the event page and its 一括メール button
    summary = client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    link = re.search(r'href="([^"]+)" id="event-mail"', summary).group(1).replace("&amp;", "&")
    page = client.get(link).content.decode()
    # then the event's customers of the sender's branches are the recipients
    assert "2026年 DM" in page and "1 件のうち 1 件にメールを送ります。" in page
    client.post(link, {"subject": "{{氏名}}", "body": "本文", "action": "send"})
    campaign = Campaign.objects.get()
    assert list(campaign.recipients.values_list("customer_id", flat=True)) == [world.customer_a.pk]
    # 参照のみ gets no button
    client.force_login(world.users["read_only"])
    assert 'id="event-mail"' not in client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()


def test_w4_opt_out_survives_a_merge_earliest_time_and_undo_gives_each_its_own(world, sender, ja):
    from dataio import merging

    admin = world.users["hq_admin"]
    # given the kept customer taking mail and two duplicates who asked for no more, at different times
    keep = CustomerFactory(branch=world.branch_a, code="K1", last_name="統合", first_name="太郎", email="k@example.jp")
    late = CustomerFactory(branch=world.branch_a, code="K2", last_name="統合", first_name="太郎", email="l@example.jp")
    early = CustomerFactory(branch=world.branch_a, code="K3", last_name="統合", first_name="太郎", email="e@example.jp")
    assert crm_services.customer_set_mail_opt_out(customer=late, reason="試験")
    assert crm_services.customer_set_mail_opt_out(customer=early, reason="試験")
    first_time = timezone.now() - dt.timedelta(days=30)
    Customer.objects.filter(pk=early.pk).update(mail_opted_out_at=first_time)
    late.refresh_from_db()
    # when they are merged into the one taking mail, which keeps its own address
    record = merging.merge(user=admin, survivor_id=keep.pk, ids=[keep.pk, late.pk, early.pk], choices={})
    # then the kept customer is opted out since the earliest request, with a history record of the merge
    keep.refresh_from_db()
    assert keep.mail_opted_out_at == first_time
    latest = keep.history.order_by("-history_id").first()
    assert latest.mail_opted_out_at == first_time and latest.history_change_reason == merging.MERGE_REASON
    assert latest.prev_record.mail_opted_out_at is None
    # and no bulk mail reaches them
    assert not services.sendable(user=sender, customers=Customer.objects.filter(pk=keep.pk)).exists()
    plan = services.plan(user=sender, customers=Customer.objects.filter(pk=keep.pk))
    assert plan.opted_out_count == 1 and plan.sendable == 0
    # when the merge is undone
    merging.undo(user=admin, record=record)
    # then each customer has its own 配信停止 back (the kept one none), the kept one with a history record
    values = dict(Customer.objects.filter(pk__in=[keep.pk, late.pk, early.pk]).values_list("pk", "mail_opted_out_at"))
    assert values == {keep.pk: None, late.pk: late.mail_opted_out_at, early.pk: first_time}
    latest = keep.history.order_by("-history_id").first()
    assert latest.mail_opted_out_at is None and latest.history_change_reason == merging.UNDO_REASON
    assert services.sendable(user=sender, customers=Customer.objects.filter(pk__in=[keep.pk, late.pk, early.pk])
                             ).get().pk == keep.pk


def test_w4_opt_out_asked_for_after_a_merge_stays_on_every_customer_the_undo_gives_back(world, sender, ja):
    from dataio import merging

    admin = world.users["hq_admin"]
    # given two customers taking mail, merged
    keep = CustomerFactory(branch=world.branch_a, code="K1", last_name="統合", first_name="花子", email="k@example.jp")
    other = CustomerFactory(branch=world.branch_a, code="K2", last_name="統合", first_name="花子", email="o@example.jp")
    record = merging.merge(user=admin, survivor_id=keep.pk, ids=[keep.pk, other.pk], choices={"email": other.pk})
    keep.refresh_from_db()
    assert keep.mail_opted_out_at is None
    # when the person opts out from a mail to the merged customer, and then the merge is undone
    assert crm_services.customer_set_mail_opt_out(customer=keep, reason="リンクから")
    keep.refresh_from_db()
    asked = keep.mail_opted_out_at
    merging.undo(user=admin, record=MergeRecord.objects.get(pk=record.pk))
    # then nobody can tell which of the two asked: both stay opted out, from that time
    values = dict(Customer.objects.filter(pk__in=[keep.pk, other.pk]).values_list("pk", "mail_opted_out_at"))
    assert values == {keep.pk: asked, other.pk: asked}
    assert not services.sendable(user=sender, customers=Customer.objects.filter(pk__in=[keep.pk, other.pk])).exists()


def test_w4_opt_out_is_cleared_on_the_card_with_a_reason_by_who_may_change_the_customer(world, client, ja):
    customer = world.customer_a
    assert crm_services.customer_set_mail_opt_out(customer=customer, reason="リンクから")
    card = reverse("admin:crm_customer_change", args=[customer.pk])
    clear = reverse("admin:crm_customer_mail_opt_out_clear", args=[customer.pk])
    # given a 参照のみ user: the card says 配信停止 but offers no 解除, and the URL is refused
    client.force_login(world.users["read_only"])
    page = client.get(card).content.decode()
    assert 'id="card-mail-opt-out"' in page and 'id="card-mail-opt-out-clear"' not in page
    assert client.get(clear).status_code == 403
    assert client.post(clear, {"reason": "電話で依頼"}).status_code == 403
    # and another branch's user gets 404 (the attempt is logged)
    client.force_login(world.users["branch_b"])
    assert client.post(clear, {"reason": "電話で依頼"}).status_code == 404
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, user=world.users["branch_b"]).exists()
    customer.refresh_from_db()
    assert customer.mail_opted_out_at is not None
    # when a 一般 user of the branch opens 「配信停止を解除」 from the card and sends no reason
    client.force_login(world.users["branch_a"])
    page = client.get(card).content.decode()
    assert f'href="{clear}"' in page and "配信停止を解除" in page
    empty = client.post(clear, {"reason": "  "})
    # then a Japanese message at the field, nothing changed
    assert empty.status_code == 200 and "このフィールドは必須です。" in empty.content.decode()
    customer.refresh_from_db()
    assert customer.mail_opted_out_at is not None
    # when they give a reason
    done = client.post(clear, {"reason": "電話で再開の依頼"})
    # then it is cleared, with a history record (who, why) and an audit entry, and the next mail reaches them
    assert done.status_code == 302 and done["Location"] == card
    customer.refresh_from_db()
    assert customer.mail_opted_out_at is None
    latest = customer.history.order_by("-history_id").first()
    assert latest.mail_opted_out_at is None and latest.prev_record.mail_opted_out_at is not None
    assert latest.history_user == world.users["branch_a"] and latest.history_change_reason == "電話で再開の依頼"
    entry = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, customer_code=customer.code).latest("at")
    assert entry.user == world.users["branch_a"] and entry.detail["fields"] == ["mail_opted_out_at"]
    assert 'id="card-mail-opt-out"' not in client.get(card).content.decode()
    assert services.sendable(user=world.users["branch_a"], customers=Customer.objects.filter(pk=customer.pk)).exists() \
        == bool(customer.email)
    # and a second clear changes nothing
    assert client.post(clear, {"reason": "再度"}).status_code == 302
    assert customer.history.count() == customer.history.filter(history_id__lte=latest.history_id).count()


def test_w4_restoring_a_past_version_keeps_the_opt_out(world, client, ja):
    # given a customer who opted out after an earlier version of the card
    customer = world.customer_a
    before = customer.history.order_by("-history_id").first()
    assert crm_services.customer_set_mail_opt_out(customer=customer, reason="リンクから")
    customer.refresh_from_db()
    asked = customer.mail_opted_out_at
    was = customer.department
    customer.department = "総務部"
    crm_services.customer_save(customer=customer, user=world.users["hq_admin"], reason="異動")
    # when an admin restores that earlier version (C4)
    client.force_login(world.users["hq_admin"])
    url = reverse("admin:crm_customer_simple_history", args=[customer.pk, before.history_id])
    assert client.post(url, {"change_reason": ""}).status_code == 302
    # then the version's values are back, and the customer is still opted out, from the same time
    customer.refresh_from_db()
    assert customer.department == was and customer.mail_opted_out_at == asked
    assert "復元" in customer.history.order_by("-history_id").first().history_change_reason
