"""The validation report: one `Finding` per check that failed, JSON-serialisable.

A finding is `{rule_id, severity, message_fr, business_term, location, source}`; `source` is one of
XSD, EN16931, FACTURX-<profile>, PDFA, CHORUS (and FORMAT for reading errors: unreadable file,
hostile XML, unsupported syntax). A report is valid when no finding is fatal or an error.
"""

from dataclasses import asdict, dataclass, field
from typing import Any

FATAL = "fatal"
ERROR = "error"
WARNING = "warning"
INFO = "info"  # a note (e.g. CIUS-specific rules not checked): never blocks
SEVERITIES = (FATAL, ERROR, WARNING, INFO)
BLOCKING = (FATAL, ERROR)

SOURCE_FORMAT = "FORMAT"
SOURCE_XSD = "XSD"
SOURCE_EN16931 = "EN16931"
SOURCE_PDFA = "PDFA"  # PDF/A-3 structure of a Factur-X (our own checks, pikepdf)
SOURCE_CHORUS = "CHORUS"
SOURCE_ARITHMETIC = "CHORUS"  # our own line arithmetic check: no EN rule covers it


def facturx_source(profile: str) -> str:
    return f"FACTURX-{profile.upper()}"


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: str
    message_fr: str
    business_term: str = ""
    location: str = ""
    source: str = SOURCE_FORMAT
    # Secondary rule id(s) when another rule set reported the same fault under its own id (the FNFE
    # Factur-X id behind a CEN id, e.g. "FX-SCH-A-000571" behind BR-CL-25).
    reference: str = ""
    reason: str = ""  # Chorus reason code of an `invoices.rules` rule (same on every channel)

    def as_json(self) -> dict[str, str]:
        return asdict(self)

    @property
    def blocking(self) -> bool:
        return self.severity in BLOCKING


@dataclass
class Report:
    """What `validate_document` found in one file."""

    filename: str = ""
    flavour: str = ""  # FACTURX | CII | UBL_INVOICE | UBL_CREDITNOTE ("" when unreadable)
    profile: str = ""  # MINIMUM | BASICWL | BASIC | EN16931 | EXTENDED | EXTENDED-CTC-FR | …
    findings: list[Finding] = field(default_factory=list)
    invoice: dict[str, Any] = field(default_factory=dict)  # routing data summary (mapping)
    duration_ms: int = 0

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    @property
    def valid(self) -> bool:
        return not any(f.blocking for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.blocking]

    def rule_ids(self) -> set[str]:
        return {f.rule_id for f in self.findings}

    def as_json(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "flavour": self.flavour,
            "profile": self.profile,
            "valid": self.valid,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "duration_ms": self.duration_ms,
            "invoice": self.invoice,
            "findings": [f.as_json() for f in self.findings],
        }
