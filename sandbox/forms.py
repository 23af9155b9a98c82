"""Portal forms of the sandbox controls."""

from django import forms

from sandbox.models import RuleKind
from sandbox.services import RuleData

RULE_ROWS = 5


class ClockAdvanceForm(forms.Form):
    days = forms.IntegerField(label="Jours", min_value=0, max_value=3660, initial=0)
    hours = forms.IntegerField(label="Heures", min_value=0, max_value=23, initial=0)


class ScenarioForm(forms.Form):
    """A name and up to RULE_ROWS ordered rules (an empty row is ignored)."""

    name = forms.CharField(label="Nom du scénario", max_length=120)
    is_active = forms.BooleanField(label="Robot actif", required=False, initial=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "— aucune —"), *RuleKind.choices]
        for i in range(1, RULE_ROWS + 1):
            self.fields[f"rule_{i}_kind"] = forms.ChoiceField(
                label=f"Règle {i}", choices=choices, required=False
            )
            self.fields[f"rule_{i}_days"] = forms.IntegerField(
                label=f"Règle {i} : jours", min_value=0, max_value=3650, required=False
            )
            self.fields[f"rule_{i}_amount"] = forms.DecimalField(
                label=f"Règle {i} : montant TTC (€)",
                min_value=0,
                max_digits=15,
                decimal_places=2,
                required=False,
            )
            self.fields[f"rule_{i}_codes"] = forms.CharField(
                label=f"Règle {i} : codes service connus", max_length=500, required=False
            )

    @classmethod
    def initial_for(cls, scenario) -> dict:
        if scenario is None:
            return {"is_active": True}
        initial = {"name": scenario.name, "is_active": scenario.is_active}
        for i, rule in enumerate(scenario.rules.all()[:RULE_ROWS], start=1):
            initial |= {
                f"rule_{i}_kind": rule.kind,
                f"rule_{i}_days": rule.days,
                f"rule_{i}_amount": rule.amount,
                f"rule_{i}_codes": rule.service_codes,
            }
        return initial

    def rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"rule_{i}_{part}"] for part in ("kind", "days", "amount", "codes")]
            for i in range(1, RULE_ROWS + 1)
        ]

    def rules(self) -> list[RuleData]:
        data = self.cleaned_data
        return [
            RuleData(
                kind=data[f"rule_{i}_kind"],
                days=data[f"rule_{i}_days"],
                amount=data[f"rule_{i}_amount"],
                service_codes=data[f"rule_{i}_codes"],
            )
            for i in range(1, RULE_ROWS + 1)
            if data.get(f"rule_{i}_kind")
        ]
