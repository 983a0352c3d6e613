"""The simulated staff of `make loadtest` (bench/loadtest.py starts locust with this file; it runs in
.venv-loadtest, without Django).

Each simulated user logs in as one of the staff accounts bench/loadtest.py made in the load test's copy
of the benchmark database (LOADTEST_CONFIG, a JSON file: accounts, hosts, customer ids, search terms),
on one of the app servers (round robin over the hosts: the users are split evenly across the gunicorn
instances), then works with 2–5 s of thinking between actions. Every request is recorded with its
action, the user's role (branch staff / head office), its time and its error, and written to
LOADTEST_RECORDS when the run stops; bench/loadtest.py makes the figures from that file.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
from urllib.parse import quote, urlencode

from locust import HttpUser, between, events, task
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from htmlforms import form_fields  # bench/htmlforms.py, beside this file (locust puts its folder on sys.path)

CONFIG = json.loads(open(os.environ["LOADTEST_CONFIG"], encoding="utf-8").read())
RECORDS: list[list] = []
_next_account = itertools.count()
_lock = threading.Lock()


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, context=None, exception=None,
            **kwargs):
    if name == "login":
        return
    RECORDS.append([name, (context or {}).get("role", "?"), round(response_time, 1),
                    None if exception is None else str(exception)[:200]])


@events.quitting.add_listener
def _write_records(environment, **kwargs):
    with open(os.environ["LOADTEST_RECORDS"], "w", encoding="utf-8") as f:
        json.dump(RECORDS, f, ensure_ascii=False)


class Staff(HttpUser):
    wait_time = between(CONFIG.get("think_min", 2), CONFIG.get("think_max", 5))
    host = CONFIG["hosts"][0]

    def __init__(self, environment):
        super().__init__(environment)
        with _lock:
            n = next(_next_account)
        self.account = CONFIG["accounts"][n % len(CONFIG["accounts"])]
        self.role = self.account["role"]
        self.client.base_url = CONFIG["hosts"][n % len(CONFIG["hosts"])]
        self.ids = self.account["customer_ids"]
        self.save_ids = self.account["save_ids"]
        self.narrow_terms = self.account.get("narrow_terms") or CONFIG["narrow_terms"]

    def context(self):
        return {"role": self.role}

    def on_start(self):
        # As a browser does: a GET sent on a kept-alive connection the server closed at that moment (gunicorn
        # closes idle ones after 2 s, shorter than the thinking) is sent once more on a new connection.
        # POSTs are never repeated.
        retry = Retry(total=1, connect=1, read=1, status=0, other=0, allowed_methods={"GET"}, raise_on_status=False)
        self.client.mount("http://", HTTPAdapter(max_retries=retry))
        self.client.get("/admin/login/", name="login")
        token = self.client.cookies.get("csrftoken", "")
        self.client.post("/admin/login/?next=/admin/", name="login",
                         data={"username": self.account["username"], "password": CONFIG["password"],
                               "csrfmiddlewaretoken": token, "next": "/admin/"})

    def _post_form(self, url: str, html: str, name: str, form_id: str | None, changes: dict, expect):
        fields = [(k, v) for k, v in form_fields(html, form_id) if k not in changes]
        fields += list(changes.items())
        with self.client.post(url, data=fields, name=name, catch_response=True, allow_redirects=False) as response:
            problem = expect(response)
            if problem:
                response.failure(problem)
            else:
                response.success()
        return response

    @task(12)
    def quick_search(self):
        term = random.choice(CONFIG["terms"])
        self.client.get(f"/admin/crm/customer/?q={quote(term)}", name="quick search")

    @task(9)
    def open_card(self):
        self.client.get(f"/admin/crm/customer/{random.choice(self.ids)}/change/", name="open card")

    @task(3)
    def save_card(self):
        url = f"/admin/crm/customer/{random.choice(self.save_ids)}/change/"
        page = self.client.get(url, name="save card: open")
        if page.status_code != 200:
            return
        remark = next((k for k, _v in form_fields(page.text, "customer_form") if re.fullmatch(r"remark\d+", k)), None)
        changes = {"_save": "1"}
        if remark:
            changes[remark] = f"負荷試験 {random.randint(0, 10**6)}"

        def expect(response):
            if response.status_code == 302:
                return None
            errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.text or "", re.S)
            return f"HTTP {response.status_code}: not saved {re.sub(r'<[^>]+>', ' ', ' '.join(errors))[:150]}"

        self._post_form(url, page.text, "save card: save", "customer_form", changes, expect)

    @task(3)
    def advanced_search(self):
        self.client.get(CONFIG["advanced_search"], name="advanced search")

    @task(6)
    def list_page(self):
        self.client.get(f"/admin/crm/customer/?p={random.randint(1, 5)}", name="list page")

    @task(1)
    def small_export(self):
        query = urlencode({"q": random.choice(self.narrow_terms)})
        url = f"/admin/dataio/exportjob/add/?{urlencode({'source': 'customers', 'query': query})}"
        page = self.client.get(url, name="small export: form")
        if page.status_code != 200:
            return

        def expect(response):
            kind = response.headers.get("Content-Type", "")
            return None if response.status_code == 200 and "csv" in kind else \
                f"HTTP {response.status_code} {kind}: no CSV"

        self._post_form(url, page.text, "small export: file", "export-form",
                        {"format": "csv_cp932", "replace": "on"}, expect)

    @task(1)
    def small_print(self):
        url = f"/admin/crm/customer/print/?{urlencode({'q': random.choice(self.narrow_terms)})}"
        page = self.client.get(url, name="small print: form")
        if page.status_code != 200:
            return

        def expect(response):
            kind = response.headers.get("Content-Type", "")
            return None if response.status_code == 200 and "pdf" in kind else \
                f"HTTP {response.status_code} {kind}: no PDF"

        self._post_form(url, page.text, "small print: PDF", "print-form", {"kind": "list"}, expect)
