"""Business rules of structures and attachments (rattachements).

Every function is keyword-only, checks its rules and raises `ChorusError` with a French message that
names the field and the rule. E-mails leave only once the transaction commits.

`registration` finds and creates structures, `memberships` handles attachments, `invitations` the
members a manager added; `common` holds the audit trail and the shared checks. Callers use this
package (`from structures import services`).
"""

from structures.services.common import (
    PUBLIC_STRUCTURE_EXPLANATION,
    structure_log,
)
from structures.services.invitations import (
    membership_invitation_accept,
    membership_invitation_decline,
)
from structures.services.memberships import (
    membership_add_by_manager,
    membership_approve,
    membership_detach,
    membership_refuse,
    membership_request,
    principal_transfer,
)
from structures.services.registration import (
    company_record_lookup,
    structure_create_private,
    structure_duplicate_error,
    structure_find,
)

__all__ = [
    "PUBLIC_STRUCTURE_EXPLANATION",
    "company_record_lookup",
    "membership_add_by_manager",
    "membership_approve",
    "membership_detach",
    "membership_invitation_accept",
    "membership_invitation_decline",
    "membership_refuse",
    "membership_request",
    "principal_transfer",
    "structure_create_private",
    "structure_duplicate_error",
    "structure_find",
    "structure_log",
]
