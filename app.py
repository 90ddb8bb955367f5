"""Composition root: settings from the environment, the app from the factory.

``gunicorn app:server`` serves it; ``python app.py`` prepares the database (schema, demo history
on first run) and serves it with the development server on HOST:PORT.
"""

from dashboard import create_app, prepare_database
from data_access.settings import Settings

settings = Settings.from_env()
app = create_app(settings)
server = app.server

if __name__ == "__main__":
    prepare_database(settings)
    app.run(host=settings.host, port=settings.port, debug=settings.debug)
