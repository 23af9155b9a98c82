"""Celery beat task of the webhooks: schedule deliveries for new events, send those due."""

from celery import shared_task


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def webhooks_dispatch() -> dict[str, int]:
    from api.webhooks import webhook_deliveries_schedule, webhook_deliveries_send_due

    return {"programmees": webhook_deliveries_schedule(), "envoyees": webhook_deliveries_send_due()}
