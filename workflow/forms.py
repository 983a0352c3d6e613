"""The handoff's forms: hand over (contact, person, message) and change its status. Each refusal is a
Japanese message at its field (workflow.rules); nothing is written until the form is valid."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from crm import permissions
from crm.forms import FastSelect, StaffSelect
from crm.models import ContactHistory, Customer, StaffDepartment

from . import rules
from .models import Handoff, HandoffStatus


class AssigneeField(forms.ModelChoiceField):
    """Offers active staff; accepts any staff member, so that choosing one who left is refused with
    the form's own message (rules.assignee_problem), not the field's generic one."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return get_user_model().objects.get(pk=value)
        except (ValueError, TypeError, get_user_model().DoesNotExist):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None

    def validate(self, value):
        forms.Field.validate(self, value)


def staff_label(user) -> str:
    return getattr(user, "display_name", "") or user.get_username()


class HandoffCreateForm(forms.ModelForm):
    """Hand over: the contact history, the person and a message. Once the customer is known (the
    card's 引継 button gives it, or the contact chosen), the contact is a pulldown of that customer's
    histories and the person a pulldown of those who may take it (rules.eligible_assignees), narrowed
    in the browser by 担当部署 as on the card (crm.forms.StaffSelect, kokyaku/staff_narrow.js)."""

    department = forms.ModelChoiceField(label=_("Staff department"), queryset=StaffDepartment.objects.all(),
                                        required=False, widget=FastSelect,
                                        help_text=_("Narrows the people listed below."))
    assignee = AssigneeField(label=_("Handed to"), queryset=None, widget=StaffSelect)

    class Meta:
        model = Handoff
        fields = ["contact", "department", "assignee", "message"]

    class Media:
        js = ["kokyaku/staff_narrow.js"]

    # Who fills the form in: set on a class made per request (HandoffAdmin.get_form, as crm's
    # scoped_form_class does). A customer or contact of a branch they may not see is not chosen.
    viewer = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        field.label_from_instance = staff_label
        self.customer = self.chosen_customer()
        if self.customer is None:  # no customer yet: the people of the branches the viewer sees
            staff = get_user_model().objects.filter(is_active=True).order_by("display_name_kana", "username")
            if self.viewer is not None and not permissions.sees_all_branches(self.viewer):
                branch_ids = permissions.visible_branch_ids(self.viewer)
                staff = staff.filter(permissions.staff_seeing_branch_filter(*branch_ids))
            field.queryset = staff
            return
        field.queryset = rules.eligible_assignees(customer=self.customer)
        contact = self.fields["contact"]
        contact.queryset = (ContactHistory.objects.filter(customer=self.customer)
                            .select_related("category").order_by("-date", "-id"))
        contact.widget = FastSelect(choices=contact.choices)
        contact.help_text = _("Contact histories of %(customer)s, latest first.") % {"customer": self.customer}
        if not self.is_bound and not self.initial.get("contact"):
            latest = contact.queryset.values_list("pk", flat=True).first()  # the inquiry just logged
            if latest is not None:
                self.initial["contact"] = latest
        self.fields["department"].initial = self.customer.staff_department_id
        if not self.is_bound and "assignee" not in self.initial and self.customer.staff_id:
            self.initial["assignee"] = self.customer.staff_id

    def chosen_customer(self):
        """The customer whose inquiry is handed: of the posted contact, else of `?contact=` or
        `?customer=`; None when that customer is of a branch the viewer may not see (the scoped contact
        field then refuses the contact at the field)."""
        if self.viewer is None:
            return None
        contact_id = (self.data.get("contact") if self.is_bound else self.initial.get("contact")) or None
        customer_id = None if self.is_bound else self.initial.get("customer")
        try:
            if contact_id:
                found = ContactHistory.objects.filter(pk=int(str(contact_id))).values_list("customer_id", flat=True)
                customer_id = found.first()
            if not customer_id:
                return None
            return permissions.visible_customers(self.viewer).filter(pk=int(str(customer_id))).first()
        except (TypeError, ValueError):
            return None

    def clean(self):
        data = super().clean()
        contact, assignee = data.get("contact"), data.get("assignee")
        if contact is not None and "assignee" not in self.errors:
            problem = rules.assignee_problem(assignee=assignee, customer=contact.customer)
            if problem:
                self.add_error("assignee", problem)
        return data


class HandoffChangeForm(forms.ModelForm):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = Handoff
        fields = ["status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_status = self.instance.status if self.instance.pk else None
        if "status" in self.fields:  # a read-only user's form has no field
            self.fields["status"].queryset = HandoffStatus.objects.all()

    def clean_status(self):
        status = self.cleaned_data.get("status")
        problem = rules.transition_problem(current=self.current_status, target=status)
        if problem:
            raise forms.ValidationError(problem)
        return status
