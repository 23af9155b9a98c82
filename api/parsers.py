"""The JSON parser of the API: DRF's, with a bound on nesting.

Python's decoder recurses once per array/object level: a body of a few thousand `[` raised
RecursionError, a 500 (issue 14 #13). No Chorus Pro body nests beyond a handful of levels, so a
body deeper than MAX_JSON_DEPTH is refused as malformed (400 in the Chorus envelope) before any
code walks it.
"""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32
TOO_DEEP = (
    f"Requête mal formée : le JSON imbrique plus de {MAX_JSON_DEPTH} niveaux d'objets ou de listes."
)


def json_depth_exceeds(data, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when `data` nests more than `limit` containers (iterative: no recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class ChorusJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if json_depth_exceeds(data):
            raise ParseError(TOO_DEEP)
        return data
