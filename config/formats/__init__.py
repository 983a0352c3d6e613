"""Kokyaku's display formats per language (Django's FORMAT_MODULE_PATH)."""
