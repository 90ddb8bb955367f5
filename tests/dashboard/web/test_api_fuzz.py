"""Fuzz the open-data API from its own OpenAPI description (schemathesis, in process).

Every operation gets schema-valid queries (positive) and, where it has parameters, queries
that break the schema (negative). No answer may be a server error, and every answer must
match the description: documented status code and content type, body valid against the
response schema, and invalid queries refused.

Not checked: ``positive_data_acceptance``. The description can only say that a code is short
text; the API then refuses codes that are not in the catalog with a documented 400.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.core.failures import FailureGroup

from dashboard import create_app
from data_access.settings import Settings

EXAMPLES = 100  # per operation and mode: about 1,300 requests in all, in a few seconds
# Each answer of these is a whole download: a few are enough to check their description.
FEW_EXAMPLES = {"GET /api/v1/export.csv": 10, "GET /api/v1/export.parquet": 10}
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


@pytest.fixture(scope="module")
def server(fixture_sqlite_file: object) -> Iterator[Flask]:
    # The fuzz only reads: the session's fixture database is never written here.
    app = create_app(
        Settings(
            database_url=f"sqlite:///{fixture_sqlite_file}",
            seed_demo_if_empty=False,
            api_rate_limit="100000/minute",  # the fuzz is one client sending hundreds at once
        )
    )
    yield app.server
    app.server.extensions["genscan_engine"].dispose()


@pytest.fixture(scope="module")
def api_schema(server: Flask) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", server)


def _operations(api_schema: schemathesis.BaseSchema) -> list[schemathesis.APIOperation]:
    return [result.ok() for result in api_schema.get_all_operations()]


def test_the_description_lists_every_route(api_schema: schemathesis.BaseSchema) -> None:
    labels = {op.label for op in _operations(api_schema)}
    assert labels == {
        f"GET /api/v1/{name}"
        for name in (
            "vintages",
            "months",
            "cartography",
            "territories",
            "indicators",
            "trend",
            "export.csv",
            "export.parquet",
            "datapackage.json",
        )
    }


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode))
def test_api_conforms_to_its_description(
    api_schema: schemathesis.BaseSchema, mode: schemathesis.GenerationMode
) -> None:
    statuses: Counter[tuple[str, int]] = Counter()
    failures: list[str] = []
    for operation in _operations(api_schema):
        if mode is schemathesis.GenerationMode.NEGATIVE and not operation.query:
            continue  # nothing to break in a route without parameters

        @settings(
            max_examples=FEW_EXAMPLES.get(operation.label, EXAMPLES),
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: schemathesis.Case) -> None:
            # The WSGI transport does not decode bodies: ask for them as they are.
            response = case.call(headers={"Accept-Encoding": "identity"})
            statuses[(case.operation.label, response.status_code)] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as group:  # collected, so one run reports them all
                failures.append(f"{case.operation.label} {case.query!r}: {group}")

        run()
    assert not failures, "\n\n".join(failures[:5])
    assert not [key for key in statuses if key[1] >= 500]
    assert sum(statuses.values()) >= 5
    if mode is schemathesis.GenerationMode.POSITIVE:
        # Schema-valid queries include real ones: the fuzz does reach the figures.
        assert statuses[("GET /api/v1/indicators", 200)] > 0
        assert statuses[("GET /api/v1/trend", 200)] > 0
    else:
        # A negative case may serialise to a valid query (an extra parameter with an empty name
        # and no value leaves ``?vintage=1``): ``negative_data_rejection`` judges those 200s.
        assert {status for _, status in statuses} <= {200, 400}
        assert statuses[("GET /api/v1/indicators", 400)] > 0
