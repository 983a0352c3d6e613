"""Screens of business events (E1), their customer lists (E2), carry-over (E3) and the gift master (E4),
all on crm's shared admin base: branch scope, restricted fields, history and audit as everywhere."""

from __future__ import annotations

import copy

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.db.models.utils import get_blank_choice_label
from django.forms.models import BaseModelFormSet
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit import events as audit_events
from crm import dates, locking, naming, permissions
from crm import permission_codes as codes
from crm.admin.base import CustomerChildAdmin, KokyakuAdmin, ScopedBranchFilter, reads
from crm.admin.pagination import SortedIdsPaginator

from . import family_action, outputs, services
from .actions import event_links_url, linked_response
from .models import Event, EventLink, GiftItem, Mourning
from .widgets import direct


class ScopedEventFilter(admin.RelatedFieldListFilter):
    """Only the events the user may see, newest year first."""

    def field_choices(self, field, request, model_admin):
        return [(e.pk, str(e)) for e in services.visible_events(request.user)]

    def has_output(self):
        # Django drops a filter with a single choice, and its condition with it: the list of the
        # only event would then be read without `event_id = …`, past the index of the event's rows.
        return True


# --- 贈答品マスタ (E4) -----------------------------------------------------------------------
@admin.register(GiftItem)
class GiftItemAdmin(KokyakuAdmin):
    list_display = ["year", "season", "rank", "name", "price_display"]
    list_filter = ["year", "season"]
    search_fields = ["name", "rank"]
    ordering = ["-year", "season", "rank", "name"]

    @admin.display(description=gettext_lazy("Price"), ordering="price")
    def price_display(self, obj):
        return f"¥{obj.price:,.0f}"


# --- 業務イベント (E1, E3) ---------------------------------------------------------------------
class CarryOverForm(forms.Form):
    """次の年度に引き継ぐ (E3): to a later year than the source's, the new event named for that year."""

    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1900, max_value=2999)
    name = forms.CharField(label=gettext_lazy("Event name"), max_length=200)
    only_responded = forms.BooleanField(
        label=gettext_lazy("Only those who responded (受 ticked or attendance answered)"), required=False)
    skip_mourning = forms.BooleanField(label=gettext_lazy("Leave out those in mourning (喪中)"), required=False,
                                       initial=True)

    def __init__(self, *args, source: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year <= self.source.year:  # issue 22, point 16: never into the same or an earlier year
            raise ValidationError(_("Enter a year after %(year)s: an event is carried over to a later year.")
                                  % {"year": self.source.year})
        return year

    def clean(self):
        data = super().clean()
        if data.get("year") and data.get("name"):
            data["name"] = services.event_name_for_year(data["name"], source=self.source, year=data["year"])
        return data


@admin.register(Event)
class EventAdmin(KokyakuAdmin):
    list_display = ["year", "kind", "name", "status", "department", "branch_display", "links_cell"]
    list_display_links = ["name"]
    list_filter = ["year", "kind", "status", "department", ("branch", ScopedBranchFilter)]
    search_fields = ["name"]
    list_select_related = ["department", "branch"]
    ordering = ["-year", "kind", "name", "id"]
    fields = ["kind", "year", "name", "status", "department", "branch", "carried_from"]
    readonly_fields = ["carried_from"]
    change_form_after_template = "events/event_summary.html"
    change_form_outer_after_template = "events/event_winter_greetings.html"

    def get_queryset(self, request):
        queryset = services.visible_events(request.user, super().get_queryset(request))
        return queryset.annotate(link_count=Count("links", filter=services.link_scope_q(request.user)))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "branch":
            kwargs["queryset"] = permissions.visible_branches(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("Branch"), ordering="branch__position")
    def branch_display(self, obj):
        return obj.branch.name if obj.branch_id else _("All branches")

    @admin.display(description=gettext_lazy("Customers"), ordering="link_count")
    def links_cell(self, obj):
        url = event_links_url(obj)
        return format_html('<a href="{}" class="text-primary-600 underline">{}</a>', url,
                           _("%(count)s customers") % {"count": f"{obj.link_count:,}"})

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [path("<path:object_id>/carry-over/", wrap(self.carry_over_view), name="events_event_carry_over"),
                path("<path:object_id>/winter-greetings/", wrap(self.winter_greetings_view),
                     name="events_event_winter_greetings"),
                ] + super().get_urls()

    def winter_greetings_view(self, request, object_id):
        """「寒中見舞いリストを作成」 (E5): a POST from the new-year-card event's page."""
        event = self._visible_or_404(request, object_id)
        if request.method != "POST":
            return redirect(reverse("admin:events_event_change", args=[event.pk]))
        try:
            target, planned = services.event_winter_greetings(event=event, user=request.user, request=request)
        except services.EventRefused as refused:
            messages.error(request, str(refused))
            return redirect(reverse("admin:events_event_change", args=[event.pk]))
        text = _("%(added)s people in mourning were put on 「%(event)s」.") % {"added": len(planned.add),
                                                                             "event": target}
        return linked_response(request, target, text, already=planned.already, plan=planned)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        event = self._visible_or_404(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "event_totals": outputs.event_totals(request.user, event),  # E6: one grouped query
            "event_outputs": outputs.output_links(outputs.EventSelection(event=event)),
            # what other features add (mailing: 一括メール), by their own check
            "event_more_outputs": outputs.more_output_links(request.user, outputs.EventSelection(event=event)),
            "event_may_print": permissions.can_print(request.user),
            "event_may_export": request.user.has_perm(codes.EXPORT_CUSTOMERS),
            "event_links_url": event_links_url(event),
            "event_carry_over_url": reverse("admin:events_event_carry_over", args=[event.pk])
            if self.may_carry_over(request) else "",
            "event_winter_greetings_url": reverse("admin:events_event_winter_greetings", args=[event.pk])
            if event.kind == Event.Kind.NEW_YEAR_CARD and request.user.has_perm(services.LINK_PERMISSION) else "",
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def may_carry_over(self, request) -> bool:
        return self.has_add_permission(request) and services.manages_events(request.user)

    def carry_over_view(self, request, object_id):
        """前年から引き継ぐ (E3): a new event of another year from this one, with its customers."""
        source = self._visible_or_404(request, object_id)
        if not self.may_carry_over(request):
            raise PermissionDenied
        initial = {"year": source.year + 1, "skip_mourning": True,
                   "name": services.event_name_for_year(source.name, source=source, year=source.year + 1)}
        form = CarryOverForm(request.POST or None, initial=initial, source=source)
        if request.method == "POST" and form.is_valid():
            report = {}
            try:
                target, count = services.event_carry_over(source=source, user=request.user, request=request,
                                                          report=report, **form.cleaned_data)
            except services.EventRefused as refused:
                form.add_error(None, str(refused))
            else:
                text = (_("「%(target)s」 was made from 「%(source)s」 with %(count)s customers.")
                        % {"target": target, "source": source, "count": f"{count:,}"})
                messages.success(request, text)
                if report["plan"].skipped_text():
                    messages.warning(request, report["plan"].skipped_text())
                return redirect(reverse("admin:events_event_change", args=[target.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Carry over 「%(event)s」 to a new year") % {"event": source},
            "opts": self.model._meta, "original": source, "form": form,
            "source_count": services.visible_links(request.user, source.links.all()).count(),
        }
        return TemplateResponse(request, "events/carry_over.html", context)


# --- 業務イベントの顧客一覧 (E2, E4) ------------------------------------------------------------------
# Widths of the fields edited in the list's rows (the card's widgets fill a whole column).
LINK_WIDGET_STYLES = {"attendance": "width:6.5em", "sent_on": "width:8.5em", "received_on": "width:8.5em",
                      "gift": "width:13em", "gift_price": "width:6.5em", "memo": "width:7.5em"}


class LinkChangelistForm(forms.ModelForm):
    """A row of the event's list, edited in place: a completed event's rows stay as they are."""

    def clean(self):
        data = super().clean()
        if self.has_changed() and self.instance.pk and self.instance.event.status == Event.Status.DONE:
            raise ValidationError(_("「%(event)s」 is completed: its list can no longer be changed.")
                                  % {"event": self.instance.event})
        return data


class RowFields(dict):
    """A row form's base_fields whose copy for each of the page's fifty forms is cheap: each field
    and widget copied with its own attrs, error messages and validators (what Django's deep copy
    gives a form to change), the choices and querysets shared, being only read."""

    def __deepcopy__(self, memo):
        fields = {}
        for name, field in self.items():
            if isinstance(field, forms.MultiValueField):
                fields[name] = copy.deepcopy(field, memo)
                continue
            new = copy.copy(field)
            new.widget = copy.copy(field.widget)
            new.widget.attrs = field.widget.attrs.copy()
            new.error_messages = field.error_messages.copy()
            new.validators = field.validators[:]
            fields[name] = new
        return fields


class LinkFormSet(BaseModelFormSet):
    """The rows' formset. Saved (POST), a form per posted row, as Django's change list does; the rows
    are read with what each row's form and permission check read (its event, last year's gift).
    Shown (GET), its row forms are never built (events.link_table draws the cells from the rows):
    what Django's change list asks of it, its media and whether it posts files, is answered by one
    form without a row, as Django answers for a formset without forms."""

    def __init__(self, data=None, files=None, *args, queryset=None, **kwargs):
        if data is not None and queryset is not None:
            queryset = queryset.select_related("event", "previous_gift")
        super().__init__(data, files, *args, queryset=queryset, **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        pk = form.fields.get(self.model._meta.pk.name)
        if pk is not None:
            pk.widget = direct(pk.widget)

    @cached_property
    def form_without_row(self):
        return self.empty_form

    @property
    def media(self):
        return super().media if self.is_bound else self.form_without_row.media

    def is_multipart(self):
        return super().is_multipart() if self.is_bound else self.form_without_row.is_multipart()

    def __getitem__(self, index):
        # The template engine tries `formset["errors"]` before `formset.errors` (unfold's
        # change_list.html): a name is no row's index, refused before every row's form is built for it.
        if isinstance(index, str):
            raise TypeError(f"formset indices must be integers, not {index!r}")
        return super().__getitem__(index)


@admin.register(EventLink)
class EventLinkAdmin(outputs.EventOutputActions, CustomerChildAdmin):
    """イベント対象者: the customers of an event, with what its kind records edited in place (Event.LINK_FIELDS).

    Django's change list through its public hooks: the columns (get_list_display: the customer's,
    then the event's kind's), the fields edited in place (list_editable on the page's ChangeList,
    get_changelist_formset), the table drawn by its own template (events.link_table). The list of
    every event (no event chosen) and a completed event's list edit nothing in place."""

    # every column any kind shows; get_list_display picks the customer's and the event's kind's
    list_display = ["code_cell", "name_cell", "place_cell", "company_cell", "address_cell", "attendance", "sent",
                    "sent_on", "received", "received_on", "gift", "gift_price", "mourning", "memo"]
    customer_columns = ["code_cell", "name_cell", "place_cell"]
    list_display_links = ["code_cell"]
    list_editable = ["attendance", "sent", "sent_on", "received", "received_on", "gift", "gift_price", "mourning",
                     "memo"]
    list_filter = [("event", ScopedEventFilter), "attendance", "sent", "received", "mourning"]
    search_fields = ["customer__code", "customer__last_name", "customer__first_name", "customer__last_name_kana",
                     "customer__first_name_kana", "customer__company_name", "customer__address", "memo",
                     "family_member__name", "family_member__name_kana"]
    search_help_text = gettext_lazy("Code, name, reading, company, address or memo")
    list_select_related = ["customer", "event", "gift", "previous_gift", "family_member"]
    # the output actions of the mixin (E6) and 家族を追加 (E9): a class attribute here replaces the mixin's
    actions = [*outputs.EventOutputActions.actions, family_action.add_family]
    # the customer's reading as the row keeps it (EventLink.customer_last_kana): read in index order
    ordering = ["customer_last_kana", "customer_first_kana", "id"]
    list_per_page = 50
    paginator = SortedIdsPaginator  # the page's ids from the index of the event's rows, then its rows
    show_full_result_count = False  # the whole table's count: every event's customers
    list_before_template = "events/link_list_header.html"
    change_list_template = "events/link_change_list.html"  # its table drawn by events.link_table
    fields = ["event", "customer", "family_member", "attendance", "sent", "sent_on", "received", "received_on",
              "previous_gift", "previous_gift_price", "gift", "gift_price", "mourning", "memo", "created_at",
              "created_by", "updated_at"]
    readonly_fields = ["event", "customer", "family_member", "previous_gift", "previous_gift_price", "created_at",
                       "created_by", "updated_at"]

    def get_queryset(self, request):
        return services.visible_links(request.user, super().get_queryset(request))

    def filtered_event(self, request) -> Event | None:
        """The event the list is narrowed to (?event__id__exact=…), when the user may see it."""
        if not hasattr(request, "_kokyaku_event"):
            value = request.GET.get("event__id__exact", "")
            request._kokyaku_event = (services.visible_events(request.user).filter(pk=value).first()
                                      if value.isdigit() else None)
        return request._kokyaku_event

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and "_save" in request.POST:
            self.refuse_rows_not_on_the_list(request)
        extra_context = {**(extra_context or {}), "list_event": self.filtered_event(request)}
        return super().changelist_view(request, extra_context)

    def refuse_rows_not_on_the_list(self, request) -> None:
        """An edit in place saves rows of this list only (issue 22, point 2): a row id that is not a
        row of the list's event the user sees (another branch's, another event's, a missing one, not a
        number), or a row the form adds, answers as a row the user cannot see does, 404; nothing is
        changed and the attempt is in the audit log."""
        prefix = LinkFormSet.get_default_prefix()
        post = request.POST
        try:
            total = int(post.get(f"{prefix}-TOTAL_FORMS", ""))
            initial = int(post.get(f"{prefix}-INITIAL_FORMS", ""))
        except ValueError:
            total = initial = -1
        ids = [post.get(f"{prefix}-{index}-id", "") for index in range(max(total, 0))]
        ids += [value for key, value in post.items()  # ids past the forms' count, as Django reads them too
                if key.startswith(f"{prefix}-") and key.endswith("-id") and key not in
                {f"{prefix}-{index}-id" for index in range(max(total, 0))}]
        numbers = {int(value) for value in ids if value.isdigit() and len(value) < 19}
        on_list = services.visible_links(request.user).filter(pk__in=numbers)
        event = self.filtered_event(request)
        if event is not None:
            on_list = on_list.filter(event=event)
        if (total < 0 or total != initial or total > self.list_per_page or len(numbers) != len(ids)
                or on_list.count() != len(numbers)):
            audit_events.access_refused(request=request, path=request.get_full_path()[:500])
            raise Http404

    def edited_fields(self, request) -> tuple[str, ...]:
        """The fields edited in place: those of the event's kind (Event.LINK_FIELDS); none on the list
        of every event (its rows are of many kinds) nor on a completed event's list."""
        event = self.filtered_event(request)
        if event is None or event.status == Event.Status.DONE:
            return ()
        return tuple(name for name in event.link_fields if name in self.list_editable)

    def get_list_display(self, request):
        event = self.filtered_event(request)
        columns = list(self.customer_columns)
        if self.column_is_invisible(request, "place_cell"):  # R3 on the company or the address: the other alone
            columns[columns.index("place_cell")] = "company_cell"
            columns.insert(columns.index("company_cell") + 1, "address_cell")
        if "name" in permissions.invisible_fields(request.user, "familymember"):  # R3 on the family's names
            columns[columns.index("name_cell")] = "name_cell_family_hidden"
        if event is None:  # every event's rows: which event, whose row, and what was recorded
            columns = [*columns[:2], "event", *columns[2:], "progress_cell"]
        else:
            columns += event.link_fields
        return [c for c in columns if not self.column_is_invisible(request, c)]

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        edited = () if changelist.is_popup else tuple(
            name for name in self.edited_fields(request) if name in changelist.list_display)
        saving = request.method == "POST" and "_save" in request.POST
        # 保存: Django builds, validates and saves a form per posted row (list_editable, this page's
        # fields). Shown, the page needs no row form (events.link_table): its formset comes unbuilt.
        changelist.list_editable = edited if saving else ()
        if edited and not saving and self.has_change_permission(request):
            changelist.formset = self.get_changelist_formset(request)(queryset=changelist.result_list)
        return changelist

    def has_add_permission(self, request):
        # Customers join an event from the customer list (「業務イベントに追加」) or by carry-over,
        # where the event's status and the branch scope are checked for the whole selection.
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.event_id is not None and obj.event.status == Event.Status.DONE:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.event_id is not None and obj.event.status == Event.Status.DONE:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        done = queryset.filter(event__status=Event.Status.DONE)
        if done.exists():
            messages.error(request, _("Customers of a completed event stay on its list. Nothing was removed."))
            return
        super().delete_queryset(request, queryset)

    def has_event_link_permission(self, request):  # 家族を追加 (events.family_action)
        return request.user.has_perm(services.LINK_PERMISSION)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "mourning" in form.changed_data:  # 喪中 ticked in place on a new-year-card list (E5)
            services.mourning_from_link(link=obj, user=request.user)

    def gift_queryset(self, request, event: Event | None):
        return event.gift_items() if event is not None else GiftItem.objects.all()

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault("form", LinkChangelistForm)
        return super().get_changelist_form(request, **kwargs)

    def get_changelist_formset(self, request, **kwargs):
        kwargs.setdefault("formset", LinkFormSet)
        formset = super().get_changelist_formset(request, **kwargs)
        # A row's form has the fields this page edits (its kind's: Django's list drawing reads them
        # from the form), prepared once per page on the form class, not once per row: the widgets
        # (rendered without templates) and the pulldown's choices, this year's items of the season.
        edited = self.edited_fields(request)
        fields = {name: field for name, field in formset.form.base_fields.items() if name in edited}
        for name, field in fields.items():
            field.widget = direct(field.widget, style=LINK_WIDGET_STYLES.get(name, ""))
        if locking.FIELD in formset.form.base_fields:  # the version each row was read at (issue 24.3)
            fields[locking.FIELD] = formset.form.base_fields[locking.FIELD]
        if "gift" in fields:
            gifts = self.gift_queryset(request, self.filtered_event(request))
            fields["gift"].queryset = gifts
            # read once for the page: a ModelChoiceField's choices query its items each time they are read
            fields["gift"].choices = [("", get_blank_choice_label()), *((g.pk, str(g)) for g in gifts)]
        formset.form.base_fields = RowFields(fields)
        return formset

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and "gift" in form.base_fields:
            form.base_fields["gift"].queryset = obj.event.gift_items()
        return form

    # --- columns: the customer as the customer list shows it --------------------------------
    @admin.display(description=gettext_lazy("Customer code"), ordering="customer__code")
    @reads("customer__code")
    def code_cell(self, obj):
        return obj.customer.code

    @admin.display(description=gettext_lazy("Name"), ordering="customer_last_kana")
    def name_cell(self, obj):
        if obj.family_member_id:  # E9: the family member, and the customer the card hangs from
            member = obj.family_member
            relation = f"・{member.relation}" if member.relation else ""
            return format_html(
                '<span class="whitespace-nowrap kokyaku-family-target">{} 様</span>'
                '<br><span class="text-xs text-base-500 whitespace-nowrap">{}</span>', member.name,
                _("Family of %(customer)s%(relation)s") % {"customer": naming.addressee(obj.customer),
                                                           "relation": relation})
        return format_html('<span class="whitespace-nowrap">{}</span>', naming.addressee(obj.customer))

    @admin.display(description=gettext_lazy("Name"), ordering="customer_last_kana")
    def name_cell_family_hidden(self, obj):
        """name_cell for a user who may not see family members' names: 「（家族）」 under the customer."""
        if obj.family_member_id:
            return format_html('<span class="whitespace-nowrap">{}</span><br><span class="text-xs text-base-500">{}'
                               '</span>', _("(family)"), _("Family of %(customer)s%(relation)s") % {
                                   "customer": naming.addressee(obj.customer), "relation": ""})
        return self.name_cell(obj)

    @admin.display(description=gettext_lazy("Company and address"), ordering="customer__company_kana")
    @reads("customer__company_name", "customer__postal_code", "customer__address")
    def place_cell(self, obj):
        """The company (none on a family member's personal card, E9) above the 〒 and address, each cut
        to the column's width and whole in its tooltip."""
        company = "" if obj.family_member_id else obj.customer.company_name
        return format_html('<span class="kokyaku-clip kokyaku-clip-wide" title="{}">{}</span><br>{}', company, company,
                           self.address_cell(obj, small=True))

    @admin.display(description=gettext_lazy("Company name"), ordering="customer__company_kana")
    @reads("customer__company_name")
    def company_cell(self, obj):
        if obj.family_member_id:  # a family member's card is personal: no company on it (E9)
            return ""
        company = obj.customer.company_name
        return format_html('<span class="kokyaku-clip" title="{}">{}</span>', company, company)

    @admin.display(description=gettext_lazy("Address"), ordering="customer__address")
    @reads("customer__postal_code", "customer__address")
    def address_cell(self, obj, small=False):
        customer = obj.customer
        postal = f"〒{customer.postal_code} " if customer.postal_code else ""
        address = f"{postal}{customer.address}"
        size = " text-xs text-base-500" if small else ""
        return format_html('<span class="kokyaku-clip kokyaku-clip-wide{}" title="{}">{}</span>', size, address, address)

    @admin.display(description=gettext_lazy("Recorded"))
    def progress_cell(self, obj):
        """On the list of every event: what the row records, in a line (参加・出 2026/12/10・受・［松］ハム…・喪中)."""
        field = EventLink._meta.get_field
        parts = []
        if obj.attendance != EventLink.Attendance.UNDECIDED:
            parts.append(obj.get_attendance_display())
        for ticked, on, name in ((obj.sent, obj.sent_on, "sent"), (obj.received, obj.received_on, "received")):
            if ticked:
                parts.append(f"{field(name).verbose_name} {dates.format_date(on) if on else ''}".strip())
        if obj.gift_id:
            parts.append(str(obj.gift))
        if obj.mourning:
            parts.append(str(field("mourning").verbose_name))
        if obj.memo:
            parts.append(obj.memo)
        text = "・".join(parts)
        return format_html('<span class="kokyaku-clip kokyaku-clip-wide" title="{}">{}</span>', text, text)



# --- 喪中 (E5) ------------------------------------------------------------------------------------------
class MourningForm(forms.ModelForm):
    class Meta:
        model = Mourning
        fields = ["customer", "family_member", "year", "received_on", "memo"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "family_member" in self.fields:
            customer = self.initial.get("customer") or getattr(self.instance, "customer_id", None)
            if self.data:
                customer = self.data.get("customer") or customer
            members = self.fields["family_member"].queryset
            self.fields["family_member"].queryset = (members.filter(customer_id=customer)
                                                     if str(customer or "").isdigit() else members.none())
            self.fields["family_member"].label_from_instance = (
                lambda m: f"{m.name}（{m.relation}）" if m.relation else m.name)


@admin.register(Mourning)
class MourningAdmin(CustomerChildAdmin):
    """喪中はがき: one line per customer (or family member) and year; the new-year-card lists follow."""

    form = MourningForm
    autocomplete_fields = ["customer"]
    list_display = ["year", "customer_cell", "family_member", "received_on", "memo", "created_at"]
    list_display_links = ["customer_cell"]
    list_filter = ["year"]
    search_fields = ["customer__code", "customer__last_name", "customer__first_name", "customer__last_name_kana",
                     "customer__first_name_kana", "customer__company_name", "family_member__name", "memo"]
    search_help_text = gettext_lazy("Code, name, reading, company, family member or memo")
    list_select_related = ["customer", "family_member"]
    ordering = ["-year", "customer__last_name_kana", "id"]
    fields = ["customer", "family_member", "year", "received_on", "memo"]
    show_full_result_count = False

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        today = timezone.localdate()
        # a mourning card comes in November / December for the next year's cards
        initial.setdefault("year", today.year + 1 if today.month >= 7 else today.year)
        initial.setdefault("received_on", today)
        return initial

    @admin.display(description=gettext_lazy("Customer"), ordering="customer__last_name_kana")
    def customer_cell(self, obj):
        return f"{obj.customer.code} {naming.addressee(obj.customer)}"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        services.mourning_saved(mourning=obj, previous=(form.initial.get("customer"), form.initial.get("year"))
                                if change else None)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.mourning_saved(mourning=obj)

    def delete_queryset(self, request, queryset):
        rows = list(queryset.values_list("customer_id", "year"))
        super().delete_queryset(request, queryset)
        for customer_id, year in set(rows):
            services.mourning_saved(mourning=Mourning(customer_id=customer_id, year=year))
