"""Issue 24, point 3: no lost updates. Two staff saving the same card, contact history or event row: the
second, stale save is refused in Japanese with the other person's values beside the typed ones, nothing
overwritten and nothing typed lost; a list toggle racing a card save loses neither; the bulk writer and
a merge raise the version too; of two writes sent at once, the conditional UPDATE lets one through.
Runs on SQLite and PostgreSQL (DATABASE_URL)."""

import datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from crm import locking, services
from crm.models import ContactHistory, Customer
from events.models import EventLink
from tests.factories import ContactHistoryFactory, EventFactory, EventLinkFactory
from tests.helpers import ja_client
from tests.personas import build_world

pytestmark = pytest.mark.django_db

REFUSED = "あなたの変更は保存していません"


@pytest.fixture
def world(db):
    return build_world()


class FormControls(HTMLParser):
    """What a browser posts from the form `form_id` of a page: its inputs, checked boxes, chosen options
    and text areas, and the controls outside it tied to it by their `form` attribute."""

    def __init__(self, html: str, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.data, self._in_form, self._select, self._textarea = form_id, {}, False, None, None
        self._nested = 0
        self.feed(html)

    def _ours(self, attrs) -> bool:
        return attrs.get("form") == self.form_id if "form" in attrs else self._in_form

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if self._in_form:
                self._nested += 1
                return  # a form inside a form: browsers ignore its tag, its controls are the outer form's
            self._in_form = attrs.get("id") == self.form_id
        elif tag == "input" and attrs.get("name") and self._ours(attrs):
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data[attrs["name"]] = attrs.get("value", "on")
                return
            self.data[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select" and attrs.get("name") and self._ours(attrs):
            self._select = attrs["name"]
            self.data.setdefault(self._select, "")
        elif tag == "option" and self._select is not None and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea" and attrs.get("name") and self._ours(attrs):
            self._textarea = attrs["name"]
            self.data[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea is not None:
            self.data[self._textarea] += data.removeprefix("\n") if not self.data[self._textarea] else data

    def handle_endtag(self, tag):
        if tag == "form" and self._nested:
            self._nested -= 1
        elif tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def opened(client, url: str, form_id: str) -> dict:
    """The form as a browser shows it: what it would post back."""
    response = client.get(url)
    assert response.status_code == 200
    data = FormControls(response.content.decode(), form_id).data
    assert any(name.endswith(locking.FIELD) for name in data), "the page carries the version its editor saw"
    return data


def card_url(customer):
    return reverse("admin:crm_customer_change", args=[customer.pk])


# --- the card ------------------------------------------------------------------------------------------
def test_i24_3_two_staff_save_the_same_card_the_second_is_refused_and_keeps_what_was_typed(world):
    # given: two staff open the same card
    customer = world.customer_a
    first, second = ja_client(world.users["hq_admin"]), ja_client(world.users["branch_a"])
    form_first = opened(first, card_url(customer), "customer_form")
    form_second = opened(second, card_url(customer), "customer_form")
    # when: the first saves, then the second
    response = first.post(card_url(customer), {**form_first, "company_name": "渋谷ホールディングス", "_save": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    response = second.post(card_url(customer), {**form_second, "company_name": "渋谷産業", "tel": "03-1111-2222",
                                                "_save": "1"})
    # then: the second is refused in Japanese, its typed values in the form, the first's beside them
    assert response.status_code == 200
    page = response.content.decode()
    assert REFUSED in page and str(world.users["hq_admin"]) in page, page[page.find("errornote"):][:1500]
    shown = FormControls(page, "customer_form").data
    assert (shown["company_name"], shown["tel"]) == ("渋谷産業", "03-1111-2222")
    assert "相手が保存した値：渋谷ホールディングス" in page
    customer.refresh_from_db()
    assert customer.company_name == "渋谷ホールディングス" and customer.tel != "03-1111-2222"
    assert customer.history.count() == 2  # created, the first save: nothing of the second
    # and: saved again after checking, what was typed is kept (deliberately)
    response = second.post(card_url(customer), {**shown, "_save": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    customer.refresh_from_db()
    assert (customer.company_name, customer.tel) == ("渋谷産業", "03-1111-2222")


def test_i24_3_a_card_saved_as_it_was_opened_is_saved_and_its_version_goes_up(world):
    customer = world.customer_a
    client = ja_client(world.users["hq_admin"])
    data = opened(client, card_url(customer), "customer_form")
    before = Customer.objects.get(pk=customer.pk).version
    response = client.post(card_url(customer), {**data, "remark1": "来店", "_save": "1"})
    assert response.status_code == 302
    assert Customer.objects.get(pk=customer.pk).version == before + 1


# --- a contact history ----------------------------------------------------------------------------------
def test_i24_3_two_staff_save_the_same_contact_history_the_second_is_refused(world):
    contact = ContactHistoryFactory(customer=world.customer_a, date=datetime.date(2026, 12, 1), detail="見積依頼")
    url = reverse("admin:crm_contacthistory_change", args=[contact.pk])
    first, second = ja_client(world.users["hq_admin"]), ja_client(world.users["branch_a"])
    form_first = opened(first, url, "contacthistory_form")
    form_second = opened(second, url, "contacthistory_form")
    response = first.post(url, {**form_first, "detail": "見積を送付した", "_save": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    response = second.post(url, {**form_second, "detail": "電話で確認した", "_save": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert REFUSED in page and "相手が保存した値：見積を送付した" in page
    assert FormControls(page, "contacthistory_form").data["detail"] == "電話で確認した"
    contact.refresh_from_db()
    assert contact.detail == "見積を送付した"
    assert ContactHistory.history.filter(id=contact.pk).count() == 2


# --- an event's row, edited in place ----------------------------------------------------------------------
def test_i24_3_two_staff_save_the_same_event_row_the_second_is_refused(world):
    event = EventFactory(kind="winter_gift", status="open")
    row = EventLinkFactory(event=event, customer=world.customer_a)
    url = f"{reverse('admin:events_eventlink_changelist')}?event__id__exact={event.pk}"
    first, second = ja_client(world.users["hq_admin"]), ja_client(world.users["branch_a"])
    form_first = opened(first, url, "changelist-form")
    form_second = opened(second, url, "changelist-form")
    response = first.post(url, {**form_first, "form-0-memo": "百貨店から", "_save": "保存"})
    assert response.status_code == 302, response.content.decode()[:2000]
    response = second.post(url, {**form_second, "form-0-memo": "手渡し", "_save": "保存"})
    assert response.status_code == 200
    page = response.content.decode()
    assert REFUSED in page and "相手が保存した値：百貨店から" in page
    assert FormControls(page, "changelist-form").data["form-0-memo"] == "手渡し"
    row.refresh_from_db()
    assert row.memo == "百貨店から"


# --- a list toggle and a card ----------------------------------------------------------------------------
def toggle(client, customer, field, value):
    return client.post(reverse("admin:crm_customer_toggle_check", args=[customer.pk]),
                       {"field": field, "value": "1" if value else "0"})


def test_i24_3_a_toggle_between_opening_and_saving_a_card_is_not_put_back(world):
    customer = world.customer_a
    card, lister = ja_client(world.users["hq_admin"]), ja_client(world.users["branch_a"])
    data = opened(card, card_url(customer), "customer_form")
    assert "check1" not in data
    assert toggle(lister, customer, "check1", True).status_code == 200
    response = card.post(card_url(customer), {**data, "remark1": "来店", "_save": "1"})
    assert response.status_code == 200 and REFUSED in response.content.decode()
    customer.refresh_from_db()
    assert customer.check1 and customer.remark1 != "来店"  # the toggle stands; the card is still on screen
    # saved again after checking (the box now shown as the other person left it), neither is lost
    shown = FormControls(response.content.decode(), "customer_form").data
    response = card.post(card_url(customer), {**shown, "check1": "on", "_save": "1"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.check1 and customer.remark1 == "来店"


def test_i24_3_a_card_saved_before_a_toggle_keeps_both_and_a_stale_toggle_is_refused(world):
    customer = world.customer_a
    card, lister = ja_client(world.users["hq_admin"]), ja_client(world.users["branch_a"])
    data = opened(card, card_url(customer), "customer_form")
    assert card.post(card_url(customer), {**data, "remark1": "来店", "_save": "1"}).status_code == 302
    assert toggle(lister, customer, "check2", True).status_code == 200
    customer.refresh_from_db()
    assert customer.check2 and customer.remark1 == "来店"
    # a second list, shown before the first toggle, ticks the same box: refused, the value as it is
    response = toggle(card, customer, "check2", True)
    assert response.status_code == 409
    assert "他の人" in response.json()["error"] and response.json()["value"] is True


# --- the write itself: two saves that both passed their form's check -------------------------------------
def test_i24_3_of_two_saves_that_read_the_same_version_the_conditional_update_lets_one_through(world):
    user = world.users["hq_admin"]
    one, other = Customer.objects.get(pk=world.customer_a.pk), Customer.objects.get(pk=world.customer_a.pk)
    one.company_name, other.company_name = "先の会社", "後の会社"
    services.customer_save(customer=one, user=user)
    with pytest.raises(locking.StaleWrite):
        services.customer_save(customer=other, user=user)
    stored = Customer.objects.get(pk=world.customer_a.pk)
    assert stored.company_name == "先の会社" and stored.version == 2


def test_i24_3_bulk_changes_and_row_moves_raise_the_version(world):
    customer = world.customer_a
    card = ja_client(world.users["hq_admin"])
    data = opened(card, card_url(customer), "customer_form")
    services.customers_bulk_update(queryset=Customer.objects.filter(pk=customer.pk),
                                   values={"company_name": "一括の社名"}, user=world.users["hq_admin"])
    response = card.post(card_url(customer), {**data, "remark1": "来店", "_save": "1"})
    assert response.status_code == 200 and REFUSED in response.content.decode()
    customer.refresh_from_db()
    assert customer.company_name == "一括の社名"
    from crm import bulk_write

    contact = ContactHistoryFactory(customer=customer)
    contact.customer = world.customer_b
    bulk_write.update_records([contact], ["customer"], user=world.users["hq_admin"], reason="名寄せ")
    assert ContactHistory.objects.get(pk=contact.pk).version == 2
    link = EventLinkFactory(event=EventFactory(), customer=customer)
    assert EventLink.objects.get(pk=link.pk).version == 1


# --- a merge --------------------------------------------------------------------------------------------
def test_i24_3_a_customer_saved_after_the_merge_screen_was_opened_is_not_merged(world):
    from dataio.models import DuplicateGroup
    from jobs.models import Job
    from tests.factories import CustomerFactory

    keep = CustomerFactory(branch=world.branch_a, last_name="山本", first_name="花子", tel="03-5555-0000")
    other = CustomerFactory(branch=world.branch_a, last_name="山本", first_name="花子", tel="03-5555-0000")
    job = Job.objects.create(kind="find_duplicates", owner=world.users["hq_admin"], title="名寄せ")
    group = DuplicateGroup.objects.create(job=job, position=1, customer_ids=[keep.pk, other.pk], size=2)
    url = reverse("admin:dataio_duplicategroup_change", args=[group.pk])
    client = ja_client(world.users["hq_admin"])
    page = client.get(url).content.decode()
    assert f'name="version_{other.pk}" value="1"' in page
    # someone saves one of them meanwhile
    changed = Customer.objects.get(pk=other.pk)
    changed.company_name = "その間の社名"
    services.customer_save(customer=changed, user=world.users["branch_a"])
    response = client.post(url, {"survivor": keep.pk, "merge": [keep.pk, other.pk], "f_company_name": other.pk,
                                 f"version_{keep.pk}": "1", f"version_{other.pk}": "1"}, follow=True)
    assert "統合していません" in response.content.decode()
    assert Customer.objects.filter(pk__in=[keep.pk, other.pk]).count() == 2
    assert Customer.objects.get(pk=keep.pk).company_name != "その間の社名"


# --- a bulk change ----------------------------------------------------------------------------------------
def test_i24_3_a_bulk_change_whose_customers_changed_since_its_confirmation_is_refused(world):
    import re

    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    customer = world.customer_a
    client = ja_client(world.users["branch_a"])
    chosen = {"action": "update_company_block", ACTION_CHECKBOX_NAME: [str(customer.pk)], "reason": "社名変更"}
    page = client.post(reverse("admin:crm_customer_changelist"), chosen).content.decode()
    seen = re.search(r'name="seen_versions" value="([^"]+)"', page).group(1)
    # someone saves the customer meanwhile
    changed = Customer.objects.get(pk=customer.pk)
    changed.company_name = "その間の社名"
    services.customer_save(customer=changed, user=world.users["hq_admin"])
    applied = {**chosen, "apply": "1", "seen_versions": seen, "change_company_name": "on", "company_name": "一括の社名"}
    response = client.post(reverse("admin:crm_customer_changelist"), applied)
    page = response.content.decode()
    assert response.status_code == 200 and "変更していません" in page and "一括の社名" in page
    assert Customer.objects.get(pk=customer.pk).company_name == "その間の社名"
    # applied again from the page shown now: done
    seen = re.search(r'name="seen_versions" value="([^"]+)"', page).group(1)
    response = client.post(reverse("admin:crm_customer_changelist"), {**applied, "seen_versions": seen})
    assert Customer.objects.get(pk=customer.pk).company_name == "一括の社名"
