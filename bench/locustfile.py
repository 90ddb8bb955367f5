"""Load scenario: visitors changing filters, posting the browser's real callback requests.

Each simulated user opens the page, then every 2–10 s changes the month, job family, region and
indicator; a change posts the recorded requests (``payloads/filter_change.json``) as the browser
does: the state callback, then the content callback. Like the browser, a visitor sends back what
its page shows (the panel keys and the map's signature), so the server sends only what changed.

    locust -f bench/locustfile.py --headless -u 200 -r 20 -t 2m --host http://127.0.0.1:8050
"""

from __future__ import annotations

import random
from typing import Any

from locust import HttpUser, between, task

from bench.interaction_time import FAMILIES, load_payloads, vary

PAYLOADS = load_payloads()
MONTHS = [f"{year}-{month:02d}" for year in (2023, 2024) for month in range(1, 13)]
REGIONS = [None, "11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94"]
METRICS = ["tension", "job_offers", "trainings"]
SHOWN = ("panel-keys", "map-signature")  # what the page holds of its last content response


class Visitor(HttpUser):
    wait_time = between(2, 10)

    def on_start(self) -> None:
        self.client.get("/", name="page")
        self.client.get("/api/v1/months", name="months")
        self.shown: dict[str, Any] = {}

    @task
    def change_filters(self) -> None:
        view = (random.choice(MONTHS), random.choice(FAMILIES), random.choice(REGIONS))
        requests = vary(PAYLOADS, *view, metric=random.choice(METRICS))
        for body in requests:
            for item in body.get("state", []):
                if item["id"] in self.shown:
                    item["value"] = self.shown[item["id"]]
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
        for component in SHOWN:
            if component in sent:
                self.shown[component] = sent[component]["data"]
