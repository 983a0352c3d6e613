"""What the web forms add to the core, registered with crm's registry (crm/extensions.py): their
settings screen is 管理者's only; a form belongs to a branch (its new customers go there), so a 管理者
limited to branches sees the forms of those branches only."""

from __future__ import annotations

from crm import extensions, permissions


def register() -> None:
    extensions.grant(extensions.ADMIN, ["inquiry.*"])
    permissions.register_scope("inquiry.InquiryForm", branch_field="branch")
