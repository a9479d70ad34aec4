"""gunicorn's configuration for the console: `gunicorn -c gunicorn.conf.py` (the production command in
docs/operators-guide.md; deploy/ uses it too). Every value can be overridden from the environment.

- Threaded workers (`gthread`): a worker's main thread keeps telling the arbiter it lives while its threads serve,
  so a long request (a call export of millions of rows streams for minutes) is never killed mid-file, and a page
  waiting on eTelecom holds one thread, not a whole worker. Sync workers cut both at `timeout` (FIELD-NOTES).
- `timeout` stays above the longest request the console makes on purpose: its eTelecom calls end within
  ETELECOM_REQUEST_BUDGET (45 s by default), so a slow eTelecom is a readable message, never a worker kill.
- Access log to stdout, times in UTC with their offset, with the request id the console returns.
"""

import os
import time
from datetime import UTC, datetime

from gunicorn import glogging

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# A worker restarts after this many requests (with jitter, so they do not all restart at once): bounds a leak.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Load the application once in the arbiter: workers fork from it, and a broken settings module stops the start.
preload_app = True
# The proxy in front sets X-Forwarded-*; trust it only from the addresses listed (default: loopback).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# No runtime control socket: systemd or the container runtime manages the process (and a container's home is
# not writable).
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(t)s %(h)s %({x-request-id}o)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'


class UTCLogger(glogging.Logger):
    """gunicorn's logger with times in UTC and their offset: Django sets the process's local time to TIME_ZONE."""

    def now(self):
        return datetime.now(UTC).strftime("[%Y-%m-%dT%H:%M:%S%z]")

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if handler.formatter is not None:
                    handler.formatter.converter = time.gmtime


logger_class = UTCLogger
