from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend


class SandboxEmailBackend(BaseEmailBackend):
    """Keep a copy of every message in the database, then hand it to the real backend.

    Lets a sandbox user click an activation link without any SMTP server.
    """

    def send_messages(self, email_messages) -> int:
        from accounts.models import SandboxEmail

        for message in email_messages:
            html = ""
            for content, mimetype in getattr(message, "alternatives", []):
                if mimetype == "text/html":
                    html = content
            SandboxEmail.objects.create(
                subject=message.subject,
                from_email=message.from_email or "",
                to=", ".join(message.to + message.cc + message.bcc),
                body=message.body,
                html_body=html,
            )
        inner = get_connection(
            settings.CHORUS_INNER_EMAIL_BACKEND, fail_silently=self.fail_silently
        )
        return inner.send_messages(email_messages)
