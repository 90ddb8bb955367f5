"""End-to-end tests of the dashboard in headless Chromium (``python -m pytest -m browser``)."""
