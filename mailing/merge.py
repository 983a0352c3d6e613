"""Merge fields of a bulk mail (W4): {{氏名}} and the customer's fields under the labels the office set
on 項目名設定 ({{会社名}}, {{担当者}} …).

A template is checked against its sender before anything is sent: a merge field that does not exist, or
that names a field the sender may not see (restricted to a group, or unused), is refused, named, and
the mail is not sent. So a restricted field never reaches a mail, whoever sends it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from crm import naming, permissions
from crm.models import Customer
from fieldconfig import defaults
from fieldconfig.lookup import label

FIELD = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
# 氏名: the name as a letter to the customer opens, with 様 / 御中 by the honorific rule (crm.naming)
ADDRESSEE = "氏名"
ADDRESSEE_NEEDS = ("last_name", "first_name", "company_name")
# the customer's fields a mail may carry, by their configured label
MERGEABLE = ["code", "last_name", "first_name", "last_name_kana", "first_name_kana", "company_name", "department",
             "title", "industry", "postal_code", "address", "building", "tel", "mobile", "fax", "email", "branch",
             "category", "staff_department", "staff",
             *[f"remark{i}" for i in range(1, defaults.REMARK_COUNT + 1)]]
RELATED = ["branch", "category", "staff_department", "staff"]


class Refused(Exception):
    """The template names merge fields it may not: `problems` are Japanese sentences naming each."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def fields_by_label() -> dict[str, str]:
    """{label: field name} under the current configuration; 氏名 first (a field labelled 氏名 is not
    reachable as a merge field: the addressee is)."""
    out = {ADDRESSEE: ""}
    for name in MERGEABLE:
        out.setdefault(str(label("customer", name)), name)
    return out


def names_in(*texts: str) -> list[str]:
    seen: list[str] = []
    for text in texts:
        for match in FIELD.finditer(text or ""):
            if match.group(1) not in seen:
                seen.append(match.group(1))
    return seen


@dataclass(frozen=True)
class Template:
    subject: str
    body: str

    def fields(self) -> list[str]:
        return names_in(self.subject, self.body)


def check(template: Template, user) -> dict[str, str]:
    """{merge name: field name ("" for 氏名)} the template uses, or Refused naming every merge field it
    may not use: unknown, or a field `user` may not see."""
    known = fields_by_label()
    hidden = permissions.invisible_fields(user, Customer)
    problems, used = [], {}
    for name in template.fields():
        field = known.get(name)
        if field is None:
            problems.append(_("The merge field {{%(name)s}} does not exist.") % {"name": name})
        elif (field == "" and {"last_name", "first_name"} & hidden) or (field and field in hidden):
            problems.append(_("The merge field {{%(name)s}} is a field you may not see: it cannot be used.")
                            % {"name": name})
        else:
            used[name] = field
    for text in (template.subject, template.body):
        if (text or "").count("{{") != len(FIELD.findall(text or "")):
            problems.append(_("A merge field is not closed: write it as {{氏名}}."))
            break
    if problems:
        raise Refused(problems)
    return used


def _value(customer, field: str, hidden: set[str]) -> str:
    if field == "":
        return naming.addressee(customer, hidden=frozenset(hidden & set(ADDRESSEE_NEEDS)))
    value = getattr(customer, field)
    if value is None:
        return ""
    return str(value)


def render(template: Template, customer, *, used: dict[str, str], hidden: set[str]) -> tuple[str, str]:
    """(subject, body) for one customer; `used` from check(), `hidden` the sender's invisible fields."""
    def fill(text: str) -> str:
        return FIELD.sub(lambda m: _value(customer, used[m.group(1)], hidden), text)

    return fill(template.subject).replace("\n", " ").strip()[:200], fill(template.body)


def select_related_for(used: dict[str, str]) -> list[str]:
    return [f for f in used.values() if f in RELATED]
