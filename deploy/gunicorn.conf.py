"""gunicorn settings for Anxin: ``gunicorn -c deploy/gunicorn.conf.py "bot:create_app()"``.

Chosen for slow clients. A sync worker reading a request body that trickles in is
stuck until it ends, so four slow sockets stalled ``gunicorn -w 4``. Here each worker
runs threads (``gthread``): a trickling body holds one thread, not the process, and
the other threads keep answering. nginx in front (deploy/nginx/anxin.conf) buffers
whole bodies and drops clients that stall, so in production gunicorn only ever sees
complete requests; these settings keep it standing when reached without nginx.

Environment: ``ANXIN_BIND`` (default 127.0.0.1:8000), ``WEB_CONCURRENCY`` (workers,
default 4), ``ANXIN_THREADS`` (threads per worker, default 8).
"""

import os

bind = os.environ.get("ANXIN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "gthread"
threads = int(os.environ.get("ANXIN_THREADS", "8"))
# A worker silent for this long is restarted; a WeChat push must be answered within 5 s anyway.
timeout = 30
graceful_timeout = 20
keepalive = 5
# Requests larger than WeChat's or the APIs' are not read: a long request line or header is a 4xx.
limit_request_line = 8190
limit_request_fields = 60
limit_request_field_size = 8190
# Restart workers now and then so that a slow leak cannot grow without bound.
max_requests = 5000
max_requests_jitter = 500
# Access log without the query string: WeChat's signature, timestamp and nonce never reach a log.
accesslog = os.environ.get("ANXIN_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms "%(a)s"'
errorlog = "-"
# The app logs its own requests (with request ids); gunicorn's error log stays for the server itself.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker: object) -> None:
    """Build OpenCC's converters and the diary's word segmenter (~0.7 s) before the worker serves, not on a nurse's
    first line."""
    from bot.diary import reading, words

    reading.warm_up()
    words.warm_up()
