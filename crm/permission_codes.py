"""Every permission code the core asks about, by name: no `has_perm("app.codename")` literal elsewhere.

A feature app names its own codes in one module of its own (events/permission_codes.py) and says which
role gets them through crm.extensions.grant; the core never names a feature's codes.
"""

from __future__ import annotations

# R2: a django-guardian object permission on Branch, per branch
ACCESS_BRANCH = "crm.access_branch"

# R1: what a role may do with customers besides the model permissions
EXPORT_CUSTOMERS = "crm.export_customer"
PRINT_CUSTOMERS = "crm.print_customer"
IMPORT_CUSTOMERS = "crm.import_customer"

VIEW_CUSTOMER = "crm.view_customer"
ADD_CUSTOMER = "crm.add_customer"
CHANGE_CUSTOMER = "crm.change_customer"
DELETE_CUSTOMER = "crm.delete_customer"
VIEW_CONTACT = "crm.view_contacthistory"
ADD_CONTACT = "crm.add_contacthistory"
VIEW_PURCHASE = "crm.view_purchase"
VIEW_PRODUCT = "crm.view_product"
ADD_PRODUCT = "crm.add_product"
CHANGE_PRODUCT = "crm.change_product"

# 名寄せ (S6) deletes customers into another one
MERGE_CUSTOMERS = (VIEW_CUSTOMER, CHANGE_CUSTOMER, DELETE_CUSTOMER)


def model_code(action: str, model) -> str:
    """A model permission's code: model_code("view", Purchase) == "crm.view_purchase". `model` is a model
    class, an instance or an "app_label.ModelName" label."""
    if isinstance(model, str):
        app_label, _dot, name = model.partition(".")
        return f"{app_label}.{action}_{name.lower()}"
    meta = model._meta
    return f"{meta.app_label}.{action}_{meta.model_name}"
