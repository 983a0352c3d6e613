"""The handoff's forms: hand over (contact, person, message) and change its status. Each refusal is a
Japanese message at its field (workflow.rules); nothing is written until the form is valid."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

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
    assignee = AssigneeField(label=_("Handed to"), queryset=None)

    class Meta:
        model = Handoff
        fields = ["contact", "assignee", "message"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        field.queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        field.label_from_instance = staff_label

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
