"""Settings for `make bench` (bench/runner.py): the production settings plus the bench probes.

Only what the measurement needs changes: a URLconf that adds the minimal view (the request
throughput limit), the no-op Celery task, no API rate limit (the bench is one client at full
speed), and PDF rendering on its own queue, as production runs it (docs/scaling.md).
"""

from chorus.settings.base import *  # noqa: F403
from chorus.settings.base import INSTALLED_APPS, REST_FRAMEWORK

ROOT_URLCONF = "bench.urls"
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
CELERY_IMPORTS = ["bench.tasks"]
# PDF rendering (0.4-1 s each) never shares a worker with routing (reliability-perf.md §5.1).
CELERY_TASK_ROUTES = {"invoices.tasks.render_invoice_documents": {"queue": "pdf"}}
# The pool processes compile the schematron stylesheets at start (invoices.tasks warm-up): several
# seconds on a busy 2-core box, beyond Celery's 4 s default, after which the pool kills and
# restarts them in a loop. Proposed for base.py as well (docs/benchmarks.md, findings).
CELERY_WORKER_PROC_ALIVE_TIMEOUT = 120
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"piste": "100000000/min"},
}
