"""The event's customer list (イベント対象者, E2): issue 22 point 15 (the columns of the event's kind)
and issue 23 point 4 (edited in place through public hooks only; a page as shown builds no form per
row, and its cells are the ones the rows' forms draw)."""

import ast
import datetime
import importlib
import inspect
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

import events
from crm import locking
from events.models import Event, EventLink, GiftItem
from fieldconfig import lookup
from fieldconfig.models import FieldSetting
from tests.factories import CustomerFactory, EventFactory, EventLinkFactory, FamilyMemberFactory, GiftItemFactory
from tests.helpers import ja_client
from tests.personas import SECRETARY_GROUP, build_world

pytestmark = pytest.mark.django_db

LINKS = reverse("admin:events_eventlink_changelist")
EVENTS_DIR = Path(events.__file__).resolve().parent

# The columns of each kind's list, as the office reads them (Event.LINK_FIELDS).
KIND_HEADERS = {
    "new_year_card": ["出", "出した日", "受", "受けた日", "喪中", "メモ"],
    "winter_greeting": ["出", "出した日", "受", "受けた日", "メモ"],
    "summer_gift": ["贈答品", "金額", "出", "受", "メモ"],
    "winter_gift": ["贈答品", "金額", "出", "受", "メモ"],
    "seminar": ["出欠", "出", "出した日", "メモ"],
    "other": ["出欠", "出", "出した日", "受", "メモ"],
}
CUSTOMER_HEADERS = ["顧客コード", "氏名", "会社名・住所"]


@pytest.fixture
def world(db):
    return build_world()


def client_for(world, name):
    return ja_client(world.users[name])


class Controls(HTMLParser):
    """The form controls of a piece of HTML: {name: (tag, type, id, value, checked, [(option, selected)])}."""

    def __init__(self, html: str):
        super().__init__()
        self.found, self._select = {}, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select") and attrs.get("name", "").startswith("form-"):
            control = [tag, attrs.get("type"), attrs.get("id"), attrs.get("value"), "checked" in attrs, []]
            self.found[attrs["name"]] = control
            self._select = control if tag == "select" else None
        elif tag == "option" and self._select is not None:
            self._select[5].append((attrs.get("value"), "selected" in attrs))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def event_with_varied_rows(world, kind="winter_gift", status="open"):
    """Rows blank and filled: dates, ticks, a gift chosen and none, last year's gift, a family member,
    and text that HTML could trip on."""
    event = EventFactory(kind=kind, status=status)
    plain = GiftItemFactory(name="洋菓子詰め合わせ", rank="竹", price=5000)
    tricky = GiftItemFactory(name='ハム <詰め合わせ> & "特選" {0}', rank="松", price=8000)
    last_year = GiftItemFactory(year=2025, name="ハム詰め合わせ", rank="松", price=8000)
    branch = world.customer_a.branch
    EventLinkFactory(event=event, customer=world.customer_a)  # all blank
    EventLinkFactory(event=event, customer=CustomerFactory(branch=branch, last_name_kana="ア"),
                     attendance=EventLink.Attendance.ATTENDING, sent=True, sent_on=datetime.date(2026, 12, 10),
                     received=True, received_on=datetime.date(2026, 12, 12), gift=plain, gift_price=Decimal(3000),
                     mourning=True, memo='手渡し <b>&"\'{1}')
    EventLinkFactory(event=event, customer=CustomerFactory(branch=branch, last_name_kana="イ"),
                     previous_gift=last_year, previous_gift_price=Decimal(7500), gift=tricky,
                     attendance=EventLink.Attendance.ABSENT)
    EventLinkFactory(event=event, customer=CustomerFactory(branch=branch, last_name_kana="ウ"),
                     previous_gift=last_year, gift_price=Decimal(0), received_on=datetime.date(2027, 1, 5))
    family = FamilyMemberFactory(customer=world.customer_a, name="渋谷 花子", relation="配偶者")
    EventLinkFactory(event=event, customer=world.customer_a, family_member=family, sent=True, memo="家族")
    return event


def headers_of(response) -> list[str]:
    page = response.content.decode()
    head = page.split('<table id="result_list"', 1)[1].split("</thead>", 1)[0]
    texts = []
    for cell in head.split("<th")[1:]:
        text = cell.split(">", 1)[1].split("</th>", 1)[0]
        while "<" in text:  # the text without its tags (a sort link, the arrow)
            start = text.index("<")
            text = text[:start] + text[text.index(">", start) + 1:]
        texts.append(text.replace("▲", "").replace("▼", "").strip())
    return [t for t in texts if t]


# --- issue 23, point 4: public hooks only, no form per row on a page as shown ---------------------------
@pytest.mark.parametrize("kind", [k for k, _label in Event.Kind.choices])
def test_i23_4_event_list_cells_drawn_without_row_forms_are_the_forms_own(world, kind):
    event = event_with_varied_rows(world, kind=kind)
    response = client_for(world, "hq_admin").get(f"{LINKS}?event__id__exact={event.pk}")
    assert response.status_code == 200
    formset = response.context["cl"].formset
    assert "forms" not in formset.__dict__  # the page was drawn without a form per row
    drawn = Controls(response.content.decode()).found
    # the rows' forms, as Django's change list builds them, draw the same controls
    expected = dict(Controls(str(formset.management_form)).found)
    for form in formset.forms:
        for name in form.fields:
            expected.update(Controls(str(form[name])).found)
    assert set(form.fields) == {*event.link_fields, "id", locking.FIELD}  # and the row's version (issue 24.3)
    assert drawn.keys() == expected.keys() and len(drawn) == 4 + 5 * (len(event.link_fields) + 2)
    assert drawn == expected
    page = response.content.decode()
    if "gift" in event.link_fields:  # last year's gift above this year's pulldown (E4)
        assert "前年: ［松］ハム詰め合わせ（¥7,500）" in page and "前年: ［松］ハム詰め合わせ（¥8,000）" in page
    assert 'value="手渡し &lt;b&gt;&amp;&quot;&#x27;{1}"' in page and "渋谷 花子 様" in page


def test_i23_4_events_use_no_private_django_or_unfold_api():
    """No module of the events app imports an underscore name of Django or unfold, imports unfold's
    template tags (whose internals the list used to copy), or overrides an underscore method of a
    Django or unfold class."""
    modules = [importlib.import_module(".".join(("events", *path.relative_to(EVENTS_DIR).with_suffix("").parts)))
               for path in sorted(EVENTS_DIR.rglob("*.py")) if "migrations" not in path.parts]
    third_party = ("django", "unfold", "simple_history", "import_export")
    problems = []
    for module in modules:
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(third_party):
                problems += [f"{module.__name__} imports {node.module}.{a.name}" for a in node.names
                             if a.name.startswith("_")]
                if (node.module or "").startswith("unfold.templatetags"):
                    problems.append(f"{module.__name__} imports {node.module}")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            for attribute in vars(cls):
                if not attribute.startswith("_") or attribute.startswith("__"):
                    continue
                owners = [base for base in cls.__mro__[1:] if attribute in vars(base)
                          and base.__module__.startswith(third_party)]
                problems += [f"{cls.__qualname__}.{attribute} overrides {base.__module__}.{base.__qualname__}"
                             for base in owners]
    assert not problems, problems


# --- issue 22, point 15: the columns of the event's kind ---------------------------------------------------
@pytest.mark.parametrize("kind", list(KIND_HEADERS))
def test_i22_15_event_list_shows_the_columns_of_its_kind(world, kind):
    event = event_with_varied_rows(world, kind=kind)
    response = client_for(world, "hq_admin").get(f"{LINKS}?event__id__exact={event.pk}")
    assert headers_of(response) == CUSTOMER_HEADERS + KIND_HEADERS[kind]
    assert response.context["cl"].formset.form.base_fields.keys() == {*Event.LINK_FIELDS[kind], locking.FIELD}


def test_i22_15_saving_a_kinds_columns_keeps_the_other_fields_of_the_row(world):
    # given: a gift list's row with an attendance, 喪中 and dates its list does not show
    event = EventFactory(kind="winter_gift", status="open")
    gift = GiftItemFactory(year=2026, season="winter", name="洋菓子詰め合わせ", price=5000)
    row = EventLinkFactory(event=event, customer=world.customer_a, attendance=EventLink.Attendance.ATTENDING,
                           mourning=True, sent=True, sent_on=datetime.date(2026, 12, 1), received_on=None)
    data = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000", "form-0-id": str(row.pk), "form-0-gift": str(gift.pk),
            "form-0-gift_price": "4500", "form-0-sent": "on", "form-0-memo": "百貨店から", "_save": "保存"}
    # when
    response = client_for(world, "branch_a").post(f"{LINKS}?event__id__exact={event.pk}", data)
    # then
    assert response.status_code == 302, response.content.decode()[:1500]
    row.refresh_from_db()
    assert (row.gift, row.gift_price, row.memo) == (gift, 4500, "百貨店から")
    assert row.attendance == "attending" and row.mourning and row.sent_on == datetime.date(2026, 12, 1)


def test_i22_15_list_of_every_event_names_the_event_and_edits_nothing(world):
    event = event_with_varied_rows(world, kind="new_year_card")
    response = client_for(world, "hq_admin").get(LINKS)
    page = response.content.decode()
    assert response.context["cl"].formset is None and 'name="_save"' not in page
    assert headers_of(response) == ["顧客コード", "氏名", "業務イベント", "会社名・住所", "記録"]
    assert str(event) in page and "参加・出 2026/12/10・受 2026/12/12・［竹］洋菓子詰め合わせ（¥5,000）・喪中" in page


def test_e2_completed_event_list_edits_nothing_and_shows_the_values(world):
    event = event_with_varied_rows(world, kind="new_year_card", status="done")
    response = client_for(world, "hq_admin").get(f"{LINKS}?event__id__exact={event.pk}")
    page = response.content.decode()
    assert response.context["cl"].formset is None
    assert 'name="form-0-memo"' not in page and 'name="_save"' not in page
    assert headers_of(response) == CUSTOMER_HEADERS + KIND_HEADERS["new_year_card"]
    assert "2026/12/10" in page and "手渡し &lt;b&gt;" in page


def test_e2_event_list_without_change_permission_has_no_formset(world):
    event = event_with_varied_rows(world)
    response = client_for(world, "read_only").get(f"{LINKS}?event__id__exact={event.pk}")
    assert response.context["cl"].formset is None and 'name="form-0-memo"' not in response.content.decode()


def test_e2_event_list_with_restricted_fields(world):
    # 住所 and the family members' names for the secretaries only (R3)
    secretaries = world.users["secretary"].groups.get(name=SECRETARY_GROUP)
    FieldSetting.objects.filter(model="customer", field_name="address").update(visible_to=secretaries)
    FieldSetting.objects.filter(model="familymember", field_name="name").update(visible_to=secretaries)
    lookup.invalidate()
    event = event_with_varied_rows(world)
    world.customer_a.address = "東京都渋谷区秘密1-2-3"
    world.customer_a.company_name = "渋谷商事"
    world.customer_a.save()
    url = f"{LINKS}?event__id__exact={event.pk}"
    branch = client_for(world, "branch_a").get(url)
    page = branch.content.decode()
    assert "秘密1-2-3" not in page and "渋谷 花子" not in page and "（家族）" in page
    assert headers_of(branch)[:3] == ["顧客コード", "氏名", "会社名"] and "渋谷商事" in page  # the company alone
    secretary = client_for(world, "secretary").get(url)
    assert "秘密1-2-3" in secretary.content.decode() and "渋谷 花子" in secretary.content.decode()
    assert headers_of(secretary)[:3] == CUSTOMER_HEADERS


def test_e2_event_list_post_with_an_error_is_drawn_from_the_row_forms(world):
    event = event_with_varied_rows(world)
    url = f"{LINKS}?event__id__exact={event.pk}"
    client = client_for(world, "hq_admin")
    rows = client.get(url).context["cl"].result_list
    data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": str(len(rows)), "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000", "_save": "保存"}
    for index, link in enumerate(rows):
        data.update({f"form-{index}-id": str(link.pk), f"form-{index}-gift": link.gift_id or "",
                     f"form-{index}-gift_price": "" if link.gift_price is None else str(link.gift_price),
                     f"form-{index}-memo": link.memo})
    data["form-1-gift_price"] = "-5"  # refused by the field's validator
    data["form-0-memo"] = "変更"
    response = client.post(url, data)
    assert response.status_code == 200  # the page again, with the error beside the field
    page = response.content.decode()
    formset = response.context["cl"].formset
    assert formset.is_bound and formset.forms[1].errors and 'value="-5"' in page and 'value="変更"' in page
    assert 'class="kokyaku-cell-errors"' in page and 'aria-invalid="true"' in page
    assert EventLink.objects.filter(memo="変更").count() == 0
    assert GiftItem.objects.filter(name__contains="{0}").exists()


def test_e2_event_list_pages_and_sorts(world, monkeypatch):
    from events.admin import EventLinkAdmin

    event = event_with_varied_rows(world)
    monkeypatch.setattr(EventLinkAdmin, "list_per_page", 2)
    client = client_for(world, "hq_admin")
    url = f"{LINKS}?event__id__exact={event.pk}"
    seen = [[link.pk for link in client.get(url + query).context["cl"].result_list] for query in ("", "&p=2", "&p=3")]
    assert sorted(sum(seen, [])) == sorted(event.links.values_list("pk", flat=True))
    # the code's header sorts by code, then the other way
    page = client.get(url).content.decode()
    by_code = page.split('class="column-code_cell', 1)[1].split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    codes = [link.customer.code for link in client.get(LINKS + by_code).context["cl"].result_list]
    assert codes == sorted(codes)


@pytest.mark.parametrize("kind", ["winter_gift", "new_year_card"])
def test_e2_event_list_queries_do_not_grow_with_its_rows(world, kind):
    event = EventFactory(kind=kind)
    gift = GiftItemFactory(year=2026, season="winter", name="洋菓子詰め合わせ", price=5000)
    last_year = GiftItemFactory(year=2025, season="winter", name="ハム詰め合わせ", price=8000)
    client = client_for(world, "hq_admin")
    url = f"{LINKS}?event__id__exact={event.pk}"
    counts = []
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for rows in (2, 30):
        while event.links.count() < rows:
            member = FamilyMemberFactory(customer=CustomerFactory(branch=world.branch_a))
            EventLinkFactory(event=event, customer=member.customer, gift=gift, previous_gift=last_year)
            EventLinkFactory(event=event, customer=member.customer, family_member=member)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[1] <= 15, counts
