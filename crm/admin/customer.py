from functools import partial

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from fieldconfig import defaults
from fieldconfig.lookup import config, quick_search_help

from .. import advanced_search, columns, dates, duplicate_check, extensions, naming, normalize, permissions, postal, search
from .. import locking, selectors, services
from .. import permission_codes as codes
from ..forms import CustomerForm, FastSelect, postal_lookup_attrs
from ..layouts import CONTACT_BLOCK, CORPORATE_BASIC, INDIVIDUAL_BASIC
from ..models import (
    CareerEntry, ContactAttachment, ContactHistory, Customer, CustomerPhone, FamilyMember, Purchase, Staff,
)
from .base import KokyakuAdmin, ScopedBranchFilter, ScopedChangeList, TabularInline
from .pagination import EstimatingPaginator

AUDIT_FIELDS = [("created_at", "created_by"), ("updated_at", "updated_by")]
# The tables on the card, in the seed's column order; the first column links to the record.
CARD_CONTACT_COLUMNS = ["date", "category", "content1", "detail", "response", "department", "staff"]
CARD_PURCHASE_COLUMNS = ["date", "product_category", "product_code", "product_name", "quantity", "unit_price",
                         "amount", "points", "remark"]
CARD_FAMILY_COLUMNS = ["registered_on", "relation", "name", "name_kana", "gender", "birth_date", "lives_together",
                       "occupation", "hobbies", "joint_name"]
CARD_CAREER_COLUMNS = ["date", "company", "department", "title"]
CARD_PHONE_COLUMNS = ["kind", "number", "note"]


class FamilyInline(TabularInline):
    model = FamilyMember
    fields = [
        "registered_on", "relation", "name", "name_kana", "gender", "birth_date", "lives_together", "occupation",
        "hobbies", "joint_name",
    ]
    verbose_name_plural = _("Family")

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "gender":
            # the column is narrow: a dash for "not given" rather than unfold's 「選択してください」
            kwargs["choices"] = db_field.get_choices(include_blank=True, blank_choice=[("", "－")])
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class CareerInline(TabularInline):
    model = CareerEntry
    fields = ["date", "company", "department", "title"]
    verbose_name_plural = _("Career")


class PhoneInline(TabularInline):
    model = CustomerPhone
    fields = ["kind", "number", "note", "position"]
    verbose_name_plural = _("Other phone numbers")


@admin.register(Customer)
class CustomerAdmin(KokyakuAdmin):
    form = CustomerForm
    inlines = [PhoneInline, FamilyInline, CareerInline]
    # The seed's card opens 家族 / 前職 / 電話番号 as input screens of their own (a button each):
    # the card shows them as tables, and ?edit=family (…) opens that editor on the card.
    INLINE_EDITORS = {"phones": PhoneInline, "family": FamilyInline, "career": CareerInline}
    change_form_outer_before_template = "crm/customer/copy_company_block.html"
    change_form_outer_after_template = "crm/customer/records.html"
    change_form_before_template = "crm/customer/form_top.html"  # summary (C9), duplicate check (C5)
    change_form_after_template = "crm/customer/change_reason.html"
    list_before_template = "crm/customer/list_tools.html"
    search_fields = ["code"]  # shows the search box; the matching is crm.search's
    search_help_text = quick_search_help()  # lazy: the labels and mode in force when shown (C2)
    list_select_related = ["branch"]
    list_filter = [("branch", ScopedBranchFilter), "category"]
    readonly_fields = ["created_at", "created_by", "updated_at", "updated_by"]
    show_full_result_count = False
    paginator = EstimatingPaginator
    ordering = ["last_name_kana", "first_name_kana", "id"]
    list_per_page = 50
    history_list_display = []
    # 〒 ↔ 住所 (C7): each postal-code field and the address field its lookup fills.
    POSTAL_BLOCKS = {"postal_code": "address", "contact_postal_code": "contact_address"}

    class Media:
        # 住所検索 next to every postal code, 〒 offered from the address, 同姓同名チェック (C7, C5)
        js = ["kokyaku/customer_form.js"]
    # The list's actions and tools, the card's panels and the URLs of features come from crm.extensions.
    # offered for the whole result as buttons above the list too (list_tools.html; issue 22, point 20)
    whole_result_actions = ["update_company_block", "set_checkboxes"]

    # --- list -------------------------------------------------------------------------
    def get_list_display(self, request):
        # Columns are built per request so their headers carry the configured labels (C3);
        # nothing on the shared class changes. ScopedChangeList drops those the user may not see.
        columns = [
            configured_column("code", _code_cell),
            configured_column("last_name_kana", _name_cell, label=_("Name")),
            configured_column("company_name", lambda obj: _clipped(obj.company_name)),
            configured_column("tel", lambda obj: _tel(obj.tel)),
            configured_column("mobile", lambda obj: _tel(obj.mobile)),
            configured_column("email", _mail_cell),
            configured_column("branch", lambda obj: _clipped(obj.branch.name)),
        ]
        form = self._advanced(request)
        if form is not None and form.is_valid():
            columns += [checkbox_column(name) for name in form.cleaned_data.get("cols") or []]
        return columns

    def get_list_display_links(self, request, list_display):
        return None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        queryset = queryset.annotate(has_contacts=Exists(ContactHistory.objects.filter(customer=OuterRef("pk"))))
        return permissions.visible_customers(request.user, queryset)

    def get_search_results(self, request, queryset, search_term):
        queryset = search.customer_quick_search(queryset, search_term, user=request.user)
        form = self._advanced(request)
        if form is not None and form.is_valid():
            queryset = advanced_search.apply(queryset, form)
        return queryset, False

    def _advanced(self, request):
        if not hasattr(request, "_kokyaku_advanced"):
            request._kokyaku_advanced = advanced_search.from_request(request)
        return request._kokyaku_advanced

    def get_ordering(self, request):
        # A search result lists in 入力順 (customer code order), as the seed's 検索結果一覧 does,
        # unless the search screen chose another order; the plain list stays in kana order (J3).
        # Clicking a column header still sorts.
        if "o" in request.GET:
            return super().get_ordering(request)
        form = self._advanced(request)
        if form is not None and form.is_valid():
            return form.ordering()
        if request.GET.get("q", "").strip():
            return ["id"]
        return super().get_ordering(request)

    def get_list_per_page(self, request) -> int:
        """Rows per page: as chosen on the search screen, else the list's default."""
        form = self._advanced(request)
        if form is not None and form.is_valid() and form.cleaned_data.get("per_page"):
            return form.cleaned_data["per_page"]
        return self.list_per_page

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return super().get_paginator(request, queryset, self.get_list_per_page(request), orphans,
                                     allow_empty_first_page)

    def changelist_view(self, request, extra_context=None):
        form = self._advanced(request)
        if form is not None and not form.is_valid():
            # Conditions that do not make sense go back to the search screen, with messages at them.
            return redirect(reverse("admin:crm_customer_search") + "?" + request.GET.urlencode())
        extra_context = extra_context or {}
        extra_context["advanced_form"] = form
        extra_context["search_querystring"] = request.GET.urlencode()
        extra_context["list_tools"] = self.changelist_tools(request, extra_context["search_querystring"])
        return super().changelist_view(request, extra_context)

    def get_changelist(self, request, **kwargs):
        return StreamingChangeList

    # --- form -------------------------------------------------------------------------
    def get_inlines(self, request, obj):
        if obj is None:
            return self.inlines
        if request.method == "POST":
            # only the editors the browser sent: their management forms are in the POST
            return [inline for prefix, inline in self.INLINE_EDITORS.items()
                    if f"{prefix}-TOTAL_FORMS" in request.POST]
        editing = request.GET.get("edit")
        return [self.INLINE_EDITORS[editing]] if editing in self.INLINE_EDITORS else []

    def get_layout(self, request, obj=None):
        # KokyakuAdmin.get_fieldsets takes out what this user may not see; the remarks and the
        # checkbox grid are counted here only so that the remaining ones pair up without gaps.
        snapshot = config()
        hidden = self.invisible(request)
        basic = INDIVIDUAL_BASIC if snapshot.mode == defaults.INDIVIDUAL else CORPORATE_BASIC
        checks = [f"check{i}" for i in range(1, defaults.CHECK_COUNT + 1) if f"check{i}" not in hidden]
        remarks = [f"remark{i}" for i in range(1, defaults.REMARK_COUNT + 1) if f"remark{i}" not in hidden]
        fieldsets = [
            (_("Customer data"), {"classes": ["tab"], "fields": basic}),
            (_("Contact block"), {"classes": ["tab"], "fields": CONTACT_BLOCK}),
        ]
        if remarks:
            fieldsets.append(
                (_("Remarks"), {"classes": ["tab"], "fields": [tuple(remarks[i : i + 2]) for i in range(0, len(remarks), 2)]})
            )
        if checks:
            fieldsets.append((_("Checkboxes"), {"classes": ["tab", "kokyaku-checks"], "fields": ["checks"]}))
        if obj is not None:
            fieldsets.append((_("Registered / updated"), {"classes": ["tab"], "fields": AUDIT_FIELDS}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("code")
        if getattr(request, "_kokyaku_history_view", False):
            return fields + [f.name for f in Customer._meta.fields]
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # A new class per request: safe to say which checkboxes this user sees (hidden, restricted).
        hidden = self.invisible(request)
        form.visible_checks = tuple(f"check{i}" for i in range(1, defaults.CHECK_COUNT + 1)
                                    if f"check{i}" not in hidden)
        form.read_only = getattr(request, "_kokyaku_history_view", False)
        form.duplicate_user = None if form.read_only else request.user
        if obj is None and "code" in form.base_fields:
            form.base_fields["code"].help_text = _("Leave blank to number automatically.")
        # C1: the age, derived, beside 生年月日: under the input, and under the value when read-only.
        if (age := dates.age_on(getattr(obj, "birth_date", None))) is not None:
            shown = _("%(age)s years old") % {"age": age}
            form._meta.help_texts = {**(form._meta.help_texts or {}), "birth_date": shown}
            if "birth_date" in form.base_fields:
                form.base_fields["birth_date"].help_text = shown
        return form

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and db_field.name in self.POSTAL_BLOCKS:
            formfield.widget.attrs.update(postal_lookup_attrs(address_field=self.POSTAL_BLOCKS[db_field.name]))
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "staff":
            kwargs["queryset"] = Staff.objects.filter(is_active=True).only(
                "id", "username", "first_name", "last_name", "display_name", "display_name_kana", "department_id"
            )
        elif db_field.name in ("branch", "category", "staff_department"):
            kwargs["widget"] = FastSelect
        if db_field.name == "branch" and not permissions.sees_all_branches(request.user):
            kwargs["queryset"] = db_field.related_model.objects.filter(
                id__in=permissions.visible_branch_ids(request.user)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        source_code = request.GET.get("copy_from", "").strip()
        if source_code:
            source = permissions.visible_customers(request.user).filter(code=source_code).first()
            if source is not None:
                initial.update(services.customer_company_block(source=source))
        if "branch" not in initial:
            # One office, one branch (a fresh install has 本店): nothing to choose.
            branches = list(permissions.visible_branches(request.user).values_list("pk", flat=True)[:2])
            if len(branches) == 1:
                initial["branch"] = branches[0]
        return initial

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id and request.POST.get("effective_date", "").strip():
            response = self.schedule_from_card(request, object_id)
            if response is not None:
                return response
        return super().changeform_view(request, object_id, form_url, extra_context)

    def schedule_from_card(self, request, object_id):
        """C11: the card saved with an 適用日 keeps the change for that day and writes nothing now (no
        history, no audit entry until it is applied); what happened is the service's result. None when
        the card has something to say first (errors, a duplicate, no date after all): Django's view shows it."""
        obj = self.get_object(request, object_id)  # 404 when out of scope
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        form = self.get_form(request, obj, change=True)(request.POST, request.FILES, instance=obj)
        formsets = [FormSet(**self.get_formset_kwargs(request, obj, inline, FormSet.get_default_prefix()))
                    for FormSet, inline in self.get_formsets_with_inlines(request, obj)]
        if not (form.is_valid() and all([formset.is_valid() for formset in formsets])):
            return None
        effective = form.cleaned_data.get("effective_date")
        if not effective:
            return None
        customer = self.save_form(request, form, change=True)  # what the user may not see stays as stored
        # The 家族 / 前職 / 電話番号 editors offer no 適用日: a post changing them with one is refused as a
        # whole rather than half kept.
        result = services.customer_schedule_edit(
            customer=customer, user=request.user, effective_date=effective,
            reason=self.change_reason_for(request, form) or "",
            related_changed=any(formset.has_changed() for formset in formsets))
        if result.change is None:
            self.message_user(request, result.problem, messages.WARNING)
        else:
            self.message_user(request, _("The change was scheduled for %(date)s. It is shown on the card until then.")
                              % {"date": dates.format_date(result.change.effective_date)}, messages.SUCCESS)
        return redirect(reverse("admin:crm_customer_change", args=[obj.pk], current_app=self.admin_site.name))

    # What a restored past version (C4) does not bring back: 配信停止 is the customer's own request (W4),
    # set from the mail's link and cleared only by 「配信停止を解除」 with a reason.
    kept_on_restore = ("mail_opted_out_at",)

    def save_model(self, request, obj, form, change):
        if change and getattr(request, "_kokyaku_restoring", None) is not None:
            stored = Customer._base_manager.filter(pk=obj.pk).values(*self.kept_on_restore).first() or {}
            for name, value in stored.items():
                setattr(obj, name, value)
        services.customer_save(customer=obj, user=request.user, reason=self.change_reason_for(request, form) or "")

    def delete_model(self, request, obj):
        services.customer_delete(customer=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        services.customers_delete(queryset=queryset, user=request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if any(fs.model is FamilyMember and fs.has_changed() for fs in formsets):
            services.customer_family_saved(customer=form.instance, user=request.user)

    def get_object(self, request, object_id, from_field=None):
        # The card's summary (C9) rides on the one query that loads the customer.
        queryset = (
            self.get_queryset(request).select_related("created_by", "updated_by")
            .annotate(**selectors.customer_summary_annotations(), **extensions.card_annotations(request.user))
        )
        model = queryset.model
        field = model._meta.pk if from_field is None else model._meta.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (model.DoesNotExist, ValidationError, ValueError):
            return self.object_not_found(request, object_id)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk and not getattr(request, "_kokyaku_history_view", False):
            user = request.user
            # the card's title, with 様 / 御中 (C2)
            context["addressee"] = naming.addressee(obj, hidden=permissions.invisible_fields(user, "customer"))
            context["subtitle"] = f"{obj.code} {context['addressee']}"
            summary = selectors.customer_summary(customer=obj)
            context["summary"] = summary
            context["purchase_hidden"] = permissions.invisible_fields(user, Purchase)
            # H1, H2: the histories on the card, newest first, 10 a page; always there, empty or not,
            # so the first 応対履歴 of a new customer is one click away.
            context["show_contacts"] = user.has_perm(codes.VIEW_CONTACT)
            # I3: call, mail or write a 日報 in one tap (a phone's first screen); only the fields this
            # user may see become links (R3).
            context["reach_links"] = reach_links(obj, hidden=permissions.invisible_fields(user, "customer"))
            if context["show_contacts"] and user.has_perm(codes.ADD_CONTACT):
                context["quick_contact_url"] = quick_contact_url(obj)
            context["show_purchases"] = user.has_perm(codes.VIEW_PURCHASE)
            # Each table shows only the columns this user may see (R3), under the configured labels.
            context["contact_columns"] = columns.record_columns(user=user, model=ContactHistory, names=CARD_CONTACT_COLUMNS)
            context["purchase_columns"] = columns.record_columns(user=user, model=Purchase, names=CARD_PURCHASE_COLUMNS)
            context["family_columns"] = columns.record_columns(user=user, model=FamilyMember, names=CARD_FAMILY_COLUMNS)
            context["career_columns"] = columns.record_columns(user=user, model=CareerEntry, names=CARD_CAREER_COLUMNS)
            context["phone_columns"] = columns.record_columns(user=user, model=CustomerPhone, names=CARD_PHONE_COLUMNS)
            if context["show_contacts"]:
                context["contact_page"] = selectors.records_page(
                    obj.contacts.select_related("category", "department", "staff")
                    .annotate(has_attachments=Exists(ContactAttachment.objects.filter(contact=OuterRef("pk")))),
                    count=summary.contact_count, page=request.GET.get("contacts_page"),
                )
            if context["show_purchases"]:
                context["purchase_page"] = selectors.records_page(
                    obj.purchases.all(), count=summary.purchase_count, page=request.GET.get("purchases_page"),
                )
            editing = request.GET.get("edit")
            context["editing"] = editing
            context["family_rows"] = list(obj.family.all()) if editing != "family" else None
            context["career_rows"] = list(obj.career.all()) if editing != "career" else None
            context["phone_rows"] = list(obj.phones.all()) if editing != "phones" else None
            # What the features show on the card (C11's scheduled changes, E5's 喪中 …), by slot.
            may_change = self.has_change_permission(request, obj)
            panels = {extensions.CARD_TOP: [], extensions.CARD_PEOPLE: []}
            for panel in extensions.card_panels():
                panel_context = panel.context(request, obj, may_change=may_change)
                if panel_context is not None:
                    context.update(panel_context)
                    panels.setdefault(panel.slot, []).append(panel.template)
            context["card_panels"] = panels
        return super().render_change_form(request, context, add, change, form_url, obj)


    # --- export and print (dataio's and printouts' screens; R1: permissions of their own) --------
    def has_export_permission(self, request):
        return request.user.has_perm(codes.EXPORT_CUSTOMERS)

    def has_print_permission(self, request):
        return permissions.can_print(request.user)

    @property
    def actions(self):
        """The list's actions are those the features registered (crm.extensions), in their order; Django's
        own machinery offers them (the permissions their @admin.action names, popups, descriptions)."""
        return [action.function for action in extensions.list_actions()]

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        """Less the registered actions whose own check refuses this request."""
        actions = super().get_actions(request, action_location=action_location)
        for action in extensions.list_actions():
            if action.name in actions and not action.allowed(request):
                del actions[action.name]
        return actions

    def changelist_tools(self, request, querystring: str) -> list[dict]:
        """The links above the list that the features registered (print, export, import …)."""
        return [{"id": tool.key, "label": tool.label, "url": tool.url(request, querystring),
                 "whole_result": tool.whole_result}
                for tool in extensions.list_tools() if tool.allowed(request)]

    # --- search screen, saved searches, toggles --------------------------------------
    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("search/", wrap(self.search_view), name="crm_customer_search"),
            path("saved-searches/", wrap(self.save_search_view), name="crm_customer_save_search"),
            path("saved-searches/<int:pk>/", wrap(self.open_search_view), name="crm_customer_open_search"),
            path("saved-searches/<int:pk>/delete/", wrap(self.delete_search_view), name="crm_customer_delete_search"),
            path("<path:object_id>/toggle-check/", wrap(self.toggle_check_view), name="crm_customer_toggle_check"),
            path("postal/code/", wrap(self.postal_code_view), name="crm_customer_postal_code"),
            path("postal/address/", wrap(self.postal_address_view), name="crm_customer_postal_address"),
            path("duplicates/", wrap(self.duplicate_check_view), name="crm_customer_duplicate_check"),
        ] + [path(url.route, wrap(partial(url.view, model_admin=self)), name=url.name)
             for url in extensions.customer_urls()] + super().get_urls()

    # --- data entry helpers: 〒 ↔ 住所 (C7), 同姓同名チェック (C5) ----------------------------
    def _may_enter_customers(self, request) -> None:
        """The form helpers serve whoever may add or change customers, nobody else."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied

    def postal_code_view(self, request):
        """The towns of a postal code (〒１００－０００１, 100-0001 …), or a message saying it is unknown."""
        self._may_enter_customers(request)
        typed = request.GET.get("code", "")
        towns = postal.address_for_code(typed)
        message = ""
        if not postal.clean_code(typed):
            message = _("Enter the postal code as 7 digits, e.g. 100-0001.")
        elif not towns:
            message = _("The postal code %(code)s is not in Japan Post's data.") % {"code": typed.strip()}
        elif len(towns) > 1:
            message = _("This postal code covers %(count)d towns: choose one.") % {"count": len(towns)}
        return JsonResponse({"towns": [t.as_dict() for t in towns], "message": message})

    def postal_address_view(self, request):
        """The postal codes an address begins with, most specific first; several codes are said so."""
        self._may_enter_customers(request)
        towns = postal.codes_for_address(request.GET.get("address", ""))
        best = postal.most_specific(towns)
        message = ""
        if not towns:
            message = _("No postal code found for this address.")
        elif len(best) > 1:
            message = _("%(count)d postal codes fit %(address)s: choose by the street number.") % {
                "count": len(best), "address": best[0].address}
        return JsonResponse({"towns": [t.as_dict() for t in towns], "several": len(best) > 1, "message": message})

    def duplicate_check_view(self, request):
        """同姓同名チェック: customers this user may see with the same name, phone or email as typed."""
        self._may_enter_customers(request)
        exclude = request.GET.get("exclude", "")
        found = duplicate_check.customers_like(user=request.user,
                                          values={name: request.GET.get(name, "") for name in duplicate_check.FIELDS},
                               exclude_pk=int(exclude) if exclude.isdigit() else None)
        message = "" if found else _("No customer with the same name, phone number or email.")
        html = render_to_string("crm/customer/duplicate_rows.html", {"customers": found}, request) if found else ""
        return JsonResponse({"customers": found, "message": message, "html": html})

    def search_view(self, request):
        """検索指定画面 (S2)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        bound = any(key.startswith(advanced_search.PREFIX) for key in request.GET)
        form = advanced_search.AdvancedSearchForm(request.GET if bound else None, user=request.user)
        if bound:
            form.is_valid()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Advanced search"),
            "opts": self.model._meta,
            "form": form,
            "quick_query": request.GET.get("q", ""),
            "check_fields": [form[name] for name in form.check_names],
            "changelist_url": reverse("admin:crm_customer_changelist"),
        }
        return TemplateResponse(request, "crm/customer/search.html", context)

    def save_search_view(self, request):
        if request.method != "POST" or not self.has_view_permission(request):
            raise PermissionDenied
        name = request.POST.get("name", "").strip()[:100]
        querystring = request.POST.get("querystring", "").lstrip("?")
        if not name or not querystring:
            messages.error(request, _("Give the search a name."))
        else:
            services.saved_search_create(
                owner=request.user, name=name, querystring=querystring, shared=bool(request.POST.get("shared"))
            )
            messages.success(request, _("Saved the search “%(name)s”.") % {"name": name})
        return redirect(reverse("admin:crm_customer_changelist") + "?" + querystring)

    def saved_search_usable(self, request, saved) -> bool:
        return advanced_search.conditions_visible(
            saved.querystring, user=request.user,
            lookup_allowed=lambda key, value: self.lookup_allowed(key, value, request),
        )

    def open_search_view(self, request, pk):
        """A saved search opens through here, so its conditions never sit in a link on the home screen."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        saved = selectors.saved_searches_for(user=request.user).filter(pk=pk).first()
        if saved is None:
            raise Http404
        if not self.saved_search_usable(request, saved):
            messages.error(request, _("This search uses fields you cannot see, so it cannot be opened."))
            return redirect("admin:index")
        return redirect(reverse("admin:crm_customer_changelist") + "?" + saved.querystring)

    def delete_search_view(self, request, pk):
        if request.method != "POST":
            raise PermissionDenied
        services.saved_search_delete(user=request.user, pk=pk)
        return redirect("admin:index")

    def toggle_check_view(self, request, object_id):
        """Flip one checkbox from the result list, with history (更新目的: 一覧から変更)."""
        if request.method != "POST":
            raise PermissionDenied
        customer = self.get_object(request, object_id)  # 404 when out of scope
        if not self.has_change_permission(request, customer):
            raise PermissionDenied
        field = request.POST.get("field", "")
        if field not in advanced_search.CHECK_FIELDS or field in self.invisible(request):
            return JsonResponse({"error": str(_("Unknown checkbox."))}, status=400)
        value = request.POST.get("value") == "1"
        try:
            services.customer_set_checkbox(customer=customer, field=field, value=value, user=request.user)
        except locking.StaleWrite as refused:  # someone else set it in the meantime (issue 24.3)
            current = getattr(refused.current, field, not value)
            return JsonResponse({"error": " ".join(refused.messages), "field": field, "value": current}, status=409)
        return JsonResponse({"field": field, "value": value})

    # --- history ----------------------------------------------------------------------
    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # A past version opens read-only; its one button restores it (C4).
        request._kokyaku_history_view = True
        return super().history_form_view(request, object_id, version_id, extra_context)


class StreamingChangeList(ScopedChangeList):
    """Orders a text search in the form the database can stream (see crm.search.order_for_streaming),
    and leaves the advanced-search conditions (s_…) to CustomerAdmin.get_search_results."""

    is_dataset = False

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        for key in [k for k in lookup_params if k.startswith(advanced_search.PREFIX)]:
            del lookup_params[key]
        return lookup_params

    def get_results(self, request):
        # The page size chosen on the search screen decides "more than one page" too.
        self.list_per_page = self.model_admin.get_list_per_page(request)
        super().get_results(request)

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        ordering = queryset.query.order_by
        if search.is_text_search(queryset) and ordering and all(o in ("id", "pk") for o in ordering):
            queryset = search.order_for_streaming(queryset)
        return queryset


def configured_column(field_name: str, render, label=None):
    """A list column whose header is the field's configured label, made fresh for each request."""

    heading = label or config().label("customer", field_name)

    def column(obj):
        return _labelled(heading, render(obj))

    column.short_description = heading
    column.admin_order_field = field_name
    column.field_name = field_name
    column.__name__ = f"column_{field_name}"
    return column


def checkbox_column(field_name: str):
    """A checkbox the user toggles in place from the result list (S4)."""

    heading = config().label("customer", field_name)

    def column(obj):
        return _labelled(heading, format_html(
            '<input type="checkbox" class="kokyaku-toggle" data-url="{}" data-field="{}" {}>',
            reverse("admin:crm_customer_toggle_check", args=[obj.pk]), field_name,
            "checked" if getattr(obj, field_name) else "",
        ))

    column.short_description = heading
    column.admin_order_field = field_name
    column.field_name = field_name
    column.__name__ = f"column_{field_name}"
    return column


def _labelled(heading, cell):
    """A list cell that carries its column's heading: on a phone each row stacks its cells, each
    beside its heading (kokyaku.css, I3); at 1366 px the heading stays in the table's header only."""
    if cell in ("", None):
        return ""
    return format_html('<span class="kokyaku-list-cell" data-label="{}">{}</span>', heading, cell)


def _code_cell(obj):
    # Customers with contact history are marked in red, as on the seed's 検索結果一覧画面.
    has_contacts = getattr(obj, "has_contacts", False)
    url = reverse("admin:crm_customer_change", args=[obj.pk])
    return format_html(
        '<a class="{}" title="{}" href="{}">{}</a>',
        "text-red-600 font-semibold" if has_contacts else "font-semibold",
        _("Has contact history") if has_contacts else "", url, obj.code,
    )


def _clipped(text):
    # Long values are cut at the column's width with 「…」, whole in the tooltip: the list fits a
    # 1366-px screen with every column in view (issue 22, point 17; kokyaku.css).
    return format_html('<span class="kokyaku-list-clip" title="{}">{}</span>', text, text) if text else ""


def _name_cell(obj):
    # name and reading on one line: a row stays one line high at 1366 px (kokyaku.css)
    return format_html("<span class='kokyaku-list-clip' title='{} {}'>{}<span class='kokyaku-reading'>{}</span></span>",
                       obj.full_name, obj.full_name_kana, obj.full_name, obj.full_name_kana)


def _mail_cell(obj):
    return format_html('<a class="kokyaku-list-clip" title="{}" href="mailto:{}">{}</a>', obj.email, obj.email,
                       obj.email) if obj.email else ""


def _tel(number):
    if not number:
        return ""
    return format_html('<a href="tel:{}">{}</a>', normalize.tel_target(number), number)


REACH_FIELDS = [("tel", "tel"), ("mobile", "tel"), ("email", "mailto")]


def reach_links(customer, *, hidden) -> list[dict]:
    """The card's 電話・メール buttons (I3): TEL, 携帯TEL and Eメール under their configured labels, those
    that are filled in and that this user may see (a restricted field makes no link either)."""
    links = []
    for field, scheme in REACH_FIELDS:
        value = (getattr(customer, field) or "").strip()
        if not value or field in hidden:
            continue
        target = normalize.tel_target(value) if scheme == "tel" else value
        links.append({"field": field, "label": config().label("customer", field), "value": value,
                      "href": f"{scheme}:{target}"})
    return links


def quick_contact_url(customer) -> str:
    """The 日報 entry: the contact-history form with this customer chosen and only the fields a phone
    needs (ContactHistoryAdmin's quick layout)."""
    return reverse("admin:crm_contacthistory_add") + f"?customer={customer.pk}&quick=1"


