"""Gunicorn settings for Innsikt behind nginx on the same machine.

Started by deploy/innsikt-web.service:
    gunicorn --config /srv/innsikt/deploy/gunicorn.conf.py cms.wsgi:application
Sizing comes from /etc/innsikt/innsikt.env (GUNICORN_WORKERS, GUNICORN_TIMEOUT).
"""

import os

wsgi_app = "cms.wsgi:application"
proc_name = "innsikt-web"

# Only nginx talks to gunicorn, over loopback; nothing else may reach the port.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: Innsikt's requests are short (long work goes to Celery), and a sync worker
# per request keeps database connections and memory predictable. nginx buffers slow
# clients (phones on a weak wifi), so a sync worker is never held by a slow upload.
# Rule of thumb: 2 x CPU cores + 1; never fewer than 2, so a reload never drops traffic.
worker_class = "sync"
workers = max(2, int(os.environ.get("GUNICORN_WORKERS", "3")))

# A request that runs longer than this is a bug (reports and exports are Celery jobs);
# the worker is killed and replaced. nginx's proxy_read_timeout is set a little higher.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle workers now and then so a slow leak (pandas, matplotlib) cannot grow unbounded.
max_requests = 1000
max_requests_jitter = 100

# nginx terminates TLS and sets X-Forwarded-Proto. Trust it only from the local proxy,
# and only that one header. Django reads the same header (SECURE_PROXY_SSL_HEADER) from
# whoever can reach this port, which is why the port must only be reachable by the proxy.
# FORWARDED_ALLOW_IPS is gunicorn's own variable, for a proxy on another machine.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# Access log OFF, on purpose. Anonymous surveys promise that nothing links an answer to
# a person: no IP address, user agent or precise time is stored with a response. A log
# line is stored data too: gunicorn's default format writes the client address, the user
# agent, the referrer and the full URL (including resume tokens), each with a timestamp,
# which is enough to tie a submission to a device. Behind nginx the address would only be
# 127.0.0.1, but the rest still identifies. nginx keeps the one access log, in a format
# without client addresses, user agents or query strings (deploy/nginx.conf.example).
accesslog = None
# Errors and worker lifecycle go to stderr, i.e. the systemd journal.
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()

# Gunicorn's control socket (gunicornc) lives in the unit's RuntimeDirectory
# (/run/innsikt-web); without one (e.g. when started by hand) it is switched off rather
# than written into a home directory that the hardened unit mounts read-only.
_runtime_dir = os.environ.get("RUNTIME_DIRECTORY", "").split(":")[0]
if _runtime_dir:
    control_socket = os.path.join(_runtime_dir, "gunicorn.ctl")
else:
    control_socket_disable = True
