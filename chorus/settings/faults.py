"""Settings for the fault-injection tests (`make test-faults`, tests/reliability/).

Test settings, but with a real broker: Celery is NOT eager, so the routing tasks run in worker
subprocesses started by the tests. Needs DATABASE_URL (PostgreSQL) and REDIS_URL (a redis-server
the tests start on a spare port). Timings follow reliability-perf.md §7: visibility timeout 15 s,
unacked messages restored every 5 s, outbox grace of a few seconds so the sweep acts quickly.
"""

import os

os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("CHORUS_OUTBOX_GRACE_SECONDS", "5")
os.environ.setdefault("CHORUS_ROUTING_MAX_ATTEMPTS", "3")
os.environ.setdefault("CHORUS_WORKER_WATCHDOG_SECONDS", "10")
# Thousands of API deposits from one sandbox application in a few seconds.
os.environ.setdefault("CHORUS_API_RATE", "1000000/min")

from chorus.settings.test import *  # noqa: F403
from chorus.settings.test import REDIS_URL

CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 15,
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,
}
CELERY_VISIBILITY_TIMEOUT = 15
# A publish to a dead broker gives up after ~1 s instead of blocking the request; the outbox row
# stays pending and the sweep sends it again.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Rendering the Factur-X costs ~0.4 s of CPU per invoice (reliability-perf.md §6): its messages go
# to a queue the fault workers do not consume; the guarantee under test is the routing one.
CELERY_TASK_ROUTES = {"invoices.tasks.render_invoice_documents": {"queue": "documents"}}
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 0
# Celery kills a child that has not signalled it is alive within 4 s of the fork. The children do
# little at start-up now (the schematron compiles lazily), but the other processes of a loaded
# 2-core machine can still delay them past 4 s: allow more, as the fault under test is ours.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = 30
