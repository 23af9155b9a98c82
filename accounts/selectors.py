"""Read-only queries on accounts: legal documents to accept, sandbox mailbox pages."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Q

from accounts.choices import LegalDocument
from accounts.models import SandboxEmail, TermsAcceptance, User


def terms_current_version(*, document: str) -> str:
    """The version of `document` users must have accepted, read from settings."""
    if document == LegalDocument.CGU:
        return settings.CHORUS_CGU_VERSION
    if document == LegalDocument.MANDAT_FACTURATION:
        return settings.CHORUS_MANDATE_VERSION
    raise ValueError(f"unknown legal document {document!r}")


@dataclass(frozen=True)
class TermsStatus:
    document: str
    label: str
    version: str
    accepted: TermsAcceptance | None  # acceptance of the current version
    previous: TermsAcceptance | None  # latest acceptance of an older version

    @property
    def is_pending(self) -> bool:
        return self.accepted is None


def terms_status(*, user: User) -> list[TermsStatus]:
    """For each legal document: current version and the user's acceptances (one query)."""
    acceptances = list(TermsAcceptance.objects.filter(user=user).order_by("-accepted_at", "-id"))
    result = []
    for document, label in LegalDocument.choices:
        version = terms_current_version(document=document)
        mine = [a for a in acceptances if a.document == document]
        current = next((a for a in mine if a.version == version), None)
        previous = next((a for a in mine if a.version != version), None)
        result.append(TermsStatus(document, label, version, current, previous))
    return result


def terms_pending(*, user: User) -> list[str]:
    """Codes of the documents whose current version `user` has not accepted yet."""
    if not user.is_authenticated:
        return list(LegalDocument.values)
    return [status.document for status in terms_status(user=user) if status.is_pending]


def user_can_deposit(*, user: User) -> bool:
    """True when `user` may deposit invoices: active account and every document accepted."""
    return bool(user.is_authenticated and user.is_active and not terms_pending(user=user))


SANDBOX_PAGE_SIZE = 25


@dataclass(frozen=True)
class SandboxPage:
    emails: list[SandboxEmail]
    next_cursor: str | None  # pass as ?apres=… to get older messages
    is_first: bool


def _parse_cursor(cursor: str) -> tuple[datetime, int] | None:
    stamp, _sep, pk = cursor.replace(" ", "+").rpartition("_")
    try:
        sent_at = datetime.fromisoformat(stamp)
        return sent_at, int(pk)
    except ValueError:
        return None


def sandbox_email_page(*, cursor: str = "", size: int = SANDBOX_PAGE_SIZE) -> SandboxPage:
    """One page of sandbox e-mails, newest first, keyset-paginated on (sent_at, id): one query."""
    qs = SandboxEmail.objects.defer("body", "html_body").order_by("-sent_at", "-id")
    parsed = _parse_cursor(cursor) if cursor else None
    if parsed is not None and parsed[0].tzinfo is not None:
        sent_at, pk = parsed
        qs = qs.filter(Q(sent_at__lt=sent_at) | Q(sent_at=sent_at, id__lt=pk))
    else:
        parsed = None
    rows = list(qs[: size + 1])
    emails = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = emails[-1]
        next_cursor = f"{last.sent_at.isoformat()}_{last.pk}"
    return SandboxPage(emails=emails, next_cursor=next_cursor, is_first=parsed is None)
