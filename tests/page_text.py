"""What a page says, as a Japanese reader of it sees it: its text nodes, placeholders and button values (not
other attributes, icons or scripts), and the words that must not be among them.

Used by the admin walk (tests/test_admin_walk.py: every admin page, as every persona, read from the server's
HTML) and by the browser walk (tests/test_ui_japanese.py: each page once more after its scripts ran).
"""

import re
from html.parser import HTMLParser

# English UI strings that must not show in the Japanese UI: Django's, unfold's and the
# libraries' own words. Matched as whole words, case-sensitive, in the page's text.
ENGLISH = [
    "- Select an option -", "Select an option", "---------", "Select action", "Run the selected action",
    "Can add", "Can change", "Can delete", "Can view", "historical",
    "Save", "Save and", "Save as new", "Delete", "Add", "Add another", "Change", "View", "Edit", "Close", "Cancel",
    "Submit", "Remove", "Revert", "Restore", "History", "Change history", "Filter", "Filters", "Search",
    "Type to search", "Show all", "Clear all", "Clear", "Actions", "Action", "selected", "Go", "Yes", "No",
    "Unknown", "None", "True", "False", "Today", "Now", "Yesterday", "Tomorrow", "Previous", "Next",
    "Choose", "Choose a Date", "Choose a Time", "Midnight", "Noon", "Calendar",
    "Upload", "Download", "Export", "Import", "Print", "page:", "Page", "Loading", "Home", "Dashboard",
    "Log out", "Log in", "Password", "Username", "Reset password", "Set password", "Algorithm", "algorithm",
    "Iterations", "Salt", "Hash", "pbkdf2_sha256",
    "Please correct", "This field is required", "Enter a valid", "Note:", "hours behind", "hours ahead",
    "Summary", "Objects", "object", "entries", "results", "Results", "Welcome", "Recent actions",
    "Language", "Theme", "Dark", "Light", "Sort", "Ascending", "Descending", "Toggle", "Navigation",
    "Empty", "Required", "Error", "Warning", "Date", "Time", "User", "Name", "Reason", "Changed", "Added",
    "Deleted", "Successfully", "successfully", "Are you sure",
    "Axes", "Access Log for", "Failed access", "Attempted Access", "Staff-group", "object permission",
]
_ENGLISH = re.compile("|".join(
    rf"(?<![A-Za-z]){re.escape(s)}(?![A-Za-z])" for s in sorted(ENGLISH, key=len, reverse=True)
))
class PageText(HTMLParser):
    """What the browser's TEXT_JS reads, from the server's HTML (no JavaScript run)."""

    SKIP_TAGS = {"script", "style", "template", "noscript"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: does it hide its text?
        self.texts: list[str] = []
        self.in_body = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.in_body = True
        if tag in ("input", "textarea"):
            if attrs.get("placeholder"):
                self.texts.append(attrs["placeholder"])
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.texts.append(attrs["value"])
        if tag in self.VOID:
            return
        hides = tag in self.SKIP_TAGS or "material-symbols-outlined" in (attrs.get("class") or "")
        self.stack.append(hides or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        text = data.strip()
        if text and self.in_body and not (self.stack and self.stack[-1]):
            self.texts.append(text)


def server_texts(html: str) -> list[str]:
    parser = PageText()
    parser.feed(html)
    return parser.texts


def own_names(user) -> set[str]:
    return {user.username, user.email, getattr(user, "display_name", "")} - {""}


def english_in(texts, user) -> list[str]:
    """The ENGLISH strings in these texts; the user's own name and email are user data."""
    own = own_names(user)
    found = []
    for text in texts:
        for name in own:
            text = text.replace(name, "")
        found += [f"{m.group(0)!r} in {text[:80]!r}" for m in _ENGLISH.finditer(text)]
    return sorted(set(found))


# Words an office does not use, on any admin page an administrator opens (titles included): the catalogs'
# translations of Django's own terms where Kokyaku has its own (issue 22, point 22).
NOT_OFFICE_WORDS = re.compile(r"認証と認可|オブジェクト(?!権限)|エクスポート|インポート|利用者部門|(?:変更|表示)する\S*を選択")


def title_of(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, flags=re.S)
    return match.group(1) if match else ""


def not_office_words_in(html: str) -> list[str]:
    """The NOT_OFFICE_WORDS in the page's text and its title."""
    return sorted({m.group(0) for piece in server_texts(html) + [title_of(html)] for m in NOT_OFFICE_WORDS.finditer(piece)})
