"""The runtime-editable table behind every label, pulldown and hidden field (C2, C3)."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import defaults
from . import rule_kinds as rules


class SystemSetting(models.Model):
    """One row: the office-wide switches an admin sets on the システム設定 screen."""

    MODE_CHOICES = [(defaults.CORPORATE, _("Corporate (法人)")), (defaults.INDIVIDUAL, _("Individual (個人)"))]

    mode = models.CharField(_("Customer mode"), max_length=20, choices=MODE_CHOICES, default=defaults.CORPORATE)
    code_width = models.PositiveSmallIntegerField(
        _("Customer code digits"), default=6, help_text=_("New customer codes are zero-padded to this width.")
    )
    company_name = models.CharField(_("Our company name"), max_length=200, blank=True)
    # Printers feed paper a little off; labels and postcards move by these (P3, P4).
    print_offset_x = models.DecimalField(
        _("Print offset, right (mm)"), max_digits=3, decimal_places=1, default=0,
        validators=[MinValueValidator(-10), MaxValueValidator(10)],
        help_text=_("Moves labels and postcards to the right (negative: to the left), from -10 to 10 mm."),
    )
    print_offset_y = models.DecimalField(
        _("Print offset, down (mm)"), max_digits=3, decimal_places=1, default=0,
        validators=[MinValueValidator(-10), MaxValueValidator(10)],
        help_text=_("Moves labels and postcards down (negative: up), from -10 to 10 mm."),
    )

    NUMBERS_CHOICES = [("kanji", _("1-2-3 as 一丁目二番三号")), ("dash", _("1-2-3 as 一―二―三"))]
    postcard_numbers = models.CharField(_("Numbers on vertical postcards"), max_length=10, choices=NUMBERS_CHOICES,
                                        default="kanji")
    # The sender block printed at the bottom left of postcards when asked for (P4).
    sender_postal_code = models.CharField(_("Sender postal code"), max_length=10, blank=True)
    sender_address = models.CharField(_("Sender address"), max_length=300, blank=True)
    sender_tel = models.CharField(_("Sender phone"), max_length=30, blank=True)

    # J2: how screens show a record's date (crm.dates.format_date); exports keep 西暦.
    DATE_DISPLAY_CHOICES = [("western", _("Western calendar (2026/12/03)")),
                            ("japanese", _("Japanese era (令和8年12月3日)"))]
    date_display = models.CharField(
        _("Date display"), max_length=10, choices=DATE_DISPLAY_CHOICES, default="western",
        help_text=_("How dates (birth dates, contact and purchase dates…) are shown on screens. Either form can "
                    "always be typed. Exports keep 2026/12/03."),
    )

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)

    class Meta:
        verbose_name = _("System setting")
        verbose_name_plural = _("System settings")

    def __str__(self):
        return str(_("System setting"))

    def clean(self):
        if not 1 <= self.code_width <= 12:
            raise ValidationError({"code_width": _("Enter a number of digits between 1 and 12.")})


class FieldSetting(models.Model):
    """An admin's override for one field: its label, whether it is shown, text or pulldown."""

    MODEL_CHOICES = [
        ("customer", _("Customer")),
        ("contacthistory", _("Contact history")),
        ("purchase", _("Purchase")),
        ("familymember", _("Family member")),
        ("careerentry", _("Career entry")),
    ]
    TEXT = "text"
    SELECT = "select"
    INPUT_CHOICES = [(TEXT, _("Free text")), (SELECT, _("Pulldown"))]

    model = models.CharField(_("Screen"), max_length=40, choices=MODEL_CHOICES)
    field_name = models.CharField(_("Field"), max_length=60)
    label = models.CharField(_("Label"), max_length=100, blank=True, help_text=_("Blank keeps the default label."))
    hidden = models.BooleanField(_("Hidden"), default=False)
    input_type = models.CharField(_("Input"), max_length=10, choices=INPUT_CHOICES, default=TEXT)
    choices = models.TextField(_("Pulldown choices"), blank=True, help_text=_("One choice per line."))
    position = models.PositiveIntegerField(_("Order"), default=0)
    visible_to = models.ForeignKey(
        "auth.Group", verbose_name=_("Visible only to"), null=True, blank=True, on_delete=models.PROTECT,
        help_text=_("Restricted field: only members of this group see it, search by it or export it."),
    )
    # Input rules (C8): applied by every form, the import and the bulk update (fieldconfig.rules).
    input_width = models.CharField(_("Characters allowed"), max_length=10, choices=rules.WIDTH_CHOICES, blank=True,
                                   default="", help_text=_("Checked on the value as saved (after the conversion)."))
    input_convert = models.CharField(_("Convert on save"), max_length=10, choices=rules.CONVERT_CHOICES, blank=True,
                                     default="")
    required = models.BooleanField(_("Required"), default=False,
                                   help_text=_("The record cannot be saved with this field empty."))
    warn_if_empty = models.BooleanField(
        _("Warn if empty"), default=False,
        help_text=_("Saving with this field empty asks first (「空欄のまま保存」); an import lists it as a warning."))

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)  # crm/locking.py (issue 24.3)

    class Meta:
        verbose_name = _("Field label")
        verbose_name_plural = _("Field labels (項目名設定)")
        ordering = ["model", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["model", "field_name"], name="fieldsetting_unique_field")]

    def __str__(self):
        default = defaults.DEFAULT_LABELS.get(self.model, {}).get(self.field_name, self.field_name)
        return f"{self.get_model_display()}: {default}"

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def input_rule(self) -> rules.InputRule:
        return rules.InputRule(width=self.input_width, convert=self.input_convert, required=self.required,
                               warn_if_empty=self.warn_if_empty)

    def model_field(self):
        from django.apps import apps

        from django.core.exceptions import FieldDoesNotExist

        model = next((m for m in apps.get_app_config("crm").get_models() if m._meta.model_name == self.model), None)
        try:
            return model._meta.get_field(self.field_name) if model is not None else None
        except FieldDoesNotExist:
            return None

    def clean(self):
        known = defaults.DEFAULT_LABELS.get(self.model, {})
        if self.field_name not in known:
            raise ValidationError({"field_name": _("This screen has no such field.")})
        self.clean_input_rules()
        if self.hidden and self.field_name not in defaults.HIDEABLE.get(self.model, set()):
            raise ValidationError({"hidden": _("This field is required by the system and cannot be hidden.")})
        if self.visible_to_id and self.field_name in defaults.UNRESTRICTABLE.get(self.model, set()):
            raise ValidationError({"visible_to": _("This field feeds the quick search and cannot be restricted.")})
        if self.visible_to_id and self.field_name in defaults.STRUCTURAL.get(self.model, set()):
            raise ValidationError({"visible_to": _("This field identifies or orders the records and cannot be restricted.")})
        if self.input_type == self.SELECT:
            if self.field_name not in defaults.CHOICE_CAPABLE.get(self.model, set()):
                raise ValidationError({"input_type": _("This field cannot be a pulldown.")})
            if not self.choice_list():
                raise ValidationError({"choices": _("Enter at least one choice, one per line.")})

    def clean_input_rules(self):
        """Rules that make sense for this field (C8): text rules on text, nothing the form could
        never satisfy (a required field nobody sees)."""
        rule = self.input_rule()
        if not rule:
            return
        field = self.model_field()
        if self.field_name in defaults.NO_INPUT_RULES.get(self.model, set()) or field is None \
                or isinstance(field, models.BooleanField) or not field.editable:
            raise ValidationError(_("The system fills this field: it takes no input rules."))
        if rule.applies_to_text:
            is_text = isinstance(field, (models.CharField, models.TextField)) and not field.choices
            if not is_text:
                raise ValidationError({"input_convert" if self.input_convert else "input_width": _(
                    "Only text fields take a character rule or a conversion.")})
            if self.input_type == self.SELECT:
                raise ValidationError({"input_convert" if self.input_convert else "input_width": _(
                    "A pulldown offers its own choices: it takes no character rule or conversion.")})
            if self.field_name in defaults.KANA_FIELDS.get(self.model, set()) and (
                    self.input_width == rules.HALF_ONLY or self.input_convert == rules.TO_HALF):
                raise ValidationError({"input_convert" if self.input_convert == rules.TO_HALF else "input_width": _(
                    "Readings are always stored in full-width katakana: they take no half-width rule.")})
            if (self.input_width, self.input_convert) in {(rules.HALF_ONLY, rules.TO_FULL),
                                                          (rules.FULL_ONLY, rules.TO_HALF)}:
                raise ValidationError({"input_width": _(
                    "This conversion makes every value break this character rule: choose one of them.")})
        if self.required and self.warn_if_empty:
            raise ValidationError({"warn_if_empty": _("A required field is never empty: choose one of the two.")})
        if rule.required or rule.warn_if_empty:
            if self.hidden:
                raise ValidationError({"hidden": _(
                    "A field that is required or warns when empty cannot be hidden: nobody could fill it in.")})
            if self.visible_to_id:
                raise ValidationError({"visible_to": _(
                    "A field that is required or warns when empty cannot be restricted: those who do not see it "
                    "could not save.")})
