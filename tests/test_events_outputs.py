"""Issue 13, E6: labels, postcards and the export of a business event's customers, through the
customer list's print and export screens, and the event's totals; branch scope, restricted
fields and audit as on the customer list (point 7)."""

import datetime
import io
from decimal import Decimal
from urllib.parse import urlencode

import pdfplumber
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from events import outputs
from events.models import EventLink
from tests.factories import CustomerFactory, EventFactory, EventLinkFactory, GiftItemFactory
from tests.personas import build_world

pytestmark = pytest.mark.django_db

PRINT = reverse("admin:crm_customer_print")
EXPORT = reverse("admin:dataio_exportjob_add")
LINKS = reverse("admin:events_eventlink_changelist")
SECRET_A = "社長の奥様の誕生日 3/14"  # customer_a's 備考8 (VIPメモ), the secretaries' alone


@pytest.fixture
def world(db):
    world = build_world()
    a, b = world.customer_a, world.customer_b
    for customer, postal, address in ((a, "150-0002", "東京都渋谷区渋谷2-1-1"),
                                      (b, "160-0022", "東京都新宿区新宿3-1-1")):
        customer.postal_code, customer.address = postal, address
        customer.save()
    world.other_a = CustomerFactory(branch=world.branch_a, code="A900", last_name="対象外", first_name="三郎",
                                    postal_code="150-0001", address="東京都渋谷区神宮前1-1-1")
    world.pine = GiftItemFactory(name="ハム詰め合わせ", rank="松", price=10000)
    world.bamboo = GiftItemFactory(name="洋菓子詰め合わせ", rank="竹", price=5000)
    # An event for every branch: each branch's people see its own customers on it.
    world.event = EventFactory(name="2026年 お歳暮", branch=None)
    world.link_a = EventLinkFactory(event=world.event, customer=a, gift=world.pine, sent=True,
                                    sent_on=datetime.date(2026, 12, 1), attendance="attending", memo="手渡し")
    world.link_b = EventLinkFactory(event=world.event, customer=b, gift=world.bamboo, gift_price=4500,
                                    received=True, received_on=datetime.date(2026, 12, 5))
    return world


def client_for(world, name):
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(world.users[name])
    return client


def pdf_text(response) -> str:
    assert response.status_code == 200, response.content[:800]
    assert response["Content-Type"] == "application/pdf"
    pages = pdfplumber.open(io.BytesIO(response.content)).pages
    return "".join("".join(c["text"] for c in page.chars) for page in pages)


def event_print(client, event, kind, **selection):
    query = urlencode({"event": event.pk, **selection})
    return client.post(f"{PRINT}?{query}", {"kind": kind, "start": "1"})


def event_export(client, event, fmt="csv_cp932", **selection):
    params = {"source": "customers", "event": event.pk, **selection}
    page = client.get(EXPORT, params)
    if page.status_code != 200:
        return page, None
    columns = [value for value, _label in page.context["form"].fields["columns"].choices]
    response = client.post(EXPORT, {**params, "target": "customers", "format": fmt, "columns": columns})
    return response, columns


# --- labels and postcards ------------------------------------------------------------------------
def test_e6_labels_pdf_of_an_event_holds_its_customers_only(world):
    # given: a customer of branch A who is not on the event
    client = client_for(world, "hq_admin")
    # when
    text = pdf_text(event_print(client, world.event, "labels"))
    # then
    assert "渋谷" in text and "一郎" in text and "新宿" in text and "花子" in text
    assert "対象外" not in text
    printed = AuditEvent.objects.get(action=AuditEvent.Action.PRINT, user=world.users["hq_admin"])
    assert printed.row_count == 2
    assert printed.detail["what"] == "labels" and printed.detail["event"] == world.event.pk


@pytest.mark.parametrize("kind", ["postcards_vertical", "postcards"])
def test_e6_postcards_of_an_event_in_both_orientations(world, kind):
    client = client_for(world, "hq_admin")
    text = pdf_text(event_print(client, world.event, kind))
    assert "渋谷" in text and "新宿" in text and "対象外" not in text
    assert text.count("様") == 2


def test_e6_print_screen_says_the_event_and_offers_the_kind_asked_for(world):
    # given
    client = client_for(world, "hq_admin")
    # when: the event page's 「はがき印刷（縦）」
    page = client.get(PRINT, {"event": world.event.pk, "kind": "postcards_vertical"})
    # then: the customer list's print screen, of the event's two customers, vertical postcards chosen
    assert page.status_code == 200
    assert page.context["count"] == 2 and page.context["print_event"] == world.event
    assert page.context["form"]["kind"].value() == "postcards_vertical"
    assert page.context["changelist_url"] == reverse("admin:events_event_change", args=[world.event.pk])


def test_e6_ticked_rows_of_two_events_are_refused_with_a_message(world):
    # given: rows of two events ticked on the unfiltered list
    other = EventFactory(name="2026年 年賀状", kind="new_year_card")
    link = EventLinkFactory(event=other, customer=world.customer_a)
    client = client_for(world, "hq_admin")
    # when
    response = client.post(LINKS, {"action": "print_event_links", "index": "0",
                                   ACTION_CHECKBOX_NAME: [str(world.link_a.pk), str(link.pk)]}, follow=True)
    # then
    assert response.redirect_chain == [] or PRINT not in response.redirect_chain[-1][0]
    assert any("1つのイベント" in str(m) or "one event" in str(m) for m in response.context["messages"])


def test_e6_ticked_rows_of_the_event_list_print_alone(world):
    # given: both customers on the event's list; only B's row ticked
    client = client_for(world, "hq_admin")
    # when
    response = client.post(f"{LINKS}?event__id__exact={world.event.pk}",
                           {"action": "print_event_links", "index": "0",
                            ACTION_CHECKBOX_NAME: [str(world.link_b.pk)]})
    # then: the print screen of the customer list, with that one row
    assert response.status_code == 302
    url = response["Location"]
    assert url.startswith(PRINT) and f"links={world.link_b.pk}" in url
    text = pdf_text(client.post(url, {"kind": "labels", "start": "1"}))
    assert "新宿" in text and "渋谷" not in text


def test_e6_select_across_prints_the_event_lists_search(world):
    client = client_for(world, "hq_admin")
    query = f"event__id__exact={world.event.pk}&received__exact=1"
    response = client.post(f"{LINKS}?{query}", {"action": "print_event_links", "index": "0", "select_across": "1",
                                                ACTION_CHECKBOX_NAME: [str(world.link_b.pk)]})
    assert response.status_code == 302
    text = pdf_text(client.post(response["Location"], {"kind": "labels", "start": "1"}))
    assert "新宿" in text and "渋谷" not in text  # only the received one


def test_e6_big_event_prints_on_the_worker(world, settings):
    from jobs.models import Job
    from tests.helpers import run_worker

    settings.PRINT_SYNC_MAX_ROWS = 1
    client = client_for(world, "hq_admin")
    response = event_print(client, world.event, "labels")
    assert response.status_code == 302
    run_worker()
    job = Job.objects.get(kind="print")
    assert job.state == Job.State.SUCCEEDED, job.message
    text = "".join("".join(c["text"] for c in p.chars) for p in pdfplumber.open(job.result_file.path).pages)
    assert "渋谷" in text and "新宿" in text and "対象外" not in text
    printed = AuditEvent.objects.get(action=AuditEvent.Action.PRINT)
    assert printed.detail["event"] == world.event.pk and printed.row_count == 2


# --- export --------------------------------------------------------------------------------------
def test_e6_csv_of_an_event_in_cp932_with_the_event_columns(world):
    client = client_for(world, "hq_admin")
    response, columns = event_export(client, world.event)
    assert response.status_code == 200, response.content[:800]
    assert "event_attendance" in columns and "event_gift_price" in columns and "code" in columns
    text = b"".join(response.streaming_content).decode("cp932")
    lines = text.splitlines()
    header = lines[0].split(",")
    for label in ("出欠", "出", "出した日", "受", "受けた日", "贈答品", "贈答品金額", "喪中", "メモ"):
        assert label in header, (label, header)
    assert len(lines) == 3  # the header and the event's two customers; not the one off the event
    row_a = next(line.split(",") for line in lines[1:] if world.customer_a.code in line)
    cell = dict(zip(header, row_a))
    assert cell["出欠"] == "参加" and cell["出"] == "○" and cell["出した日"] == "2026/12/01"
    assert cell["贈答品"] == "ハム詰め合わせ" and cell["贈答品金額"] == "10000" and cell["メモ"] == "手渡し"
    row_b = dict(zip(header, next(line.split(",") for line in lines[1:] if world.customer_b.code in line)))
    assert row_b["受"] == "○" and row_b["受けた日"] == "2026/12/05" and row_b["贈答品金額"] == "4500"
    assert "対象外" not in text
    exported = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, user=world.users["hq_admin"])
    assert exported.row_count == 2 and exported.detail["what"] == "event"
    assert exported.detail["event"] == world.event.pk and exported.detail["format"] == "csv_cp932"


def test_e6_ticked_rows_export_with_the_event_columns(world):
    client = client_for(world, "hq_admin")
    response = client.post(f"{LINKS}?event__id__exact={world.event.pk}",
                           {"action": "export_event_links", "index": "0", ACTION_CHECKBOX_NAME: [str(world.link_a.pk)]})
    assert response.status_code == 302 and response["Location"].startswith(EXPORT)
    page = client.get(response["Location"])
    assert page.status_code == 200 and page.context["count"] == 1
    assert "event_memo" in [v for v, _l in page.context["form"].fields["columns"].choices]


# --- point 7: branch scope, roles, restricted fields ------------------------------------------------
def test_e6_branch_user_prints_and_exports_only_their_branchs_customers(world):
    client = client_for(world, "branch_a")
    text = pdf_text(event_print(client, world.event, "labels"))
    assert "渋谷" in text and "新宿" not in text
    response, _columns = event_export(client, world.event)
    content = b"".join(response.streaming_content).decode("cp932")
    assert world.customer_a.code in content and world.customer_b.code not in content
    # ticking B's row by a forged form prints nothing of B
    forged = client.post(f"{PRINT}?{urlencode({'event': world.event.pk, 'links': world.link_b.pk})}",
                         {"kind": "labels", "start": "1"})
    assert b"%PDF" not in forged.content[:10] and "新宿" not in forged.content.decode()


def test_e6_event_of_another_branch_is_refused(world):
    event_b = EventFactory(name="新宿店 年賀状", kind="new_year_card", branch=world.branch_b)
    EventLinkFactory(event=event_b, customer=world.customer_b)
    client = client_for(world, "branch_a")
    assert event_print(client, event_b, "labels").status_code == 403
    assert client.get(PRINT, {"event": event_b.pk}).status_code == 403
    assert client.get(EXPORT, {"source": "customers", "event": event_b.pk}).status_code == 403
    assert client.get(EXPORT, {"source": "customers", "event": "x"}).status_code == 403
    assert not AuditEvent.objects.filter(action__in=[AuditEvent.Action.PRINT, AuditEvent.Action.EXPORT]).exists()


@pytest.mark.parametrize("persona, prints, exports", [
    ("no_print", False, True), ("no_export", True, False), ("read_only", False, False),
])
def test_e6_print_and_export_are_permissions_of_their_own(world, persona, prints, exports):
    client = client_for(world, persona)
    page = client.get(reverse("admin:events_event_change", args=[world.event.pk])).content.decode()
    assert ('id="event-print-labels"' in page) is prints
    assert ('id="event-export"' in page) is exports
    assert (event_print(client, world.event, "labels").status_code == 200) is prints
    response, _columns = event_export(client, world.event)
    assert (response.status_code == 200) is exports
    if not exports:
        assert response.status_code == 403


def test_e6_restricted_fields_never_exported_from_an_event(world):
    response, columns = event_export(client_for(world, "branch_a"), world.event)
    content = b"".join(response.streaming_content).decode("cp932")
    assert "remark8" not in columns and "VIPメモ" not in content and SECRET_A not in content
    response, columns = event_export(client_for(world, "secretary"), world.event, fmt="csv_utf8")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "remark8" in columns and "VIPメモ" in content and SECRET_A in content


def test_e6_cp932_export_warns_of_characters_it_cannot_hold(world):
    world.link_a.memo = "𠮷野家で"
    world.link_a.save()
    response, _columns = event_export(client_for(world, "hq_admin"), world.event)
    assert response.status_code == 200 and response.context["unencodable"] == 1


# --- totals ---------------------------------------------------------------------------------------
def test_e6_totals_count_responses_and_gift_cost_per_rank(world, django_assert_num_queries):
    # given: one more 竹 without a price of its own (the item's 5,000 counts) and one without a gift
    EventLinkFactory(event=world.event, customer=world.other_a, gift=world.bamboo, attendance="absent",
                     mourning=True)
    EventLinkFactory(event=world.event, customer=CustomerFactory(branch=world.branch_a, code="A901"))
    # when
    with django_assert_num_queries(1):
        totals = outputs.event_totals(world.users["hq_admin"], world.event)
    # then
    assert totals["count"] == 4 and totals["sent"] == 1 and totals["received"] == 1
    assert totals["attending"] == 1 and totals["absent"] == 1 and totals["undecided"] == 2
    assert totals["mourning"] == 1 and totals["gifts"] == 3
    assert totals["ranks"] == [{"rank": "松", "count": 1, "total": Decimal(10000)},
                               {"rank": "竹", "count": 2, "total": Decimal(9500)}]
    assert totals["gift_total"] == Decimal(19500)
    # a branch user's figures are of their own branch's customers
    mine = outputs.event_totals(world.users["branch_a"], world.event)
    assert mine["count"] == 3 and mine["gift_total"] == Decimal(15000)


def test_e6_event_page_shows_the_totals_and_the_output_buttons(world):
    client = client_for(world, "hq_admin")
    page = client.get(reverse("admin:events_event_change", args=[world.event.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="event-gift-ranks"' in html and "¥14,500" in html and "¥4,500" in html and "¥10,000" in html
    for button in ("event-print-labels", "event-print-postcards-vertical", "event-print-postcards", "event-export"):
        assert f'id="{button}"' in html
    assert outputs.print_url(outputs.EventSelection(event=world.event), "labels").replace("&", "&amp;") in html


def test_e6_event_page_queries_do_not_grow_with_the_links(world, django_assert_max_num_queries):
    client = client_for(world, "hq_admin")
    url = reverse("admin:events_event_change", args=[world.event.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(10):
        EventLinkFactory(event=world.event, customer=CustomerFactory(branch=world.branch_a, code=f"Q{i:03d}"),
                         gift=world.bamboo)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
    assert EventLink.objects.filter(event=world.event).count() == 12


# --- E9: a family member's row; E5: 喪中 rows of a new-year-card event ----------------------------------
@pytest.fixture
def family_card(world):
    """A 年賀状 event with 渋谷 一郎 (渋谷商事; his wife printed as 連名) and their son's own row."""
    from tests.factories import FamilyMemberFactory

    customer = world.customer_a
    FamilyMemberFactory(customer=customer, name="渋谷 京子", relation="妻", joint_name=True)
    son = FamilyMemberFactory(customer=customer, name="渋谷 健太", relation="長男", joint_name=False)
    event = EventFactory(name="2027年 年賀状", kind="new_year_card", year=2027, branch=None)
    own = EventLinkFactory(event=event, customer=customer)
    family = EventLinkFactory(event=event, customer=customer, family_member=son)
    return event, own, family


@pytest.mark.parametrize("kind", ["labels", "postcards_vertical", "postcards"])
def test_e9_family_row_prints_the_family_members_name_at_the_customers_address(world, family_card, kind):
    # given
    event, own, family = family_card
    client = client_for(world, "hq_admin")
    # when: the family member's row alone
    family_text = pdf_text(event_print(client, event, kind, links=family.pk))
    # then: the son's name with 様, at the customer's address, without the company or the 連名 wife
    assert "健太" in family_text and "様" in family_text and "一郎" not in family_text
    assert "渋谷区渋谷" in family_text and "150" in family_text
    assert "渋谷商事" not in family_text
    assert "京子" not in family_text  # a family row gets no joint names
    # when: the customer's own row alone
    own_text = pdf_text(event_print(client, event, kind, links=own.pk))
    # then: his own name and company (and on postcards his wife as 連名, which labels do not print)
    assert "一郎" in own_text and "健太" not in own_text
    assert "渋谷商事" in own_text and "渋谷区渋谷" in own_text
    assert ("京子" in own_text) is kind.startswith("postcards")


def test_e9_link_recipient_of_a_family_row(world, family_card):
    _event, own, family = family_card
    mine, theirs = own.recipient(), family.recipient()
    assert (theirs.name, theirs.honorific, theirs.company, theirs.joint) == ("渋谷 健太", "様", "", [])
    assert (theirs.postal_code, theirs.address) == (mine.postal_code, mine.address) == ("1500002", "東京都渋谷区渋谷2-1-1")
    assert mine.name == "渋谷　一郎" and mine.company == "渋谷商事"
    assert family.recipient_name == "渋谷 健太" and family.recipient_address.startswith("〒150-0002 東京都渋谷区渋谷")


@pytest.mark.parametrize("kind", ["labels", "postcards_vertical"])
def test_e5_new_year_card_prints_leave_out_those_in_mourning_for_its_year(world, kind):
    from tests.factories import MourningFactory

    # given: a 年賀状 event of 2027: A ticked 喪中 (its record), B with a 喪中 record of 2026 only, a third
    # customer with no mourning
    event = EventFactory(name="2027年 年賀状", kind="new_year_card", year=2027, branch=None)
    mourning_link = EventLinkFactory(event=event, customer=world.customer_a, mourning=True)
    MourningFactory(customer=world.customer_a, year=2027)
    MourningFactory(customer=world.customer_b, year=2026)
    EventLinkFactory(event=event, customer=world.customer_b)
    EventLinkFactory(event=event, customer=world.other_a)
    client = client_for(world, "hq_admin")
    # when: the event page's 「ラベル印刷」 / 「はがき印刷」: the print screen, then the PDF
    screen = client.get(PRINT, {"event": event.pk, "kind": kind})
    text = pdf_text(event_print(client, event, kind))
    # then: the screen counts the two who get a card and says who is left out; the PDF holds them only
    assert screen.context["count"] == 2
    assert "2027年が喪中の 1 名を除きました。" in screen.content.decode()
    assert "新宿" in text and "対象外" in text
    assert "渋谷商事" not in text and "一郎" not in text
    # ticking the 喪中 row alone prints nothing
    ticked = event_print(client, event, kind, links=mourning_link.pk)
    assert b"%PDF" not in ticked.content[:10]
    printed = AuditEvent.objects.get(action=AuditEvent.Action.PRINT)
    assert printed.row_count == 2


def test_e5_household_mourning_record_leaves_its_family_row_out_of_the_new_year_cards(world, family_card):
    from tests.factories import MourningFactory

    # given: the household of 渋谷 in mourning for 2027 (a record made on the 喪中 screen; the flags
    # of the list are not touched here), and 新宿 on the list
    event, _own, _family = family_card
    EventLinkFactory(event=event, customer=world.customer_b)
    MourningFactory(customer=world.customer_a, year=2027)
    # when
    text = pdf_text(event_print(client_for(world, "hq_admin"), event, "labels"))
    # then: neither 渋谷's row nor his son's prints
    assert "新宿" in text and "一郎" not in text and "健太" not in text


def test_e5_mourning_rows_of_other_kinds_are_kept(world):
    # given: 喪中 ticked on an お歳暮 list (a mark for carrying over)
    world.link_a.mourning = True
    world.link_a.save()
    client = client_for(world, "hq_admin")
    # then: the gift labels still go to both, and the CSV holds both, marked in the 喪中 column
    text = pdf_text(event_print(client, world.event, "labels"))
    assert "渋谷" in text and "新宿" in text
    response, _columns = event_export(client, world.event)
    rows = csv_rows(response)
    assert len(rows) == 2
    assert [r["喪中"] for r in rows if r["顧客コード"] == world.customer_a.code] == ["○"]


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.content[:800] if hasattr(response, "content") else response
    lines = b"".join(response.streaming_content).decode("cp932").splitlines()
    header = lines[0].split(",")
    return [dict(zip(header, line.split(","))) for line in lines[1:]]


def test_e5_new_year_card_csv_leaves_out_those_in_mourning_as_the_prints_do(world, family_card):
    from tests.factories import MourningFactory

    # given: a 年賀状 event of 2027 with 渋谷 (a household 喪中 record, not yet flagged on the list) and his
    # son's row, 新宿 ticked 喪中, and 対象外 with no mourning
    event, own, family = family_card
    MourningFactory(customer=world.customer_a, year=2027)
    EventLinkFactory(event=event, customer=world.customer_b, mourning=True)
    kept = EventLinkFactory(event=event, customer=world.other_a)
    client = client_for(world, "hq_admin")
    # when: the event page's 「CSV出力」
    screen = client.get(EXPORT, {"source": "customers", "event": event.pk})
    response, _columns = event_export(client, event)
    # then: the screen counts and names the left out as the print screen does; the file holds 対象外 only
    assert screen.context["count"] == 1
    assert "2027年が喪中の 3 名を除きました。" in screen.content.decode()
    rows = csv_rows(response)
    assert [r["顧客コード"] for r in rows] == [world.other_a.code]
    # the same selection as the prints (labels, postcards): one function
    selection = outputs.EventSelection(event=event)
    user = world.users["hq_admin"]
    assert list(outputs.export_rows(user, selection).values_list("pk", flat=True)) == \
        list(outputs.mailed_links(user, selection).values_list("pk", flat=True)) == [kept.pk]
    # ticking only rows in mourning exports nothing
    ticked = outputs.EventSelection(event=event, link_ids=[own.pk, family.pk])
    assert not outputs.export_rows(user, ticked).exists()


# --- in the browser ------------------------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_e6_event_page_totals_and_label_button_in_the_browser(page, live_server):  # noqa: F811
    from crm import roles
    from django.apps import apps

    from tests.factories import StaffFactory
    from tests.test_browser import login, shot

    roles.sync_roles(apps)
    # given
    StaffFactory(username="kanri", is_superuser=True, is_head_office=True)
    pine = GiftItemFactory(name="ハム詰め合わせ", rank="松", price=10000)
    event = EventFactory(name="2026年 お歳暮")
    for i, (last, first) in enumerate([("青山", "一郎"), ("赤坂", "花子"), ("上野", "三郎")]):
        customer = CustomerFactory(code=f"E{i:03d}", last_name=last, first_name=first, postal_code="107-0062",
                                   address=f"東京都港区南青山{i + 1}-1-1")
        EventLinkFactory(event=event, customer=customer, gift=pine if i else None, sent=i == 1)
    login(page, live_server, "kanri")
    # when: the event's page
    page.goto(live_server.url + reverse("admin:events_event_change", args=[event.pk]))
    # then: its totals, the 松 gifts' cost, and the output buttons
    assert page.inner_text("#event-count") == "3" and page.inner_text("#event-sent") == "1"
    assert "¥20,000" in page.inner_text("#event-gift-ranks") and "松" in page.inner_text("#event-gift-ranks")
    shot(page, "e6_event_page")
    # when: 「ラベル印刷」
    page.click("#event-print-labels")
    page.wait_for_selector("#print-form")
    # then: the customer list's print screen, for the event's three customers, labels chosen
    assert page.is_checked("input[name=kind][value=labels]")
    assert "3" in page.inner_text("#print-count")
    shot(page, "e6_print_screen")


def test_e6_big_event_export_runs_on_the_worker_and_is_made_again_of_the_event(world, settings):
    from jobs.models import Job
    from tests.helpers import run_worker

    settings.EXPORT_STREAM_MAX_ROWS = 0
    world.link_a.memo = "𠮷田様より"  # CP932 cannot hold 𠮷: the job writes 〓 and lists it
    world.link_a.save()
    client = client_for(world, "branch_a")
    response, _columns = event_export(client, world.event)
    assert response.status_code == 302
    run_worker()
    job = Job.objects.get(kind="export")
    assert job.state == Job.State.SUCCEEDED, job.message
    content = open(job.result_file.path, "rb").read().decode("cp932")
    assert "出欠" in content.splitlines()[0] and world.customer_a.code in content
    assert world.customer_b.code not in content and "対象外" not in content  # branch A's customers of the event
    assert "〓田様より" in content and job.problems.count() == 1
    exported = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert exported.detail["what"] == "event" and exported.detail["event"] == world.event.pk
    # the job page's 「UTF-8 で作り直す」 keeps the event
    page = client.get(reverse("admin:jobs_job_change", args=[job.pk]))
    assert page.context["redo_params"]["event"] == world.event.pk
