"""Admin screens, one module per model family; base.py fixes the class order once."""

from . import contact, customer, masters, purchase, staff  # noqa: F401
