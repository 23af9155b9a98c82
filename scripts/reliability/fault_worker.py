"""Celery worker for the fault tests, with one injected fault: a poison routing task.

Run as `python scripts/reliability/fault_worker.py worker -c 2 ...` (Celery's own argv). When
FAULTS_POISON_FILE names a file listing invoice ids (one per line), routing one of those invoices
kills the worker's child process with `os._exit(1)` in the middle of the routing transaction, after
the attempt is counted, like a segfaulting library would. Everything else is the production
task code.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chorus.settings.faults")

from chorus.celery import app  # noqa: F401  (the app the worker runs)


def _poisoned() -> set[int]:
    path = os.environ.get("FAULTS_POISON_FILE", "")
    if not path or not os.path.exists(path):
        return set()
    return {int(line) for line in Path(path).read_text().split() if line.strip()}


def _install_poison() -> None:
    """The crash sits in the routing work itself (the recipient checks), as a faulty library
    would: a message redelivered after the invoice has left EN_COURS_ACHEMINEMENT never gets
    there, exactly as with the real code."""
    import invoices.services.routing as routing

    original = routing.routing_check

    def routing_check(invoice):
        if invoice.pk in _poisoned():
            os._exit(1)
        return original(invoice)

    routing.routing_check = routing_check


if __name__ == "__main__":
    import django

    django.setup()
    _install_poison()
    # Through Celery's own command line, as `celery -A chorus worker` runs in production, so that
    # the worker's exit code (75 from the consumer watchdog) reaches the supervisor.
    from celery.bin.celery import main

    sys.argv = [sys.argv[0], "-A", "chorus", *sys.argv[1:]]
    sys.exit(main())
