"""The WSGI entry point for a production server, e.g. `gunicorn 'autoshop.wsgi:app'`."""

from autoshop import create_app

app = create_app()
