"""The one place that resolves field labels, pulldown choices, hidden fields and the mode.

Every screen, export and printout asks here. The configuration is read from Django's cache
(one key, shared by every server process) and loaded at most once per request; saving a
FieldSetting or SystemSetting deletes the key, so the next request anywhere sees the change.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, field

from django.apps import apps
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.models.signals import post_delete, post_save
from django.utils.deconstruct import deconstructible
from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext

from . import defaults
from .rule_kinds import InputRule

CACHE_KEY = "fieldconfig:snapshot:v4"  # v4: date_display (J2) and the fields' input rules (C8)
# A safety net only: invalidation on save is what makes changes show at once.
CACHE_SECONDS = 300


@dataclass(frozen=True)
class FieldSpec:
    label: str = ""
    hidden: bool = False
    choices: tuple[str, ...] | None = None  # None: free text
    position: int = 0
    visible_to: int | None = None  # a group id: a restricted field (R3)
    rule: InputRule = InputRule()  # input rules (C8, fieldconfig.rules)


@dataclass(frozen=True)
class Snapshot:
    mode: str = defaults.CORPORATE
    code_width: int = 6
    company_name: str = ""
    date_display: str = "western"  # J2: "western" 2026/12/03 or "japanese" 令和8年12月3日 (crm.dates)
    fields: dict[tuple[str, str], FieldSpec] = field(default_factory=dict)
    # Indexes of `fields` by model, made once: every list column and form asks them.
    _hidden: dict[str, frozenset[str]] = field(init=False, repr=False, compare=False)
    _restricted: dict[str, dict[str, int]] = field(init=False, repr=False, compare=False)
    _rules: dict[str, dict[str, InputRule]] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        hidden: dict[str, set[str]] = {}
        restricted: dict[str, dict[str, int]] = {}
        rules: dict[str, dict[str, InputRule]] = {}
        for (model, name), spec in self.fields.items():
            if spec.hidden:
                hidden.setdefault(model, set()).add(name)
            if spec.visible_to:
                restricted.setdefault(model, {})[name] = spec.visible_to
            if spec.rule:
                rules.setdefault(model, {})[name] = spec.rule
        object.__setattr__(self, "_hidden", {m: frozenset(names) for m, names in hidden.items()})
        object.__setattr__(self, "_restricted", restricted)
        object.__setattr__(self, "_rules", rules)

    def spec(self, model: str, name: str) -> FieldSpec:
        return self.fields.get((model, name)) or FieldSpec()

    def label(self, model: str, name: str) -> str:
        override = self.spec(model, name).label
        if override:
            return override
        mode_default = defaults.MODE_LABELS.get(self.mode, {}).get(model, {}).get(name)
        default = mode_default or defaults.DEFAULT_LABELS.get(model, {}).get(name)
        return str(default) if default is not None else name

    def choice_label(self, model: str, name: str, value: str, default) -> str:
        mode_label = defaults.MODE_CHOICE_LABELS.get(self.mode, {}).get((model, name, value))
        return str(mode_label if mode_label is not None else default)

    def quick_search_help(self) -> str:
        """What the quick search reads (crm.models.Customer.QUICK_SEARCH_*), under the labels in force."""
        parts = [
            self.label("customer", "code"), gettext("Name"), gettext("Reading"),
            self.label("customer", "company_name"), self.label("customer", "address"),
            gettext("Phone (with or without hyphens)"), self.label("customer", "email"),
        ]
        return pgettext("list separator", ", ").join(parts)

    def hidden_fields(self, model: str) -> set[str]:
        return set(self._hidden.get(model, ()))

    def restricted_fields(self, model: str) -> dict[str, int]:
        """field name → the one group that may see it."""
        return dict(self._restricted.get(model, {}))

    def choices(self, model: str, name: str) -> tuple[str, ...] | None:
        return self.spec(model, name).choices

    def input_rules(self, model: str) -> dict[str, InputRule]:
        """field name → its input rules (C8), only the fields that have some."""
        return self._rules.get(model, {})

    @property
    def honorific(self) -> str:
        return "様" if self.mode == defaults.INDIVIDUAL else "御中"


class _RequestHolder:
    """Loaded on first use within a request, so pages that never show a label pay nothing."""

    def __init__(self):
        self.snapshot: Snapshot | None = None


_current: contextvars.ContextVar[_RequestHolder | None] = contextvars.ContextVar("fieldconfig", default=None)


def _build_snapshot() -> Snapshot:
    from .models import FieldSetting, SystemSetting

    system = SystemSetting.objects.first() or SystemSetting()
    fields = {
        (row.model, row.field_name): FieldSpec(
            label=row.label.strip(),
            hidden=row.hidden,
            choices=tuple(row.choice_list()) if row.input_type == FieldSetting.SELECT else None,
            position=row.position,
            visible_to=row.visible_to_id,
            rule=row.input_rule(),
        )
        for row in FieldSetting.objects.all()
    }
    return Snapshot(mode=system.mode, code_width=system.code_width, company_name=system.company_name,
                    date_display=system.date_display, fields=fields)


def _load() -> Snapshot:
    if not apps.ready:
        # Form classes declared at import time: no queries then. Forms refresh their labels
        # per instance (crm.forms.ConfiguredModelForm), so nothing shows these defaults.
        return Snapshot()
    try:
        if connection.in_atomic_block:
            # A savepoint, so that a missing table cannot poison the caller's transaction.
            with transaction.atomic():
                return _load_from_cache()
        return _load_from_cache()
    except DatabaseError:
        # Tables not migrated yet (first `migrate`, `check`): defaults are the truth then.
        return Snapshot()


def _load_from_cache() -> Snapshot:
    snapshot = cache.get(CACHE_KEY)
    if snapshot is None:
        snapshot = _build_snapshot()
        cache.add(CACHE_KEY, snapshot, CACHE_SECONDS)
    return snapshot


def config() -> Snapshot:
    holder = _current.get()
    if holder is None:
        return _load()
    if holder.snapshot is None:
        holder.snapshot = _load()
    return holder.snapshot


def begin_request() -> contextvars.Token:
    return _current.set(_RequestHolder())


def end_request(token: contextvars.Token) -> None:
    _current.reset(token)


@contextlib.contextmanager
def one_snapshot():
    """The configuration read once for a unit of work outside a request (a background job, a
    command): without it every label a row asks for is a cache read, with a savepoint inside
    a transaction (an import of 100,000 rows asked ~100,000 times). Changes made meanwhile
    apply from the next job, as from the next page for a request."""
    token = begin_request()
    try:
        yield
    finally:
        end_request(token)


@contextlib.contextmanager
def held_snapshot():
    """The snapshot of the surrounding request or job, or one for this unit of work: for code
    that must not query the configuration midway (the import's rows are parsed while a COPY
    holds the connection)."""
    if _current.get() is not None:
        config()  # loaded now, not midway
        yield
        return
    with one_snapshot():
        config()
        yield


def invalidate() -> None:
    try:
        cache.delete(CACHE_KEY)
    except DatabaseError:
        pass  # no cache table yet (the first migrate): nothing cached either
    holder = _current.get()
    if holder is not None:
        holder.snapshot = None


def label(model: str, name: str) -> str:
    return config().label(model, name)


def _choice_label(model: str, name: str, value: str, default) -> str:
    return config().choice_label(model, name, value, default)


def mode_choice(model: str, name: str, value: str, default):
    """A choice label that follows the mode (送付先 会社 / 勤務先), resolved whenever it is shown.

    Lazy like gettext_lazy, so TextChoices, forms, history and exports take it as they are;
    migrations record the default (corporate) text.
    """
    return lazy(_choice_label, str)(model, name, value, default)


def _quick_search_help() -> str:
    return config().quick_search_help()


# The quick search's hint (home screen, customer list, search screen), under the current labels.
quick_search_help = lazy(_quick_search_help, str)


@deconstructible
class ConfiguredLabel:
    """A verbose_name that is resolved through this module each time it is shown.

    Model fields carry it, so the admin's column headers, form labels, error messages and
    history diffs all show the configured label with no per-screen code. Migrations see only
    (model, field), which never changes.
    """

    def __init__(self, model: str, name: str):
        self.model = model
        self.name = name

    def __str__(self) -> str:
        return label(self.model, self.name)

    def __repr__(self) -> str:
        return f"ConfiguredLabel({self.model!r}, {self.name!r})"

    def __eq__(self, other):
        if isinstance(other, ConfiguredLabel):
            return (self.model, self.name) == (other.model, other.name)
        return str(self) == other

    def __hash__(self):
        return hash((self.model, self.name))

    def __bool__(self):
        return True

    def __add__(self, other):
        return str(self) + str(other)

    def __radd__(self, other):
        return str(other) + str(self)

    def __getattr__(self, attr):
        # Behave as the string it stands for (.upper(), .replace() ...), but never for
        # dunder probes made by copy/pickle before __init__ has run.
        if attr.startswith("__") or attr in ("model", "name"):
            raise AttributeError(attr)
        return getattr(str(self), attr)


def _on_change(sender, **kwargs):
    invalidate()
    transaction.on_commit(invalidate)


def connect_invalidation() -> None:
    """Called from AppConfig.ready(): the cache is cleared right next to where it is read."""
    from .models import FieldSetting, SystemSetting

    for model in (FieldSetting, SystemSetting):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"fieldconfig-save-{model.__name__}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"fieldconfig-delete-{model.__name__}")
