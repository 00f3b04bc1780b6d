"""gunicorn settings for AutoShop in production: `gunicorn -c deploy/gunicorn.conf.py`.

Everything comes from the environment (as for the app): GUNICORN_BIND, WEB_CONCURRENCY
(processes, default 2 per core), GUNICORN_THREADS, GUNICORN_TIMEOUT. gunicorn's own lines are
JSON like the app's; its access log is off because the app logs each request itself, with the
request id, route and user.
"""

import multiprocessing
import os

wsgi_app = "autoshop.wsgi:app"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Behind the reverse proxy, which sets X-Forwarded-*: the app trusts TRUSTED_PROXY_COUNT of them.
forwarded_allow_ips = "127.0.0.1"
accesslog = None
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "{asctime}{levelname}{name}{message}",
            "style": "{",
            "rename_fields": {"asctime": "timestamp", "levelname": "level", "name": "logger"},
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        }
    },
    "filters": {"redact": {"()": "autoshop.observability.Redact"}},
    # gunicorn's defaults name these handlers; replacing them keeps its root logger configurable.
    "handlers": {
        name: {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["redact"],
            "stream": "ext://sys.stderr",
        }
        for name in ("console", "error_console")
    },
    # The root logger is the app's: create_app() gives it the handler with request ids.
    "root": {"level": "INFO", "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
    },
}
