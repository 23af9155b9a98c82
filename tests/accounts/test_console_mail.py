"""Issue 18 minor: e-mails printed by `make run` (console backend) are readable: accents as
typed, a long link on one line (no quoted-printable, no soft line break)."""

import io

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from accounts.mail import ReadableConsoleBackend

LINK = "http://127.0.0.1:8123/compte/confirm-email/MTI:1vRxyz:abcdefghijklmnopqrstuvwxyz0123456789/"


def test_console_default_is_the_readable_one():
    # chorus.settings.base maps Django's console backend (EMAIL_URL consolemail://) to ours.
    from chorus.settings import base

    assert base.CHORUS_INNER_EMAIL_BACKEND in {
        "accounts.mail.ReadableConsoleBackend",
        base._email["EMAIL_BACKEND"],
    }
    if base._email["EMAIL_BACKEND"].endswith("console.EmailBackend"):
        assert base.CHORUS_INNER_EMAIL_BACKEND == "accounts.mail.ReadableConsoleBackend"


def test_console_prints_accents_and_whole_links():
    stream = io.StringIO()
    message = EmailMultiAlternatives(
        "[chorus] Activez votre compte",
        f"Bonjour Hélène,\n\nCliquez pour activer votre compte créé à Besançon :\n{LINK}\n",
        settings.DEFAULT_FROM_EMAIL,
        ["helene@example.test"],
    )
    message.attach_alternative("<p>Bonjour</p>", "text/html")
    assert ReadableConsoleBackend(stream=stream).send_messages([message]) == 1
    out = stream.getvalue()
    assert "Subject: [chorus] Activez votre compte" in out
    assert "Bonjour Hélène," in out
    assert "créé à Besançon" in out
    assert LINK in out.splitlines()
    assert "=C3=A9" not in out
    assert "version text/html" in out
