"""What a rule is: a named check with its Chorus reason code, its French text, its source and
whether it blocks. A check returns a `Violation` (the rule and the sentence for this invoice)."""

from dataclasses import dataclass

SOURCE_SEED = "seed"  # the chorus-pro.md reference notes (sources named beside each rule)
SOURCE_CHORUS_DOC = "Chorus Pro documentation"
SOURCE_EMULATOR = "règle de l'émulateur"


@dataclass(frozen=True)
class Rule:
    code: str  # Chorus reason code: the `error` of an A_RECYCLER invoice, the `reason` of a finding
    finding_id: str  # id of the finding in a validation report (pré-contrôle, flux compte rendu)
    label: str  # short French label (lists, reason columns)
    term: str  # EN 16931 business term the rule reads
    source: str  # SOURCE_* and the exact reference
    blocking: bool = True

    def violation(self, message: str) -> "Violation":
        return Violation(rule=self, message=message)


@dataclass(frozen=True)
class Violation:
    rule: Rule
    message: str  # French, names the field and the rule

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def blocking(self) -> bool:
        return self.rule.blocking
