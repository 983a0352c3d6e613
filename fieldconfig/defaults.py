"""Default labels of every configurable field, before an admin renames anything.

English msgids, translated to Japanese in locale/ja. Corporate and individual mode differ
only where the seed's two 顧客登録画面 differ.
"""

from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _


def _numbered(msgid: str, n: int) -> str:
    return gettext(msgid) % {"n": n}


numbered = lazy(_numbered, str)

REMARK_COUNT = 10
CHECK_COUNT = 48
CONTENT_COUNT = 10

CORPORATE = "corporate"
INDIVIDUAL = "individual"

CUSTOMER_LABELS = {
    "code": _("Customer code"),
    "branch": _("Branch"),
    "last_name": _("Family name"),
    "first_name": _("Given name"),
    "last_name_kana": _("Family name (kana)"),
    "first_name_kana": _("Given name (kana)"),
    "company_name": _("Company name"),
    "company_kana": _("Company name (kana)"),
    "department": _("Department"),
    "title": _("Job title"),
    "industry": _("Industry"),
    "postal_code": _("Postal code"),
    "address": _("Address"),
    "building": _("Building"),
    "tel": _("TEL"),
    "fax": _("FAX"),
    "mobile": _("Mobile TEL"),
    "email": _("Email"),
    "url": _("URL"),
    "birth_date": _("Date of birth"),
    "gender": _("Gender"),
    "category": _("Customer category"),
    "staff_department": _("Staff department"),
    "staff": _("Staff in charge"),
    "send_to": _("Send to"),
    "contact_postal_code": _("Contact postal code"),
    "contact_address": _("Contact address"),
    "contact_building": _("Contact building"),
    "contact_tel": _("Contact TEL"),
    "contact_fax": _("Contact FAX"),
    "created_at": _("Registered at"),
    "created_by": _("Registered by"),
    "updated_at": _("Updated at"),
    "updated_by": _("Updated by"),
}
CUSTOMER_LABELS.update({f"remark{i}": numbered(gettext_noop("Remark %(n)d"), i) for i in range(1, REMARK_COUNT + 1)})
CUSTOMER_LABELS.update({f"check{i}": numbered(gettext_noop("Check %(n)d"), i) for i in range(1, CHECK_COUNT + 1)})

# The seed's individual-mode card: the main address and phone are the home ones.
INDIVIDUAL_CUSTOMER_LABELS = {
    "company_name": _("Employer"),
    "company_kana": _("Employer (kana)"),
    "tel": _("Home TEL"),
    "fax": _("Home FAX"),
    "address": _("Home address"),
}
CORPORATE_CUSTOMER_LABELS = {
    "tel": _("Company TEL"),
    "fax": _("Company FAX"),
}

CONTACT_LABELS = {
    "customer": _("Customer"),
    "date": _("Date"),
    "category": _("Category"),
    "detail": _("Detail"),
    "status": _("Status"),
    "response": _("Response"),
    "next_action_date": _("Next action"),
    "department": _("Department"),
    # 担当者, as on the customer's card and the seed's contact screen (not 利用者, the staff master).
    "staff": _("Staff in charge"),
    "notes": _("Notes"),
    "remark": _("Remark"),
    "memo": _("Memo"),
}
CONTACT_LABELS.update({f"content{i}": numbered(gettext_noop("Content %(n)d"), i) for i in range(1, CONTENT_COUNT + 1)})

PURCHASE_LABELS = {
    "customer": _("Customer"),
    "date": _("Date"),
    "product": _("Product"),
    "product_category": _("Product category"),
    "product_code": _("Product code"),
    "product_name": _("Product name"),
    "quantity": _("Quantity"),
    "unit_price": _("Unit price"),
    "amount": _("Amount"),
    "payment_method": _("Payment method"),
    "shipped": _("Shipped"),
    "paid": _("Paid"),
    "media": _("Media"),
    "other1": _("Other 1"),
    "other2": _("Other 2"),
    "remark": _("Remark"),
    "memo": _("Memo"),
    "points": _("Points"),
}

FAMILY_LABELS = {
    "registered_on": _("Registered on"),
    "relation": _("Relation"),
    "name": _("Name"),
    "name_kana": _("Name (kana)"),
    "gender": _("Gender"),
    "birth_date": _("Date of birth"),
    "lives_together": _("Lives together"),
    "occupation": _("Occupation"),
    "hobbies": _("Hobbies"),
    "joint_name": _("Joint name on mail"),
}

CAREER_LABELS = {
    "date": _("Date of change"),
    "company": _("Company"),
    "department": _("Department"),
    "title": _("Job title"),
}

DEFAULT_LABELS = {
    "customer": CUSTOMER_LABELS,
    "contacthistory": CONTACT_LABELS,
    "purchase": PURCHASE_LABELS,
    "familymember": FAMILY_LABELS,
    "careerentry": CAREER_LABELS,
}

MODE_LABELS = {
    CORPORATE: {"customer": CORPORATE_CUSTOMER_LABELS},
    INDIVIDUAL: {"customer": INDIVIDUAL_CUSTOMER_LABELS},
}

# Choice labels that differ by mode: (model, field, value) → label. 送付先 「会社」 is the
# customer's 勤務先 when the customers are individuals.
MODE_CHOICE_LABELS = {
    INDIVIDUAL: {("customer", "send_to", "company"): _("Employer")},
}

# Fields an admin may turn into a pulldown with choices of their own (C3).
CHOICE_CAPABLE = {
    "customer": {"industry", "department", "title", *(f"remark{i}" for i in range(1, REMARK_COUNT + 1))},
    "contacthistory": {"status", "remark", *(f"content{i}" for i in range(1, CONTENT_COUNT + 1))},
    "purchase": {"payment_method", "media", "other1", "other2", "remark"},
}

# Fields an admin may hide because the office does not use them.
HIDEABLE = {
    "customer": {
        *(f"remark{i}" for i in range(1, REMARK_COUNT + 1)),
        *(f"check{i}" for i in range(1, CHECK_COUNT + 1)),
        "industry", "fax", "url", "birth_date", "gender", "category", "contact_postal_code",
        "contact_address", "contact_building", "contact_tel", "contact_fax", "company_kana",
        "department", "title", "mobile", "building",
    },
    "contacthistory": {
        *(f"content{i}" for i in range(1, CONTENT_COUNT + 1)),
        "status", "next_action_date", "notes", "remark", "memo",
    },
    "purchase": {"payment_method", "shipped", "paid", "media", "other1", "other2", "remark", "memo", "points"},
}

# Fields the quick search reads (crm.models.Customer.QUICK_SEARCH_*): restricting them would let
# a search reveal who holds a value, so they cannot be restricted.
UNRESTRICTABLE = {
    "customer": {"code", "branch", "last_name", "first_name", "last_name_kana", "first_name_kana", "company_name",
                 "company_kana", "email", "tel", "mobile", "fax", "contact_tel", "address", "building"},
}

# Fields that tie a record to its customer, order it (paging, date hierarchy) or name it (its
# str() shows on history pages, delete confirmations and the audit log): restricting them
# would leave a record that cannot be placed or named without showing the restricted value.
STRUCTURAL = {
    "contacthistory": {"customer", "date", "category"},
    "purchase": {"customer", "date", "product_name"},
    "familymember": {"name"},
    "careerentry": {"company"},
}

# The seed's sample checkbox names (検索指定画面); offered by seed_demo, not forced on anyone.
SAMPLE_CHECK_NAMES = {
    1: "年賀状", 2: "暑中見舞", 3: "お中元", 4: "お歳暮", 5: "xmasカード", 7: "VIP",
    8: "Aランク", 9: "Bランク", 10: "Cランク", 11: "Dランク", 12: "ブラック",
}

# Input rules (C8): fields no rule may be set on, because the system fills them (the code is
# numbered when left blank, the registered / updated columns are written by every save).
NO_INPUT_RULES = {
    "customer": {"code", "created_at", "created_by", "updated_at", "updated_by"},
}
# The readings (フリガナ): always stored in full-width katakana (crm.normalize.to_katakana), so a
# half-width rule or conversion on them could never hold.
KANA_FIELDS = {
    "customer": {"last_name_kana", "first_name_kana", "company_kana"},
    "familymember": {"name_kana"},
}
