"""What the API adds to the core, registered with crm's registry (crm/extensions.py): its screens
(clients and tokens) are 管理者's only."""

from __future__ import annotations

from crm import extensions


def register() -> None:
    extensions.grant(extensions.ADMIN, ["api.*"])
