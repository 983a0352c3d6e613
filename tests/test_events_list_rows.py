"""Issue 13 (E2): the event's customer list as shown (GET) is drawn without a form per row
(events.link_rows, events.admin.LinkFormSet); the page must be the one Django's forms draw."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.paginator import Paginator
from django.urls import reverse

from events.admin import EventLinkAdmin, LinkFormSet
from events.models import EventLink, GiftItem
from fieldconfig import lookup
from fieldconfig.models import FieldSetting
from tests.factories import CustomerFactory, EventFactory, EventLinkFactory, FamilyMemberFactory, GiftItemFactory
from tests.helpers import ja_client
from tests.personas import SECRETARY_GROUP, build_world

pytestmark = pytest.mark.django_db

LINKS = reverse("admin:events_eventlink_changelist")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


@pytest.fixture
def world(db):
    return build_world()


def client_for(world, name):
    return ja_client(world.users[name])


def event_with_varied_rows(world, status="open"):
    """Rows blank and filled: dates, ticks, a gift chosen and none, last year's gift, a family member,
    and text that HTML or the drawing's stand-ins could trip on."""
    event = EventFactory(status=status)
    plain = GiftItemFactory(name="洋菓子詰め合わせ", rank="竹", price=5000)
    # an option's label with quotes, braces and the pattern form's prefix in it
    tricky = GiftItemFactory(name='ハム <詰め合わせ> & "特選" {0} form-__prefix__', rank="松", price=8000)
    last_year = GiftItemFactory(year=2025, name="ハム詰め合わせ", rank="松", price=8000)
    branch = world.customer_a.branch
    EventLinkFactory(event=event, customer=world.customer_a)  # all blank
    EventLinkFactory(event=event, customer=CustomerFactory(branch=branch, last_name_kana="ア"),
                     attendance=EventLink.Attendance.ATTENDING, sent=True, sent_on=datetime.date(2026, 12, 10),
                     received=True, received_on=datetime.date(2026, 12, 12), gift=plain, gift_price=Decimal(3000),
                     mourning=True, memo='手渡し <b>&"\'{1} kokyaku-value-stand-in-a')
    EventLinkFactory(event=event, customer=CustomerFactory(branch=branch, last_name_kana="イ"),
                     previous_gift=last_year, previous_gift_price=Decimal(7500), gift=tricky,
                     attendance=EventLink.Attendance.ABSENT)
    EventLinkFactory(event=event, customer=CustomerFactory(branch=branch, last_name_kana="ウ"),
                     previous_gift=last_year, gift_price=Decimal(0), received_on=datetime.date(2027, 1, 5))
    family = FamilyMemberFactory(customer=world.customer_a, name="渋谷 花子", relation="配偶者")
    EventLinkFactory(event=event, customer=world.customer_a, family_member=family, sent=True, memo="家族")
    return event


def both_ways(client, url, monkeypatch):
    """The page as drawn (events.link_rows, no form per row), then as Django and unfold draw it:
    a form per row, the rows by unfold's own {% unfold_result_list %} (admin/change_list.html),
    the page's rows read by Django's own paginator. The CSRF token, different on every page, is left out."""
    fast = client.get(url)
    assert fast.status_code == 200
    formset = fast.context["cl"].formset
    if formset is not None:
        assert "forms" not in formset.__dict__  # no form was built for the rows
    with monkeypatch.context() as patched:
        patched.setattr(LinkFormSet, "draw_from_pattern", False)
        patched.setattr(EventLinkAdmin, "change_list_template", None)
        patched.setattr(EventLinkAdmin, "paginator", Paginator)
        slow = client.get(url)
    assert slow.status_code == 200
    drawn_by = {template.name for template in slow.templates}
    assert "events/link_change_list.html" not in drawn_by and "admin/change_list_results.html" in drawn_by
    return CSRF.sub("", fast.content.decode()), CSRF.sub("", slow.content.decode())


def test_e2_event_list_drawn_without_row_forms_is_the_forms_page(world, monkeypatch):
    event = event_with_varied_rows(world)
    url = f"{LINKS}?event__id__exact={event.pk}"
    fast, slow = both_ways(client_for(world, "hq_admin"), url, monkeypatch)
    assert fast == slow
    # and the page is the one expected: each row's fields, values and choices
    assert fast.count('name="form-4-id"') == 1 and 'name="form-5-id"' not in fast
    assert '<option value="attending" selected>' in fast and "前年: ［松］ハム詰め合わせ（¥7,500）" in fast
    assert "前年: ［松］ハム詰め合わせ（¥8,000）" in fast  # no price of its own: the item's
    assert "ハム &lt;詰め合わせ&gt; &amp; &quot;特選&quot; {0} form-__prefix__" in fast
    assert 'value="手渡し &lt;b&gt;&amp;&quot;&#x27;{1} kokyaku-value-stand-in-a"' in fast
    assert "渋谷 花子 様" in fast
    # sorted by another column and searched: other rows, other prefixes
    for query in ("&o=-3", "&o=7.-2", "&q=渋谷"):
        fast, slow = both_ways(client_for(world, "hq_admin"), url + query, monkeypatch)
        assert fast == slow


def test_e2_event_list_pages_are_djangos_pages(world, monkeypatch):
    # the rows of each page read by their sorted ids (SortedIdsPaginator): the same rows, in the same order
    event = event_with_varied_rows(world)
    monkeypatch.setattr(EventLinkAdmin, "list_per_page", 2)
    client = client_for(world, "hq_admin")
    url = f"{LINKS}?event__id__exact={event.pk}"
    seen = []
    for query in ("", "&p=2", "&p=3", "&o=-3&p=2", "&o=10.1&p=3"):
        fast, slow = both_ways(client, url + query, monkeypatch)
        assert fast == slow
        seen.append([link.pk for link in client.get(url + query).context["cl"].result_list])
    assert sorted(sum(seen[:3], [])) == sorted(event.links.values_list("pk", flat=True))


def test_e2_completed_event_list_drawn_without_row_forms(world, monkeypatch):
    event = event_with_varied_rows(world, status="done")
    url = f"{LINKS}?event__id__exact={event.pk}"
    fast, slow = both_ways(client_for(world, "hq_admin"), url, monkeypatch)
    assert fast == slow
    # the rows are not editable; each still carries its hidden id, as Django writes it
    assert 'name="form-0-memo"' not in fast and 'name="form-0-id"' in fast


def test_e2_event_list_without_change_permission_has_no_formset(world, monkeypatch):
    event = event_with_varied_rows(world)
    client = client_for(world, "read_only")
    url = f"{LINKS}?event__id__exact={event.pk}"
    assert client.get(url).context["cl"].formset is None
    fast, slow = both_ways(client, url, monkeypatch)
    assert fast == slow and 'name="form-0-memo"' not in fast


def test_e2_event_list_with_restricted_fields_drawn_without_row_forms(world, monkeypatch):
    # 住所 and the family members' names for the secretaries only (R3)
    secretaries = world.users["secretary"].groups.get(name=SECRETARY_GROUP)
    FieldSetting.objects.filter(model="customer", field_name="address").update(visible_to=secretaries)
    FieldSetting.objects.filter(model="familymember", field_name="name").update(visible_to=secretaries)
    lookup.invalidate()
    event = event_with_varied_rows(world)
    world.customer_a.address = "東京都渋谷区秘密1-2-3"
    world.customer_a.save()
    url = f"{LINKS}?event__id__exact={event.pk}"
    fast, slow = both_ways(client_for(world, "branch_a"), url, monkeypatch)
    assert fast == slow
    assert "秘密1-2-3" not in fast and "渋谷 花子" not in fast and "（家族）" in fast
    fast, slow = both_ways(client_for(world, "secretary"), url, monkeypatch)
    assert fast == slow and "秘密1-2-3" in fast and "渋谷 花子" in fast


def test_e2_event_list_post_with_an_error_is_drawn_from_the_row_forms(world):
    event = event_with_varied_rows(world)
    url = f"{LINKS}?event__id__exact={event.pk}"
    client = client_for(world, "hq_admin")
    rows = client.get(url).context["cl"].result_list
    data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": str(len(rows)), "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000", "_save": "保存"}
    for index, link in enumerate(rows):
        data.update({f"form-{index}-id": str(link.pk), f"form-{index}-attendance": link.attendance,
                     f"form-{index}-gift_price": "" if link.gift_price is None else str(link.gift_price),
                     f"form-{index}-memo": link.memo})
    data["form-1-gift_price"] = "-5"  # refused by the field's validator
    data["form-0-memo"] = "変更"
    response = client.post(url, data)
    assert response.status_code == 200  # the page again, with the error beside the field
    page = response.content.decode()
    formset = response.context["cl"].formset
    assert formset.is_bound and formset.forms[1].errors and 'value="-5"' in page and 'value="変更"' in page
    assert EventLink.objects.filter(memo="変更").count() == 0
    assert GiftItem.objects.filter(name__contains="form-__prefix__").exists()
