"""Business rules of a public structure's own settings: billing parameters, services, legal
commitments (engagements juridiques, with CSV import) and the access of its staff.

Only the validated principal manager of a PUBLIQUE structure may call these functions (`guards`).
Every change is written to the structure's audit trail; rules raise `ChorusError` in French, naming
the field and the rule.
"""

from structures.settings.services.billing import (
    ej_format_check,
    ej_format_compile,
    payment_deadline_days,
    structure_billing_update,
)
from structures.settings.services.engagement_import import (
    EngagementImportError,
    ImportResult,
    engagement_csv_template,
    engagement_import_csv,
)
from structures.settings.services.engagements import (
    engagement_create,
    engagement_delete,
    engagement_update,
)
from structures.settings.services.service_codes import (
    service_create,
    service_deactivate,
    service_update,
)
from structures.settings.services.staff import (
    membership_set_access,
)

__all__ = [
    "EngagementImportError",
    "ImportResult",
    "ej_format_check",
    "ej_format_compile",
    "engagement_create",
    "engagement_csv_template",
    "engagement_delete",
    "engagement_import_csv",
    "engagement_update",
    "membership_set_access",
    "payment_deadline_days",
    "service_create",
    "service_deactivate",
    "service_update",
    "structure_billing_update",
]
