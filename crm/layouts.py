"""The customer card's field order (the seed's card): the form, the export columns and the
import's expected headers all follow it."""

CORPORATE_BASIC = [
    ("code", "branch"),
    ("company_name", "company_kana"),
    ("department", "title", "industry"),
    ("last_name", "first_name"),
    ("last_name_kana", "first_name_kana"),
    ("postal_code", "address", "building"),
    ("tel", "fax", "mobile"),
    ("email", "url"),
    ("birth_date", "gender", "category"),
    ("staff_department", "staff", "send_to"),
]
# 個人 mode: the person and the home first; the employer further down.
INDIVIDUAL_BASIC = [
    ("code", "branch"),
    ("last_name", "first_name"),
    ("last_name_kana", "first_name_kana"),
    ("birth_date", "gender", "category"),
    ("postal_code", "address", "building"),
    ("tel", "fax", "mobile"),
    ("email", "url"),
    ("company_name", "company_kana"),
    ("department", "title", "industry"),
    ("staff_department", "staff", "send_to"),
]
CONTACT_BLOCK = [("contact_postal_code", "contact_address", "contact_building"), ("contact_tel", "contact_fax")]
