"""Load scenario: visitors changing filters, posting the browser's real callback requests.

Each simulated user opens the page, then every 2–10 s changes the month and job family; a
change posts the recorded requests (``payloads/filter_change.json``) exactly as the browser
does: the state callback, then the content callbacks.

    locust -f bench/locustfile.py --headless -u 200 -r 20 -t 2m --host http://127.0.0.1:8050
"""

from __future__ import annotations

import random

from locust import HttpUser, between, task

from bench.interaction_time import FAMILIES, load_payloads, vary

PAYLOADS = load_payloads()
MONTHS = [f"{year}-{month:02d}" for year in (2023, 2024) for month in range(1, 13)]


class Visitor(HttpUser):
    wait_time = between(2, 10)

    def on_start(self) -> None:
        self.client.get("/", name="page")
        self.client.get("/api/v1/months", name="months")

    @task
    def change_filters(self) -> None:
        requests = vary(PAYLOADS, random.choice(MONTHS), random.choice(FAMILIES))
        for body in requests:
            output = body["output"].strip(".").split(".")[0]
            with self.client.post(
                "/_dash-update-component",
                json=body,
                name=f"callback {output}",
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code}")
