"""Celery beat task: the recipient robots act on the sandbox clock (thin wrapper, idempotent)."""

from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def run_robots() -> int:
    if not settings.CHORUS_SANDBOX:
        return 0
    from sandbox.robots import robots_run

    return robots_run()
