import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chorus.settings.base")

# Setting DJANGO_SETTINGS_MODULE before creating the app makes Celery's Django fixup install
# DjangoTask as the task class, which gives every task `delay_on_commit`.
app = Celery("chorus")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_ready.connect
def _start_consumer_watchdog(sender, **kwargs) -> None:
    """A worker that stops consuming after a broker reconnection exits to be restarted."""
    from django.conf import settings

    from chorus import watchdog

    queues = sorted(sender.app.amqp.queues.consume_from or {})
    watchdog.start(
        app=sender.app, queues=queues, stall_seconds=settings.CHORUS_WORKER_WATCHDOG_SECONDS
    )


@signals.task_received.connect
def _consumer_alive(**kwargs) -> None:
    from chorus import watchdog

    watchdog.task_received()


@signals.task_prerun.connect
def _close_old_connections(sender=None, **kwargs) -> None:
    """Connections outlive tasks (CELERY_DB_REUSE_MAX): drop the broken or too old ones first,
    as Django does at each request start. Not for eager tasks: they run inside the caller's
    transaction."""
    if sender is None or getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
