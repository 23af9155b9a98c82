"""Invoice rules: each rule once (`catalogue`), its checks (`routing`, `numbering`), called by
every channel. See docs/architecture.md « Où changer la règle X ? »."""

from invoices.rules.base import Rule, Violation
from invoices.rules.catalogue import RULES, RULES_BY_CODE

__all__ = ["RULES", "RULES_BY_CODE", "Rule", "Violation"]
