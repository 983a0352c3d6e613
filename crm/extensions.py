"""What feature apps add to the customer core: the one place crm asks instead of importing them.

The core (crm) never imports a feature app (dataio, printouts, events, scheduling, orders …).
A feature registers here from its AppConfig.ready(), and the core calls what is registered,
explicitly, in a fixed order (registration order, i.e. INSTALLED_APPS order, unless an entry
gives its own `order`); errors are not swallowed. No Django signals. jobs/registry.py has the
same shape for background jobs.

    from crm import extensions

    class OrdersConfig(AppConfig):
        def ready(self):
            extensions.on_customers_written(orders.reactions.customers_written)
            extensions.add_card_panel(extensions.CardPanel("orders", "orders/card_panel.html",
                                                            orders.panels.card_context, slot="records"))
            extensions.add_list_action(extensions.ListAction("add_to_order", orders.actions.add_to_order,
                                                             allowed=orders.permissions.may_order))
            extensions.grant(extensions.VIEW, ["orders.view_order"])

What can be registered (see docs/architecture.md, "The core's registry"):

- Reactions after customers are written (`on_customers_written`), merged (`on_customers_merged`)
  and deleted (`on_customers_deleted`): they run inside the writer's transaction, after the write.
- On the card: panels (`add_card_panel`: a template and a context function, in a slot) and
  annotations that ride on the query loading the card (`add_card_annotations`).
- On the home screen: panels (`add_home_panel`).
- On the list: actions (`add_list_action`: the changelist's action menu) and tools
  (`add_list_tool`: the links above the list).
- The card's save with an 適用日 (`set_customer_scheduler`): who keeps the change for that day.
- URLs under the customer admin (`add_customer_url`: /admin/crm/customer/<route>, name kept as given).
- Print kinds (`add_print_kind`) and export targets (`add_export_target`): what the print and
  export screens offer; their shape is the printouts' and dataio's own.
- Role grants (`grant`): which role gets which of a feature's permissions (crm.roles reads them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# --- reactions after customers are written, merged, deleted --------------------------------------


@dataclass(frozen=True)
class CustomersWritten:
    """Customers were created or changed (one by a person, or many by the bulk writer)."""

    ids: tuple[int, ...]
    user: Any = None
    reason: str = ""
    # the fields written, when known (None: any field may have changed)
    fields: frozenset[str] | None = None
    created: bool = False
    # the one customer a person saved (card, list toggle, scheduled change, merge, restore): notifications
    # follow it; None for the bulk writer's many rows and for rows hanging off a customer (family)
    customer: Any = None


@dataclass(frozen=True)
class CustomersMerged:
    """`merged_ids` were merged into `survivor` (their own rows already moved and the customers deleted),
    or, with `undone`, the merge was undone (they are back, with their rows)."""

    survivor: Any
    merged_ids: tuple[int, ...]
    user: Any = None
    undone: bool = False


@dataclass(frozen=True)
class CustomersDeleted:
    ids: tuple[int, ...]
    user: Any = None


_WRITTEN: list[Callable[[CustomersWritten], None]] = []
_MERGED: list[Callable[[CustomersMerged], None]] = []
_DELETED: list[Callable[[CustomersDeleted], None]] = []


def _add_once(registry: list, item) -> None:
    if item not in registry:  # ready() may run twice in tests; a reaction runs once
        registry.append(item)


def on_customers_written(reaction: Callable[[CustomersWritten], None]) -> Callable:
    _add_once(_WRITTEN, reaction)
    return reaction


def on_customers_merged(reaction: Callable[[CustomersMerged], None]) -> Callable:
    _add_once(_MERGED, reaction)
    return reaction


def on_customers_deleted(reaction: Callable[[CustomersDeleted], None]) -> Callable:
    _add_once(_DELETED, reaction)
    return reaction


def customers_written(written: CustomersWritten) -> None:
    """Called by crm.services and crm.bulk_write only, after the write, in its transaction."""
    for reaction in _WRITTEN:
        reaction(written)


def customers_merged(merged: CustomersMerged) -> None:
    for reaction in _MERGED:
        reaction(merged)


def customers_deleted(deleted: CustomersDeleted) -> None:
    for reaction in _DELETED:
        reaction(deleted)


# --- a customer's change kept for a later day (C11) -------------------------------------------------
_SCHEDULERS: list[Callable] = []


def set_customer_scheduler(schedule: Callable) -> None:
    """schedule(*, customer, user, effective_date, reason) -> the kept change (with .effective_date and
    .delete()); raises ValidationError when it cannot be kept. One app keeps them (scheduling)."""
    _SCHEDULERS[:] = [schedule]


def customer_scheduler() -> Callable | None:
    return _SCHEDULERS[0] if _SCHEDULERS else None


# --- the card and the home screen ------------------------------------------------------------------
CARD_TOP = "top"  # above the card's form (with 会社ブロックのコピー)
CARD_PEOPLE = "people"  # among the tables of people on the card (after 家族)


@dataclass(frozen=True)
class CardPanel:
    """A part of the customer card: `template` is included with the change form's context, updated with
    `context(request, customer, may_change=bool)`; a context of None leaves the panel out."""

    key: str
    template: str
    context: Callable[..., dict | None]
    slot: str = CARD_TOP
    order: int = 100


@dataclass(frozen=True)
class HomePanel:
    """A part of the home screen: `context(request)` -> dict (None: not shown)."""

    key: str
    template: str
    context: Callable[..., dict | None]
    order: int = 100


_CARD_PANELS: dict[str, CardPanel] = {}
_CARD_ANNOTATIONS: list[Callable[[Any], dict]] = []
_HOME_PANELS: dict[str, HomePanel] = {}


def add_card_panel(panel: CardPanel) -> None:
    _CARD_PANELS[panel.key] = panel


# A card annotation a feature may give (under this name): the customer's point balance, from its
# ledger. The card's summary (C9) then shows it as ポイント残高 instead of the purchases' 購買ポイント計,
# so the card has one number for ポイント.
CARD_POINT_BALANCE = "card_point_balance"


def add_card_annotations(annotations: Callable[[Any], dict]) -> None:
    """annotations(user) -> {name: expression}: they ride on the one query that loads the card
    (CARD_POINT_BALANCE among them, for the summary's ポイント残高)."""
    _add_once(_CARD_ANNOTATIONS, annotations)


def add_home_panel(panel: HomePanel) -> None:
    _HOME_PANELS[panel.key] = panel


def card_panels() -> list[CardPanel]:
    return sorted(_CARD_PANELS.values(), key=lambda p: p.order)


def card_annotations(user) -> dict:
    out = {}
    for annotations in _CARD_ANNOTATIONS:
        out.update(annotations(user))
    return out


def home_panels() -> list[HomePanel]:
    return sorted(_HOME_PANELS.values(), key=lambda p: p.order)


# --- the list ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ListAction:
    """An action of the customer list's menu: `function(modeladmin, request, queryset)` as Django's admin
    actions are (its description and permissions from @admin.action), offered when `allowed(request)`."""

    name: str  # the function's __name__ (Django's name for the action)
    function: Callable
    allowed: Callable[[Any], bool] = lambda request: True
    order: int = 100


@dataclass(frozen=True)
class ListTool:
    """A link above the customer list: `url(request, querystring)`; shown when `allowed(request)`."""

    key: str  # the link's HTML id
    label: Any
    url: Callable[[Any, str], str]
    allowed: Callable[[Any], bool] = lambda request: True
    order: int = 100
    # True: it acts on the whole result (出力, 印刷), shown in the result row (「この一覧の全N件に:」)
    whole_result: bool = False


_LIST_ACTIONS: dict[str, ListAction] = {}
_LIST_TOOLS: dict[str, ListTool] = {}


def add_list_action(action: ListAction) -> None:
    _LIST_ACTIONS[action.name] = action


def add_list_tool(tool: ListTool) -> None:
    _LIST_TOOLS[tool.key] = tool


def list_actions() -> list[ListAction]:
    return sorted(_LIST_ACTIONS.values(), key=lambda a: a.order)


def list_tools() -> list[ListTool]:
    return sorted(_LIST_TOOLS.values(), key=lambda t: t.order)


# --- URLs under the customer admin ------------------------------------------------------------------
@dataclass(frozen=True)
class CustomerUrl:
    """/admin/crm/customer/<route>, named `name` in the admin's namespace (admin:<name>).
    `view(request, *, model_admin, **kwargs)`: the customer admin is passed in, wrapped by admin_view.
    Read once, when the URLconf loads: register in AppConfig.ready()."""

    route: str
    view: Callable
    name: str


_CUSTOMER_URLS: dict[str, CustomerUrl] = {}


def add_customer_url(url: CustomerUrl) -> None:
    _CUSTOMER_URLS[url.name] = url


def customer_urls() -> list[CustomerUrl]:
    return list(_CUSTOMER_URLS.values())


# --- print kinds and export targets -----------------------------------------------------------------
@dataclass(frozen=True)
class PrintKind:
    """A kind of printout of customers: `draw(*, user, queryset, **options) -> (pdf bytes, count)`."""

    key: str
    label: Any
    draw: Callable
    order: int = 100


_PRINT_KINDS: dict[str, PrintKind] = {}
# key -> an export target (dataio.columns.Target's shape: key, model, title, columns(user) …)
EXPORT_TARGETS: dict[str, Any] = {}


def add_print_kind(kind: PrintKind) -> None:
    _PRINT_KINDS[kind.key] = kind


def print_kinds() -> dict[str, PrintKind]:
    return {kind.key: kind for kind in sorted(_PRINT_KINDS.values(), key=lambda k: k.order)}


def add_export_target(key: str, target) -> None:
    EXPORT_TARGETS[key] = target


# --- the advanced search's blocks of features (orders: 受注) -------------------------------------------
@dataclass(frozen=True)
class SearchBlock:
    """A block of conditions on the 検索画面 that a feature adds: `fields(user)` gives its form fields
    (names unique to the feature, e.g. "o_date_from"; a (from, to) pair as a tuple of two names in
    `layout`), `condition(cleaned_data, user)` the Q on Customer they ask for (None when none is given),
    shown when `allowed(user)`."""

    key: str
    title: Any
    fields: Callable[[Any], dict]
    layout: tuple  # field names and (from, to) pairs, in the screen's order
    condition: Callable[[dict, Any], Any]
    allowed: Callable[[Any], bool] = lambda user: True
    order: int = 100


_SEARCH_BLOCKS: dict[str, SearchBlock] = {}


def add_search_block(block: SearchBlock) -> None:
    _SEARCH_BLOCKS[block.key] = block


def search_blocks(user) -> list[SearchBlock]:
    return [block for block in all_search_blocks() if block.allowed(user)]


def all_search_blocks() -> list[SearchBlock]:
    """Every registered block, whoever may see it (the API describes all their conditions)."""
    return sorted(_SEARCH_BLOCKS.values(), key=lambda b: b.order)


# --- role grants -----------------------------------------------------------------------------------
# What a feature's permission stands for in the role matrix (crm.roles): VIEW goes to every role,
# WORK to the roles that edit customers, ADMIN to 管理者 only.
VIEW, WORK, ADMIN = "view", "edit", "settings"


@dataclass(frozen=True)
class Grant:
    capability: str
    permissions: tuple[str, ...]  # dotted codenames; "app.*" is every permission of the app


_GRANTS: list[Grant] = []


def grant(capability: str, permissions: Iterable[str]) -> None:
    if capability not in (VIEW, WORK, ADMIN):
        raise ValueError(f"unknown capability {capability!r}")
    _add_once(_GRANTS, Grant(capability, tuple(permissions)))


def granted(capability: str) -> list[str]:
    return [p for g in _GRANTS if g.capability == capability for p in g.permissions]
