"""A new visitor's first load stays within its byte budget and needs no callback.

Measured as a visitor gets it: cache disabled, every response's bytes on the wire
(``encodedDataLength``, after compression) summed through the DevTools protocol, until the map
is drawn, the key figures shown and the network quiet. ``bench/first_load_bytes.py`` prints the
same figure with the detail of each request.
"""

from __future__ import annotations

import pytest

from tests.browser.helpers import MIN_MAP_PATHS

pytestmark = pytest.mark.browser

BUDGET_BYTES = 1_500_000


@pytest.mark.parametrize("path", ["/", "/?region=53&family=DATA&metric=tension"])
def test_cold_first_load_fits_the_budget_and_fires_no_callback(page, path):
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    sizes: dict[str, int] = {}
    urls: dict[str, str] = {}
    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"])
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])),
    )

    page.goto(path)
    page.wait_for_function(
        f"() => document.querySelectorAll('#map .choroplethlocation').length >= {MIN_MAP_PATHS}"
    )
    page.wait_for_function("() => document.querySelector('#key-figures .kf-value') !== null")
    page.wait_for_load_state("networkidle")

    total = sum(sizes.values())
    largest = sorted(((n, urls.get(r, "?")) for r, n in sizes.items()), reverse=True)[:5]
    assert total <= BUDGET_BYTES, (total, largest)
    fetched = list(urls.values())
    assert not [u for u in fetched if "_dash-update-component" in u], fetched
    assert not [u for u in fetched if u.endswith(("_dash-layout", "_dash-dependencies"))]
    assert not [u for u in fetched if "plotly.min.js" in u]
