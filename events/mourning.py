"""喪中 and "the same person" for business events (E5, E9).

Who a link's mail goes to is a *target*: (customer id, family member id or None). Its person key
is the 名寄せ's definition of the same person (crm.identity): the normalized name and the
normalized address, e.g. 「田中　太郎」「東京都渋谷区一丁目2番3号」 = 「田中太郎」「東京都渋谷区1-2-3」.
A family member is their own name at the customer's address. Without a name or an address
there is no key (no card can be addressed anyway), and no duplicate is detected.

Everything here reads whole selections in a few queries (chunks of ids), never one query per
customer: linking 10,000 customers stays a handful of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from crm import identity, normalize, permissions
from crm.bulk_write import Table, Writer, set_derived
from crm.models import Customer, FamilyMember

from .models import Event, EventLink, Mourning

Target = tuple[int, int | None]
CHUNK = 5000
CUSTOMER_FIELDS = ["id", "last_name", "first_name", "company_name", "send_to", "address", "building",
                   "contact_address", "contact_building", "last_name_kana", "first_name_kana"]


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _mail_address(row: dict) -> str:
    """The address the mail goes to (printouts.addressing.recipient's choice), normalized."""
    if row["send_to"] == Customer.SendTo.CONTACT and row["contact_address"]:
        return identity.address_key(row["contact_address"], row["contact_building"])
    return identity.address_key(row["address"], row["building"])


def _key(name: str, address: str) -> str:
    return f"{name}|{address}" if name and address else ""


@dataclass
class Person:
    key: str
    name: str  # as the messages show it: 「田中　太郎」
    reading: tuple[str, str] = ("", "")  # the customer's (a family member's row sorts as its customer)

    def copies(self) -> dict:
        """What a link to this person keeps of them (refresh_link_copies keeps it in step)."""
        return {"person_key": self.key, "customer_last_kana": self.reading[0], "customer_first_kana": self.reading[1]}


def people(targets: list[Target]) -> dict[Target, Person]:
    """The person key and display name of each target: one query per 5,000 customers and one per
    5,000 family members."""
    customer_ids = sorted({cid for cid, _fid in targets})
    family_ids = sorted({fid for _cid, fid in targets if fid})
    customers = {}
    for chunk in _chunks(customer_ids):
        for row in Customer.objects.filter(pk__in=chunk).values(*CUSTOMER_FIELDS):
            customers[row["id"]] = row
    family = {}
    for chunk in _chunks(family_ids):
        for row in FamilyMember.objects.filter(pk__in=chunk).values("id", "customer_id", "name"):
            family[row["id"]] = row
    out = {}
    for target in targets:
        cid, fid = target
        row = customers.get(cid)
        if row is None:
            continue
        address = _mail_address(row)
        reading = (row["last_name_kana"], row["first_name_kana"])
        if fid:
            member = family.get(fid)
            if member is None or member["customer_id"] != cid:
                continue
            out[target] = Person(_key(normalize.normalize_text(member["name"]), address), member["name"], reading)
        else:
            person = f"{row['last_name']}\u3000{row['first_name']}".strip("\u3000")
            name = identity.name_key(row) if person else identity.company_key(row["company_name"])
            out[target] = Person(_key(name, address), person or row["company_name"], reading)
    return out


COPIES = ("person_key", "customer_last_kana", "customer_first_kana")  # a link's fields that Person.copies() fills
# What links copy from their customer (people()): a write on one of these fields changes the copies.
COPIED_FIELDS = frozenset(CUSTOMER_FIELDS) - {"id"}


def refresh_link_copies(customer_ids) -> int:
    """Keep what these customers' links (their own rows and their family members') copy from them in
    step after a write on the customers (crm.services.customer_save, crm.bulk_write.CustomerWrites.update):
    `person_key` (names and address) and the reading the list is sorted by. Per 5,000 customers: one
    query reading their links, and only when there are links the values computed as plan() writes
    them (people(): one query for the customers, one for the family members); the changed rows are
    written in one statement (crm.bulk_write, no history: the values are derived). Returns how many
    links changed."""
    table = Table(EventLink)
    changed = []
    for chunk in _chunks(sorted(set(customer_ids))):
        links = list(EventLink.objects.filter(customer_id__in=chunk).order_by()
                     .values_list("id", "customer_id", "family_member_id", *COPIES))
        if not links:
            continue
        found = people([(cid, fid) for _pk, cid, fid, *_copies in links])
        for pk, cid, fid, *copies in links:
            person = found.get((cid, fid))
            fresh = person.copies() if person else dict.fromkeys(COPIES, "")
            if [fresh[name] for name in COPIES] != copies:
                changed.append(table.row(id=pk, **fresh))
    Writer(connection).update(table, changed, list(COPIES))
    return len(changed)


# --- 喪中 -----------------------------------------------------------------------------------------
def in_mourning(targets: list[Target], year: int) -> set[Target]:
    """The targets in mourning for `year`: a record for the household (no family member) covers
    the customer and every family member; one for a family member covers that member."""
    customer_ids = sorted({cid for cid, _fid in targets})
    households, members = set(), set()
    for chunk in _chunks(customer_ids):
        for cid, fid in Mourning.objects.filter(year=year, customer_id__in=chunk).values_list("customer_id",
                                                                                             "family_member_id"):
            (members.add((cid, fid)) if fid else households.add(cid))
    return {t for t in targets if t[0] in households or (t[1] and t in members)}


def mourning_q(year: int, prefix: str = "") -> Q:
    """Links (or rows with customer / family_member at `prefix`) in mourning for `year`, as a filter."""
    household = Mourning.objects.filter(year=year, customer_id=OuterRef(f"{prefix}customer_id"),
                                        family_member__isnull=True)
    member = Mourning.objects.filter(year=year, customer_id=OuterRef(f"{prefix}customer_id"),
                                     family_member_id=OuterRef(f"{prefix}family_member_id"))
    return Q(Exists(household)) | Q(Exists(member))


def refresh_link_flags(links, year: int) -> None:
    """The 喪中 column of new-year-card lists of `year` follows the mourning records (`links`: a
    queryset of links, e.g. one customer's or one event's): two UPDATEs."""
    links = links.filter(event__kind=Event.Kind.NEW_YEAR_CARD, event__year=year)
    set_derived(links.filter(mourning_q(year)).exclude(mourning=True), mourning=True)
    set_derived(links.exclude(mourning_q(year)).exclude(mourning=False), mourning=False)


# --- one person, one list per kind and year (across departments) ------------------------------------
@dataclass
class Conflict:
    target: Target
    name: str
    department: str
    event: str
    event_id: int = 0
    # whether the user who adds the person may open that event (a branch's event: only its branch's
    # people); the message names the event and its department only then
    visible: bool = False

    def message(self) -> str:
        if not self.visible:
            return _("%(name)s 様 is already on another list of this kind and year.") % {"name": self.name}
        return _("%(name)s 様 is already on 「%(event)s」 of %(department)s.") % {
            "name": self.name, "event": self.event, "department": self.department}


def other_departments_links(event: Event):
    """Links of the other departments' events of the event's kind and year (E5)."""
    links = EventLink.objects.filter(event__kind=event.kind, event__year=event.year).exclude(event_id=event.pk)
    if event.department_id is None:
        return links.filter(event__department__isnull=False)
    return links.exclude(event__department_id=event.department_id)


def conflicts(event: Event, found: dict[Target, Person], user=None) -> list[Conflict]:
    """The targets already on another department's list of this kind and year, by person key:
    one query per 5,000 keys on the indexed person_key, and one for which of those events `user`
    may open (crm.permissions' branch scope, as events.services.visible_events)."""
    if event.kind not in Event.ONE_PER_PERSON_KINDS:
        return []
    by_key: dict[str, list[Target]] = defaultdict(list)
    for target, person in found.items():
        if person.key:
            by_key[person.key].append(target)
    taken: dict[str, tuple[str, str, int]] = {}
    others = other_departments_links(event)
    for chunk in _chunks(sorted(by_key)):
        rows = others.filter(person_key__in=chunk).values_list("person_key", "event__department__name",
                                                               "event__name", "event__year", "event_id")
        for key, department, name, year, event_id in rows.order_by("event_id"):
            event_name = name if str(year) in name else f"{year}年 {name}"
            taken.setdefault(key, (department or _("No department"), event_name, event_id))
    event_ids = {event_id for _department, _name, event_id in taken.values()}
    visible = set()
    if user is not None and event_ids:
        visible = set(Event.objects.filter(pk__in=event_ids).filter(permissions.branch_owned_filter(user))
                      .values_list("pk", flat=True))
    out = []
    for key, (department, event_name, event_id) in taken.items():
        for target in by_key[key]:
            out.append(Conflict(target, found[target].name, department, event_name, event_id, event_id in visible))
    return out


@dataclass
class Plan:
    """What a write to an event's list will do: the targets to add with their keys, and those left out."""

    add: list[tuple[Target, Person | None]] = field(default_factory=list)
    already: int = 0
    mourning: list[Target] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    def skipped_text(self) -> str:
        """「喪中のため 2 名を除きました。…は 営業部 の「2027年 年賀状」に登録済みです。」, or "": an event
        the user may not open is not named (「…は同じ年・種類の別の一覧に登録済みです。」)."""
        parts = []
        if self.mourning:
            parts.append(_("%(count)s in mourning (喪中) for %(year)s were left out.")
                         % {"count": len(self.mourning), "year": self.year})
        shown = self.conflicts[:5]
        parts += [c.message() for c in shown]
        if len(self.conflicts) > len(shown):
            parts.append(_("%(count)s more are on other departments' lists.")
                         % {"count": len(self.conflicts) - len(shown)})
        return " ".join(parts)

    year: int = 0


def plan(event: Event, targets: list[Target], *, user=None, skip_mourning: bool | None = None) -> Plan:
    """Which of `targets` go onto the event's list: not those already on it, not those in mourning
    for a new-year-card event's year, not those on another department's list of its kind and year
    (named in the plan's text only when `user` may open that list)."""
    result = Plan(year=event.year)
    targets = list(dict.fromkeys(targets))
    existing = set(EventLink.objects.filter(event=event).values_list("customer_id", "family_member_id"))
    fresh = [t for t in targets if t not in existing]
    result.already = len(targets) - len(fresh)
    if skip_mourning is None:
        skip_mourning = event.kind == Event.Kind.NEW_YEAR_CARD
    if skip_mourning:
        mourning = in_mourning(fresh, event.year)
        result.mourning = [t for t in fresh if t in mourning]
        fresh = [t for t in fresh if t not in mourning]
    found = people(fresh)
    result.conflicts = conflicts(event, found, user)
    refused = {c.target for c in result.conflicts}
    result.add = [(t, found.get(t)) for t in fresh if t not in refused]
    return result
