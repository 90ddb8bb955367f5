"""Load scenario: visitors exploring the map, posting the browser's real callback requests.

Each simulated user opens the page, then every 2–10 s changes one control, as a person does:
the month, the job family, the region or the indicator. A change posts the recorded requests
(``payloads/filter_change.json``) as the browser does (one request since the view and its
panels are one callback). Like the browser, a visitor sends back what its page holds (the
view in its stores, the panel keys, the map's signature), so the server sends only the panels
the change alters.

    locust -f bench/locustfile.py --headless -u 200 -r 20 -t 2m --host http://127.0.0.1:8050
"""

from __future__ import annotations

import random
from typing import Any

from locust import HttpUser, between, task

from bench.interaction_time import FAMILIES, REGIONS, load_payloads, vary

PAYLOADS = load_payloads()
MONTHS = [f"{year}-{month:02d}" for year in (2023, 2024) for month in range(1, 13)]
METRICS = ["tension", "job_offers", "trainings"]
CONTROLS = {"month": "filter-month", "family": "filter-family", "region": "filter-region"}
CONTROLS["metric"] = "filter-metric"
HELD = ("state", "tools", "panel-keys", "map-signature")  # what the page holds between clicks


class Visitor(HttpUser):
    wait_time = between(2, 10)

    def on_start(self) -> None:
        self.client.get("/", name="page")
        self.client.get("/api/v1/months", name="months")
        self.view: dict[str, Any] = {
            "month": MONTHS[-1],
            "family": None,
            "region": None,
            "metric": "tension",
        }
        self.held: dict[str, Any] = {}

    @task
    def change_one_control(self) -> None:
        choices = {"month": MONTHS, "family": FAMILIES, "region": REGIONS, "metric": METRICS}
        control = random.choice(list(choices))
        self.view[control] = random.choice(choices[control])
        requests = vary(PAYLOADS, **self.view)
        trigger = f"{CONTROLS[control]}.value"
        requests[0]["changedPropIds"] = [trigger]
        for body in requests:
            for item in body.get("state", []):
                if item["id"] in self.held:
                    item["value"] = self.held[item["id"]]
            output = body["output"].strip(".").split(".")[0]
            with self.client.post(
                "/_dash-update-component",
                json=body,
                name=f"callback {output}",
                catch_response=True,
            ) as response:
                if response.status_code not in (200, 204):
                    response.failure(f"status {response.status_code}")
                elif response.status_code == 200:
                    self.remember(response.json().get("response", {}))

    def remember(self, sent: dict[str, Any]) -> None:
        for component in HELD:
            if component in sent:
                self.held[component] = sent[component]["data"]
