"""The GEN_SCAN web app: Dash page and open-data API on one Flask server."""

from dashboard.web.factory import create_app, prepare_database

__all__ = ["create_app", "prepare_database"]
