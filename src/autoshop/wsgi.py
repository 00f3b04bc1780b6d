"""The WSGI entry point for a production server, e.g. `gunicorn 'autoshop.wsgi:app'`.

`.env` in the working directory is read first (the process environment wins), exactly as the
`autoshop` command reads it, so both run with the same settings.
"""

from autoshop import create_app
from autoshop.config import load_dotenv

load_dotenv()
app = create_app()
