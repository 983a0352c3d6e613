from .branch import Branch, Staff, StaffDepartment
from .masters import ContactCategory, CustomerCategory, Product
from .customer import Customer, CustomerPhone, CodeSequence
from .contact import ContactAttachment, ContactHistory
from .purchase import Purchase
from .family import FamilyMember
from .career import CareerEntry
from .saved_search import SavedSearch

__all__ = [
    "Branch", "Staff", "StaffDepartment", "ContactCategory", "CustomerCategory", "Product",
    "Customer", "CustomerPhone", "CodeSequence", "ContactAttachment", "ContactHistory",
    "Purchase", "FamilyMember", "CareerEntry", "SavedSearch",
]
