"""Admin screens, one module per model family; base.py fixes the class order once."""

from . import audit_log, contact, customer, field_settings, masters, purchase, staff  # noqa: F401
