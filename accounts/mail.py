from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends import console
from django.core.mail.backends.base import BaseEmailBackend


class SandboxEmailBackend(BaseEmailBackend):
    """Keep a copy of every message in the database, then hand it to the real backend.

    Lets a sandbox user click an activation link without any SMTP server. Opened (`with
    get_connection() as connection:`), it keeps one connection of the real backend until closed,
    so several messages share one SMTP session, as with the real backend alone.
    """

    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self._inner: BaseEmailBackend | None = None

    def _real(self) -> BaseEmailBackend:
        return get_connection(settings.CHORUS_INNER_EMAIL_BACKEND, fail_silently=self.fail_silently)

    def open(self):
        if self._inner is None:
            self._inner = self._real()
        return self._inner.open()

    def close(self) -> None:
        inner, self._inner = self._inner, None
        if inner is not None:
            inner.close()

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
        return (self._inner or self._real()).send_messages(email_messages)


class ReadableConsoleBackend(console.EmailBackend):
    """The console backend of `make run`, readable by a person: the headers, then the text body
    as written (Django's prints the MIME source: quoted-printable, accents as =C3=A9 and links cut
    by soft line breaks, broken when copied)."""

    def write_message(self, message) -> None:
        lines = [
            f"Subject: {message.subject}",
            f"From: {message.from_email or settings.DEFAULT_FROM_EMAIL}",
            f"To: {', '.join(message.to)}",
        ]
        if message.cc:
            lines.append(f"Cc: {', '.join(message.cc)}")
        lines += ["", message.body.rstrip("\n")]
        for _content, mimetype in getattr(message, "alternatives", []):
            lines.append(f"[version {mimetype} jointe, non affichée]")
        for attachment in message.attachments:
            name = attachment[0] if isinstance(attachment, tuple) else attachment.get_filename()
            lines.append(f"[pièce jointe : {name}]")
        self.stream.write("\n".join(lines) + "\n" + "-" * 79 + "\n")
