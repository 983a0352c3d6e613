"""Issue 13: business events (E1), their customer lists (E2), carry-over (E3), the gift master (E4)."""

from urllib.parse import quote

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from crm.models import Customer
from events import services
from events.models import Event, EventLink, GiftItem
from tests.factories import CustomerFactory, EventFactory, EventLinkFactory, GiftItemFactory
from tests.personas import build_world

pytestmark = pytest.mark.django_db

CUSTOMERS = reverse("admin:crm_customer_changelist")
LINKS = reverse("admin:events_eventlink_changelist")


@pytest.fixture
def world(db):
    return build_world()


def client_for(world, name):
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(world.users[name])
    return client


def link_action(client, event, *, ids=(), across=False, query=""):
    data = {"action": "add_to_event", "index": "0", ACTION_CHECKBOX_NAME: [str(i) for i in ids], "apply": "1",
            "event": str(event.pk)}
    if across:
        data["select_across"] = "1"
    return client.post(CUSTOMERS + (f"?{query}" if query else ""), data, follow=True)


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# --- E1: events and their statuses ---------------------------------------------------------------
def test_e1_statuses_and_kinds_are_the_offices_words(ja):
    assert [str(label) for _v, label in Event.Status.choices] == ["準備中", "申込中", "締切", "完了"]
    assert [str(label) for _v, label in Event.Kind.choices] == [
        "年賀状", "お中元", "お歳暮", "セミナー・イベント", "その他", "寒中見舞い"]
    assert [str(label) for _v, label in EventLink.Attendance.choices] == ["未定", "参加", "不参加"]


@pytest.mark.parametrize("status, general_may, admin_may", [
    ("preparing", False, True), ("open", True, True), ("closed", False, True), ("done", False, False),
])
def test_e1_only_open_events_take_links_from_general_users(world, status, general_may, admin_may):
    # given
    event = EventFactory(status=status)
    # when
    general = link_action(client_for(world, "branch_a"), event, ids=[world.customer_a.pk])
    general_count = event.links.count()
    admin = link_action(client_for(world, "hq_admin"), event, ids=[world.customer_a.pk])
    # then
    assert (general_count == 1) is general_may
    assert event.links.count() == (1 if general_may or admin_may else 0)
    if status == "done":
        # a completed event is not offered; a forged choice of one is refused at the field
        for response in (general, admin):
            assert "kokyaku-field-error" in response.content.decode()
            assert "正しく選択してください。" in response.content.decode()
        with pytest.raises(services.EventRefused, match="完了"):
            services.event_link_customers(event=event, customers=Customer.objects.all(), user=world.users["hq_admin"])
    elif not general_may:  # not offered to a general user; a forged choice is refused at the field
        assert "正しく選択してください。" in general.content.decode()


def test_e1_event_page_and_list_for_each_kind(world):
    client = client_for(world, "hq_admin")
    event = EventFactory(kind="new_year_card", name="2027年 年賀状", year=2027)
    EventLinkFactory(event=event, customer=world.customer_a, sent=True)
    page = client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert 'id="event-summary"' in page and "顧客一覧を開く" in page and "次の年度に引き継ぐ" in page
    listing = client.get(reverse("admin:events_event_changelist")).content.decode()
    assert "2027年 年賀状" in listing and "年賀状" in listing and "申込中" in listing


def test_e1_branch_event_is_seen_by_its_branch_only(world):
    own = EventFactory(name="渋谷店のセミナー", kind="seminar", branch=world.branch_a)
    other = EventFactory(name="新宿店のセミナー", kind="seminar", branch=world.branch_b)
    common = EventFactory(name="全店の年賀状", kind="new_year_card")
    listing = client_for(world, "branch_a").get(reverse("admin:events_event_changelist")).content.decode()
    assert own.name in listing and common.name in listing and other.name not in listing
    assert client_for(world, "branch_a").get(reverse("admin:events_event_change", args=[other.pk])).status_code == 404


# --- E2: links from the customer list ----------------------------------------------------------------
def test_e2_link_ticked_customers_after_a_confirmation_with_the_count(world):
    # given
    client = client_for(world, "branch_a")
    event = EventFactory()
    more = CustomerFactory(branch=world.branch_a, last_name="青山")
    # when: the action without a choice shows the confirmation page
    page = client.post(CUSTOMERS, {"action": "add_to_event", "index": "0",
                                   ACTION_CHECKBOX_NAME: [world.customer_a.pk, more.pk]})
    # then
    assert page.status_code == 200 and "2 件の顧客を業務イベントの一覧に追加します。" in page.content.decode()
    assert not EventLink.objects.exists()
    done = link_action(client, event, ids=[world.customer_a.pk, more.pk])
    assert set(event.links.values_list("customer_id", flat=True)) == {world.customer_a.pk, more.pk}
    assert "2 件の顧客を「2026年 お歳暮」に追加しました。" in messages_of(done)
    link = event.links.get(customer=more)
    assert link.created_by == world.users["branch_a"] and link.history.get().history_type == "+"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.BULK, row_count=2,
                                     detail__action="event_link_customers").exists()
    # again: those on the list stay, nothing doubles
    again = link_action(client, event, ids=[world.customer_a.pk, more.pk])
    assert event.links.count() == 2 and "すでに一覧にありました" in messages_of(again)


def test_e2_link_the_whole_search_in_the_users_branch_only(world):
    # given: three 青山 in branch A, two in branch B
    mine = [CustomerFactory(branch=world.branch_a, last_name="青山", last_name_kana="アオヤマ").pk for _ in range(3)]
    for _ in range(2):
        CustomerFactory(branch=world.branch_b, last_name="青山", last_name_kana="アオヤマ")
    event = EventFactory()
    client = client_for(world, "branch_a")
    # when: the confirmation for 「すべて選択」 counts the search, not the page
    page = client.post(CUSTOMERS + "?q=" + quote("青山"), {"action": "add_to_event", "index": "0", "select_across": "1",
                                               ACTION_CHECKBOX_NAME: mine[:1]})
    assert "3 件の顧客" in page.content.decode()
    # (the browser sends the page's ticked rows with 「すべて選択」; the search decides)
    link_action(client, event, ids=mine[:1], across=True, query="q=" + quote("青山"))
    # then
    linked = Customer.objects.filter(event_links__event=event)
    assert linked.count() == 3 and set(linked.values_list("branch", flat=True)) == {world.branch_a.pk}
    # head office links the whole search: all five, the three already there stay
    done = link_action(client_for(world, "hq_admin"), event, ids=mine[:1], across=True, query="q=" + quote("青山"))
    assert event.links.count() == 5 and "3 件はすでに" in messages_of(done)


def test_e2_forged_id_of_another_branch_is_refused(world):
    event = EventFactory()
    response = link_action(client_for(world, "branch_a"), event, ids=[world.customer_a.pk, world.customer_b.pk])
    assert "何も変更していません" in messages_of(response)
    assert not EventLink.objects.exists()
    # the service refuses it too, whatever a screen hands it
    with pytest.raises(services.EventRefused):
        services.event_link_customers(event=event, customers=Customer.objects.all(), user=world.users["branch_a"],
                                      expected=2)
    assert not EventLink.objects.exists()


def test_e2_more_than_the_limit_at_once_is_refused(world, settings):
    settings.EVENTS_LINK_MAX_ROWS = 1
    CustomerFactory(branch=world.branch_a, last_name="青山")
    event = EventFactory()
    response = link_action(client_for(world, "hq_admin"), event, ids=[world.customer_a.pk, world.customer_b.pk])
    assert "一度に追加できる顧客は 1 件までです。" in response.content.decode()
    assert not EventLink.objects.exists()


def test_e2_branch_event_takes_its_branch_customers_only(world):
    event = EventFactory(branch=world.branch_a, name="渋谷店のセミナー", kind="seminar")
    response = link_action(client_for(world, "hq_admin"), event, ids=[world.customer_a.pk, world.customer_b.pk])
    assert "1 件の顧客は渋谷店" in response.content.decode() and "何も変更していません" in response.content.decode()
    assert not EventLink.objects.exists()


def test_i22_19_add_to_event_offers_only_the_events_the_user_may_fill(world):
    # given: events of every status, for every branch, for branch A and for branch B
    events = {name: EventFactory(name=name, status=status, branch=branch) for name, status, branch in (
        ("準備中の会", "preparing", None), ("申込中の会", "open", None), ("締切の会", "closed", None),
        ("完了の会", "done", None), ("渋谷店の会", "open", world.branch_a), ("新宿店の会", "open", world.branch_b))}

    def offered(persona):
        page = client_for(world, persona).post(CUSTOMERS, {"action": "add_to_event", "index": "0",
                                                           ACTION_CHECKBOX_NAME: [world.customer_a.pk]})
        assert page.status_code == 200
        choices = page.context["form"].fields["event"].queryset
        return {e.name for e in choices}, page.content.decode()

    # then: a general user of branch A, the 申込中 events of their branches
    names, page = offered("branch_a")
    assert names == {"申込中の会", "渋谷店の会"}
    assert "準備中の会" not in page and "締切の会" not in page and "新宿店の会" not in page
    # head office's administrator: any but 完了
    assert offered("hq_admin")[0] == {"準備中の会", "申込中の会", "締切の会", "渋谷店の会", "新宿店の会"}
    # nothing to offer: said on the page
    for name in ("申込中の会", "渋谷店の会"):
        events[name].status = "closed"
        events[name].save()
    names, page = offered("branch_a")
    assert not names and 'id="event-link-none"' in page


@pytest.mark.parametrize("refusal", ["closed_event", "over_the_limit", "another_branchs_customer"])
def test_i22_19_a_refused_addition_keeps_the_ticked_customers(world, settings, refusal):
    # given
    more = CustomerFactory(branch=world.branch_a, last_name="青山")
    persona, event, ticked = {
        "closed_event": ("branch_a", EventFactory(status="closed"), [world.customer_a.pk, more.pk]),
        "over_the_limit": ("branch_a", EventFactory(), [world.customer_a.pk, more.pk]),
        "another_branchs_customer": ("hq_admin", EventFactory(branch=world.branch_a, kind="seminar"),
                                     [world.customer_a.pk, world.customer_b.pk]),
    }[refusal]
    settings.EVENTS_LINK_MAX_ROWS = 1 if refusal == "over_the_limit" else 50_000
    # when
    response = link_action(client_for(world, persona), event, ids=ticked)
    # then: the confirmation again, the reason at the event, the ticked customers still chosen
    assert response.status_code == 200 and response.templates[0].name == "events/link_form.html"
    page = response.content.decode()
    assert 'class="kokyaku-field-error"' in page
    for pk in ticked:
        assert f'name="{ACTION_CHECKBOX_NAME}" value="{pk}"' in page
    assert 'name="action" value="add_to_event"' in page and "2 件の顧客を業務イベントの一覧に追加します。" in page
    assert not EventLink.objects.exists()


def test_e2_event_list_is_scoped_searchable_sortable_and_editable_in_place(world):
    # given: an event of the kind その他 (出欠, 出 / 受 and their dates, メモ)
    event = EventFactory(kind="other", name="2026年 春のDM")
    a = EventLinkFactory(event=event, customer=world.customer_a)
    EventLinkFactory(event=event, customer=world.customer_b)
    url = f"{LINKS}?event__id__exact={event.pk}"
    # then: a branch user sees their branch's row only
    page = client_for(world, "branch_a").get(url).content.decode()
    assert world.customer_a.code in page and "渋谷　一郎 様" in page and world.customer_b.code not in page
    assert 'id="event-list-title">2026年 春のDM<' in page  # the list says whose customers these are
    hq = client_for(world, "hq_admin")
    both = hq.get(url).content.decode()
    assert world.customer_a.code in both and world.customer_b.code in both
    searched = hq.get(LINKS, {"event__id__exact": event.pk, "q": "新宿物産"})
    assert searched.context["cl"].result_count == 1
    assert hq.get(url + "&o=1").status_code == 200 and hq.get(url + "&o=-3").status_code == 200
    # when: 出 ticked with its date in place
    client = client_for(world, "branch_a")
    formset = client.get(url).context["cl"].formset
    data = {f"form-{k}": v for k, v in {"TOTAL_FORMS": "1", "INITIAL_FORMS": "1", "MIN_NUM_FORMS": "0",
                                        "MAX_NUM_FORMS": "1000"}.items()}
    data.update({"form-0-id": str(a.pk), "form-0-attendance": "attending", "form-0-sent": "on",
                 "form-0-sent_on": "2026-12-10", "form-0-received": "on", "form-0-memo": "手渡し",
                 "_save": "保存"})
    assert len(formset.forms) == 1
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    a.refresh_from_db()
    assert a.sent and str(a.sent_on) == "2026-12-10" and a.attendance == "attending" and a.memo == "手渡し"
    assert a.received and a.received_on == timezone.localdate()  # 受 ticked without a date: today
    assert a.history.first().history_type == "~"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE, target_type="events.EventLink").exists()


@pytest.mark.parametrize("persona, forged", [
    ("branch_a", "another_branchs_row"), ("branch_a", "a_row_of_another_event"), ("hq_admin", "a_row_of_another_event"),
    ("branch_a", "a_missing_row"), ("branch_a", "no_id"), ("branch_a", "garbage"), ("branch_a", "an_added_row"),
])
def test_i22_2_saving_the_event_list_with_a_row_not_on_it_answers_404_changes_nothing_and_is_logged(
        world, persona, forged):
    # given: the list of an event for every branch; branch A's row, branch B's row, a row of another event
    event = EventFactory(kind="other", name="2026年 春のDM")
    mine = EventLinkFactory(event=event, customer=world.customer_a)
    theirs = EventLinkFactory(event=event, customer=world.customer_b)
    elsewhere = EventLinkFactory(event=EventFactory(kind="other", name="2026年 秋のDM"), customer=world.customer_a)
    forged_id = {"another_branchs_row": str(theirs.pk), "a_row_of_another_event": str(elsewhere.pk),
                 "a_missing_row": "987654", "garbage": "1 OR 1=1", "no_id": None, "an_added_row": None}[forged]
    data = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "1" if forged == "an_added_row" else "2",
            "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000", "_save": "保存",
            "form-0-id": str(mine.pk), "form-0-attendance": "attending", "form-0-memo": "変更",
            "form-1-attendance": "attending", "form-1-memo": "改ざん"}
    if forged_id is not None:
        data["form-1-id"] = forged_id
    url = f"{LINKS}?event__id__exact={event.pk}"
    # when
    response = client_for(world, persona).post(url, data)
    # then: as for a row the user cannot see; nothing written; the attempt in the audit log
    assert response.status_code == 404
    for row in (mine, theirs, elsewhere):
        row.refresh_from_db()
        assert (row.memo, row.attendance) == ("", "undecided") and row.history.count() == 1
    refused = AuditEvent.objects.get(action=AuditEvent.Action.DENIED)
    assert refused.user == world.users[persona] and refused.detail["path"] == url
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).exists()


def test_e2_event_list_is_in_reading_order_and_follows_a_changed_reading(world):
    """The list sorts by the reading each row keeps of its customer (an index of the event's rows):
    linking writes it, and a change of the customer's reading (card, import) moves the row."""
    from django.db import connection

    from crm import services as crm_services
    from crm.bulk_write import CustomerWrites

    event = EventFactory(status="open")
    aoki = CustomerFactory(branch=world.branch_a, last_name="青木", last_name_kana="アオキ", first_name_kana="イチロウ")
    wata = CustomerFactory(branch=world.branch_a, last_name="渡辺", last_name_kana="ワタナベ", first_name_kana="ハナコ")
    services.event_link_customers(event=event, customers=Customer.objects.filter(pk__in=[wata.pk, aoki.pk]),
                                  user=world.users["hq_admin"])
    url = f"{LINKS}?event__id__exact={event.pk}"
    hq = client_for(world, "hq_admin")

    def order():
        return [link.customer_id for link in hq.get(url).context["cl"].result_list]

    assert order() == [aoki.pk, wata.pk]
    assert EventLink.objects.get(customer=wata).customer_last_kana == "ワタナベ"
    # when: 渡辺's reading is corrected on the card (hiragana typed, stored in katakana)
    wata.last_name_kana = "あいだ"
    crm_services.customer_save(customer=wata, user=world.users["hq_admin"])
    # then
    assert EventLink.objects.get(customer=wata).customer_last_kana == "アイダ"
    assert order() == [wata.pk, aoki.pk]
    # when: an import's update (and 会社情報の一括変更) writes it through CustomerWrites.update
    wata.last_name_kana = "ンドウ"
    CustomerWrites(connection, user=world.users["hq_admin"], reason="CSV取込").update([wata], ["last_name_kana"])
    assert order() == [aoki.pk, wata.pk]


def test_e2_removal_from_the_event_list(world):
    event = EventFactory()
    link = EventLinkFactory(event=event, customer=world.customer_a)
    client = client_for(world, "branch_a")
    client.post(LINKS, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [link.pk], "post": "yes"})
    assert not EventLink.objects.filter(pk=link.pk).exists()
    assert Customer.objects.filter(pk=world.customer_a.pk).exists()
    # another branch's link cannot be removed by a forged id
    other = EventLinkFactory(event=event, customer=world.customer_b)
    client.post(LINKS, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [other.pk], "post": "yes"})
    assert EventLink.objects.filter(pk=other.pk).exists()


def test_e2_completed_event_list_cannot_be_changed(world):
    event = EventFactory(status="done")
    link = EventLinkFactory(event=event, customer=world.customer_a)
    client = client_for(world, "branch_a")
    response = client.post(reverse("admin:events_eventlink_change", args=[link.pk]),
                           {"attendance": "attending", "memo": "変更"})
    assert response.status_code == 403
    client.post(LINKS, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [link.pk], "post": "yes"})
    link.refresh_from_db()
    assert link.memo == "" and EventLink.objects.filter(pk=link.pk).exists()


def test_e2_linking_is_a_bulk_write_with_history(world, django_assert_max_num_queries):
    # the 10,000-customer timing is bench/run.py's business_events; here: no query per customer
    Customer.objects.bulk_create([Customer(code=f"8{i:06d}", branch=world.branch_a, last_name="一括")
                                  for i in range(2000)])
    event = EventFactory()
    with django_assert_max_num_queries(30):
        added, already = services.event_link_customers(event=event, customers=Customer.objects.filter(last_name="一括"),
                                                       user=world.users["hq_admin"])
    assert added == 2000 and already == 0
    assert EventLink.history.filter(event_id=event.pk).count() == 2000


# --- E3: carry-over ----------------------------------------------------------------------------------
@pytest.fixture
def last_year(world):
    gift = GiftItemFactory(year=2025, season="winter", name="ハム詰め合わせ", rank="松", price=8000)
    source = EventFactory(year=2025, name="2025年 お歳暮", status="done")
    answered = CustomerFactory(branch=world.branch_a, last_name="回答")
    mourning = CustomerFactory(branch=world.branch_a, last_name="喪中")
    silent = CustomerFactory(branch=world.branch_a, last_name="無回答")
    gone = CustomerFactory(branch=world.branch_a, last_name="削除")
    EventLinkFactory(event=source, customer=answered, received=True, gift=gift, gift_price=8000)
    EventLinkFactory(event=source, customer=mourning, attendance="attending", mourning=True)
    EventLinkFactory(event=source, customer=silent)
    EventLinkFactory(event=source, customer=gone)
    gone.delete()
    return source, {"answered": answered, "mourning": mourning, "silent": silent}, gift


@pytest.mark.parametrize("only_responded, skip_mourning, expected", [
    (False, False, {"answered", "mourning", "silent"}),
    (True, False, {"answered", "mourning"}),
    (False, True, {"answered", "silent"}),
    (True, True, {"answered"}),
])
def test_e3_carry_over_with_its_options(world, last_year, only_responded, skip_mourning, expected):
    source, people, gift = last_year
    target, count = services.event_carry_over(source=source, year=2026, name="2026年 お歳暮",
                                              user=world.users["hq_admin"], only_responded=only_responded,
                                              skip_mourning=skip_mourning)
    assert count == len(expected)
    assert set(target.links.values_list("customer_id", flat=True)) == {people[k].pk for k in expected}
    assert (target.kind, target.year, target.status, target.carried_from) == ("winter_gift", 2026, "preparing", source)
    carried = target.links.get(customer=people["answered"])
    assert carried.previous_gift == gift and carried.previous_gift_price == 8000 and carried.gift is None
    assert not carried.received and carried.attendance == "undecided"
    assert source.links.count() == 3  # last year's list unchanged


def test_e3_carry_over_into_an_event_with_links_is_refused(world, last_year):
    source, people, _gift = last_year
    target = EventFactory(year=2026, name="2026年 お歳暮")
    EventLinkFactory(event=target, customer=people["silent"])
    client = client_for(world, "hq_admin")
    response = client.post(reverse("admin:events_event_carry_over", args=[source.pk]),
                           {"year": "2026", "name": "2026年 お歳暮", "skip_mourning": "on"})
    assert response.status_code == 200
    assert "すでに 1 件の顧客があります" in response.content.decode()
    assert "何も変更していません。" in response.content.decode()
    assert target.links.count() == 1 and Event.objects.count() == 2
    # nothing changed: the event is not marked as carried, no row, no history, no audit entry
    target.refresh_from_db()
    assert target.carried_from is None and target.history.count() == 1
    assert EventLink.objects.filter(event=target).get().customer == people["silent"]
    assert source.links.count() == 3
    assert not AuditEvent.objects.filter(detail__action="event_carry_over").exists()


def test_e3_carry_over_screen_for_admins_only(world, last_year):
    source, _people, _gift = last_year
    url = reverse("admin:events_event_carry_over", args=[source.pk])
    assert client_for(world, "branch_a").get(url).status_code == 403
    client = client_for(world, "hq_admin")
    page = client.get(url).content.decode()
    assert 'value="2026"' in page and "2026年 お歳暮" in page
    response = client.post(url, {"year": "2026", "name": "2026年 お歳暮", "skip_mourning": "on"})
    target = Event.objects.get(year=2026)
    assert response.status_code == 302 and response["Location"] == reverse("admin:events_event_change",
                                                                            args=[target.pk])
    assert target.links.count() == 2
    assert AuditEvent.objects.filter(action=AuditEvent.Action.BULK, detail__action="event_carry_over").exists()


@pytest.mark.parametrize("year", ["2025", "2024"])
def test_i22_16_carry_over_into_the_same_or_an_earlier_year_is_refused_at_the_field(world, last_year, year):
    source, _people, _gift = last_year  # 2025年 お歳暮
    client = client_for(world, "hq_admin")
    url = reverse("admin:events_event_carry_over", args=[source.pk])
    # when
    response = client.post(url, {"year": year, "name": "2026年 お歳暮", "skip_mourning": "on"})
    # then: the page again, the message at the year, what was typed kept, nothing made
    assert response.status_code == 200
    page = response.content.decode()
    year_field = page.split('for="id_year"', 1)[1].split("</div>", 1)[0]
    assert "2025年より後の年度を入力してください" in year_field and f'value="{year}"' in year_field
    assert 'value="2026年 お歳暮"' in page
    assert Event.objects.count() == 1 and not AuditEvent.objects.filter(detail__action="event_carry_over").exists()
    # the service refuses it too, whatever a screen hands it
    with pytest.raises(services.EventRefused, match="2025年より後"):
        services.event_carry_over(source=source, year=int(year), name="2025年 お歳暮", user=world.users["hq_admin"])
    assert Event.objects.count() == 1


def test_i22_16_the_carried_events_name_follows_its_year(world, last_year):
    source, _people, _gift = last_year  # 2025年 お歳暮
    client = client_for(world, "hq_admin")
    url = reverse("admin:events_event_carry_over", args=[source.pk])
    assert 'value="2026年 お歳暮"' in client.get(url).content.decode()  # the next year's name offered
    # when: 2027 chosen, the offered name left as it was
    response = client.post(url, {"year": "2027", "name": "2026年 お歳暮", "skip_mourning": "on"})
    # then
    target = Event.objects.get(year=2027)
    assert response.status_code == 302 and target.name == "2027年 お歳暮" and str(target) == "2027年 お歳暮"
    # the rule: the source's year or the next in the name stand for the year; other numbers stay
    def name(text, year=2027):
        return services.event_name_for_year(text, source=source, year=year)

    assert name("2025年 お歳暮（本社）") == "2027年 お歳暮（本社）" and name("お歳暮 2026") == "お歳暮 2027"
    assert name("令和7年 お歳暮") == "令和7年 お歳暮" and name("お歳暮 120260") == "お歳暮 120260"


# --- E4: gift master and the pulldown --------------------------------------------------------------
def test_e4_gift_pulldown_offers_this_years_items_beside_last_years_gift(world, last_year):
    source, people, gift = last_year
    this_year = GiftItemFactory(year=2026, season="winter", name="洋菓子詰め合わせ", rank="竹", price=5000)
    GiftItemFactory(year=2026, season="summer", name="そうめん", rank="梅", price=3000)
    target, _count = services.event_carry_over(source=source, year=2026, name="2026年 お歳暮",
                                               user=world.users["hq_admin"])
    target.status = "open"
    target.save()
    response = client_for(world, "branch_a").get(f"{LINKS}?event__id__exact={target.pk}")
    page = response.content.decode()
    # last year's gift stands above this year's pulldown, in the same cell
    forms = response.context["cl"].formset.forms
    row = [f.instance.customer_id for f in forms].index(people["answered"].pk)
    gift_cell = page.split(f'name="form-{row}-gift"')[0].rsplit("<td", 1)[1]
    assert "前年: ［松］ハム詰め合わせ（¥8,000）" in gift_cell
    form = forms[row]
    offered = [label for value, label in form.fields["gift"].choices if value]
    assert offered == [str(this_year)]  # this year's お歳暮 only: not last year's, not お中元
    # a gift of another season is refused by the row
    link = target.links.get(customer=people["answered"])
    link.gift = GiftItem.objects.get(name="そうめん")
    with pytest.raises(Exception):
        link.full_clean()


def test_e4_gift_master_is_for_admins(world):
    url = reverse("admin:events_giftitem_add")
    assert client_for(world, "branch_a").get(url).status_code == 403
    assert client_for(world, "read_only").get(reverse("admin:events_giftitem_changelist")).status_code == 200
    client = client_for(world, "hq_admin")
    response = client.post(url, {"year": "2026", "season": "summer", "name": "ビール券", "rank": "A", "price": "5000"})
    assert response.status_code == 302
    item = GiftItem.objects.get(name="ビール券")
    assert item.history.count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, target_type="events.GiftItem").exists()


# --- roles (point 7) ---------------------------------------------------------------------------------
@pytest.mark.parametrize("persona, view, link, manage", [
    ("hq_admin", True, True, True), ("branch_a", True, True, False), ("no_export", True, True, False),
    ("no_print", True, True, False), ("read_only", True, False, False), ("secretary", True, True, False),
])
def test_e1_permissions_per_role(world, persona, view, link, manage):
    user = world.users[persona]
    assert user.has_perm("events.view_event") is view and user.has_perm("events.view_eventlink") is view
    assert user.has_perm("events.add_eventlink") is link and user.has_perm("events.change_eventlink") is link
    assert user.has_perm("events.add_event") is manage and user.has_perm("events.change_giftitem") is manage
    client = client_for(world, persona)
    assert client.get(reverse("admin:events_event_add")).status_code == (200 if manage else 403)
    event = EventFactory()
    response = link_action(client, event, ids=[world.customer_a.pk])
    assert event.links.exists() is link
    if not link:
        assert response.status_code in (200, 403)


def test_e2_restricted_customer_field_leaves_the_event_list(world):
    # given: 住所 only for the secretaries (R3)
    from fieldconfig import lookup
    from fieldconfig.models import FieldSetting

    FieldSetting.objects.filter(model="customer", field_name="address").update(
        visible_to=world.users["secretary"].groups.get(name="秘書部門"))
    lookup.invalidate()
    event = EventFactory()
    EventLinkFactory(event=event, customer=world.customer_a)
    world.customer_a.address = "東京都渋谷区秘密1-2-3"
    world.customer_a.save()
    url = f"{LINKS}?event__id__exact={event.pk}"
    # then
    assert "秘密1-2-3" in client_for(world, "secretary").get(url).content.decode()
    branch = client_for(world, "branch_a")
    assert "秘密1-2-3" not in branch.get(url).content.decode()
    assert branch.get(LINKS, {"event__id__exact": event.pk, "q": "秘密"}).context["cl"].result_count == 0
