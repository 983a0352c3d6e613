"""The fields a browser would post with an HTML form, for the simulated staff of `make loadtest`
(bench/locustfile.py). No Django and no locust here: tests/test_bench_tools.py posts a real card back with it."""

from __future__ import annotations

from html.parser import HTMLParser


class FormFields(HTMLParser):
    """The fields a browser would send with one <form> (its id; None: every form of the page): inputs,
    checked boxes, selected options, textareas, also those outside it that name it (form="…"). Enough for
    Django admin forms; files are left out."""

    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, form_id is None, []
        self._select, self._select_first, self._select_chosen, self._textarea = None, None, False, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.form_id is not None:
            self.inside = a.get("id") == self.form_id
            return
        # A field belongs to the form it sits in, or to the one its form="…" attribute names (Kokyaku's
        # version field of optimistic locking sits outside the card's <form> and names it).
        belongs = (a["form"] == self.form_id) if "form" in a and self.form_id is not None else self.inside
        if not belongs and not (tag == "option" and self._select):
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.fields.append((name, a.get("value", "")))
        elif tag == "select" and name and "disabled" not in a:
            self._select, self._select_first, self._select_chosen = (name, "multiple" in a), None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self.fields.append((self._select[0], value))
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.form_id is not None:
            self.inside = False
        elif tag == "select" and self._select:
            if not self._select_chosen and not self._select[1] and self._select_first is not None:
                self.fields.append((self._select[0], self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea[0], self._textarea[1].removeprefix("\n")))
            self._textarea = None


def form_fields(html: str, form_id: str | None = None) -> list[tuple[str, str]]:
    parser = FormFields(form_id)
    parser.feed(html)
    return parser.fields
