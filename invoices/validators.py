"""Plain input checks that every channel applies to what becomes invoice data (issue 14).

One home for each check: the portal forms, the API (`soumettre` and the other JSON inputs that
become invoice text) and the flux files (UBL, CII, Factur-X mapped into invoices) all call these
functions, directly or through the draft/action services. Each raises `ChorusError` with a French
message naming the field and the rule; the API answers it as a 400 in the Chorus envelope.
"""

import datetime
import unicodedata
from collections.abc import Mapping
from typing import Any

from chorus.exceptions import ChorusError
from invoices.choices import VatExemptionReason
from invoices.formats.cii_writer import vat_category

# The portal's entry form, the API and the flux files accept at most this many invoice lines.
MAX_INVOICE_LINES = 200

# Dates an invoice may carry (invoice, due, service done, payment…). Year 1 or 9999 is a typo or a
# probe, and breaks the documents (Factur-X, certificate) rendered from the invoice.
DATE_MIN = datetime.date(2000, 1, 1)
DATE_MAX = datetime.date(2099, 12, 31)

MULTILINE_ALLOWED = frozenset("\t\n\r")


def _forbidden(char: str, *, multiline: bool) -> bool:
    if multiline and char in MULTILINE_ALLOWED:
        return False
    if unicodedata.category(char) in ("Cc", "Cs"):  # C0, DEL, C1 controls; lone surrogates
        return True
    return char in ("\ufffe", "\uffff")  # not characters (refused by XML and PDF writers)


def text_check(*, value: str, field_label: str, field: str = "", multiline: bool = False) -> str:
    """`value` unchanged, or `ChorusError` if it holds a control character.

    Tab and line breaks are allowed only where the field is multi-line (a comment); NUL, the other
    C0/C1 controls, DEL, lone surrogates and U+FFFE/U+FFFF never are: they cannot be written to
    the XML (CII/UBL) nor to the PDF that the recipient receives.
    """
    if not isinstance(value, str) or value.isprintable():
        return value
    for position, char in enumerate(value, start=1):
        if _forbidden(char, multiline=multiline):
            allowed = (
                " (seuls la tabulation et le retour à la ligne sont admis)" if multiline else ""
            )
            raise ChorusError(
                f"{field_label} : caractère de contrôle interdit (U+{ord(char):04X}, position "
                f"{position}){allowed}.",
                field=field or None,
            )
    return value


def date_check(
    *, value: datetime.date | None, field_label: str, field: str = ""
) -> datetime.date | None:
    """`value` unchanged (None too), or `ChorusError` if it lies outside DATE_MIN..DATE_MAX."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not DATE_MIN <= value <= DATE_MAX:
        raise ChorusError(
            f"{field_label} : date invraisemblable ({value.strftime('%d/%m/%Y')}) ; attendue "
            f"entre le {DATE_MIN:%d/%m/%Y} et le {DATE_MAX:%d/%m/%Y}.",
            field=field or None,
        )
    return value


def lines_count_check(*, count: int, field: str = "lines") -> int:
    """`count` unchanged, or `ChorusError` beyond MAX_INVOICE_LINES lines."""
    if count > MAX_INVOICE_LINES:
        raise ChorusError(
            f"Lignes de la facture : {MAX_INVOICE_LINES} lignes au maximum ({count} reçues).",
            field=field,
        )
    return count


def payload_text_check(data: object) -> None:
    """Every string (keys too) of a JSON body, walked without recursion: `ChorusError` naming
    the JSON path of the first control character (tab and line breaks allowed, as in comments).
    The API applies it to every body, so no control character reaches the database, an error
    message or a document, whatever the endpoint."""
    stack: list[tuple[str, object]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            text_check(value=value, field_label=path or "corps", field=path, multiline=True)
        elif isinstance(value, dict):
            children = []
            for key, item in value.items():
                name = f"{path}.{key}" if path else str(key)
                text_check(value=str(key), field_label=f"{name} (nom du champ)", multiline=True)
                children.append((name, item))
            stack.extend(reversed(children))  # visited in document order
        elif isinstance(value, list):
            children = [(f"{path}[{index + 1}]", item) for index, item in enumerate(value)]
            stack.extend(reversed(children))


def out_of_scope_alone_check(*, lines: list[Any]) -> None:
    """An invoice out of the scope of VAT (category O) has only O lines (EN 16931 BR-O-11 to
    BR-O-14): the others go on another invoice."""
    categories = [vat_category(line.vat_rate, line.exemption_reason)[0] for line in lines]
    if "O" in categories and set(categories) != {"O"}:
        position = next(line.position for line in lines if line.exemption_reason != "HORS_CHAMP")
        raise ChorusError(
            f"Ligne {position} — motif d'exonération : une facture comportant une ligne « "
            f"{VatExemptionReason.HORS_CHAMP.label} » ne peut comporter que des lignes hors du "
            "champ de la TVA (EN 16931 BR-O-11 à BR-O-14) ; facturez les autres lignes sur une "
            "autre facture.",
            field="exemption_reason",
        )


def intracom_parties_check(
    *, lines: list[Any], supplier: Mapping[str, Any], recipient: Mapping[str, Any] | None
) -> None:
    """An intra-community supply (category K) names the seller's and the buyer's VAT
    identifiers (EN 16931 BR-IC-02). `recipient`: its snapshot, None when the SIRET is unknown
    (the routing refuses it later)."""
    line = next((x for x in lines if x.exemption_reason == "LIVRAISON_INTRACOM"), None)
    if line is None:
        return
    prefix = f"Ligne {line.position} — livraison intracommunautaire"
    if not supplier.get("vat_number"):
        raise ChorusError(
            f"{prefix} : le n° de TVA intracommunautaire du fournisseur (BT-31) est obligatoire "
            "(EN 16931 BR-IC-02) ; renseignez-le dans les paramètres de votre structure.",
            field="vat_number",
        )
    if recipient is not None and not recipient.get("vat_number"):
        raise ChorusError(
            f"{prefix} : le destinataire « {recipient.get('name') or ''} » n'a pas de n° de TVA "
            "intracommunautaire (BT-48), obligatoire pour une livraison intracommunautaire "
            "(EN 16931 BR-IC-02).",
            field="recipient_siret",
        )
