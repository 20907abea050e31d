"""The API's JSON parser: DRF's, refusing bodies nested deeper than any request of ours needs.

Python's json module recurses once per level; a 45 KB body of 5,000 ``[`` raised
RecursionError and answered 500. The depth is measured first, without recursion (strings
removed, then a running sum over the brackets, all in C loops), so such a body is refused
with 400 before it is decoded.
"""

from __future__ import annotations

import re
from array import array
from itertools import accumulate

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

# The deepest request body we accept: a report's parties are four levels down; 32 is plenty.
MAX_JSON_DEPTH = 32

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
# Opening brackets step +1, closing ones -1 (0xff as a signed byte).
_STEP = str.maketrans({"[": "\x01", "{": "\x01", "]": "\xff", "}": "\xff"})


def nesting_depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets inside strings do not
    count); for malformed text, a depth the decoder will refuse anyway."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    steps = array("b", brackets.translate(_STEP).encode("latin-1"))
    return max(accumulate(steps), default=0)


class BoundedJSONParser(JSONParser):
    """``rest_framework.parsers.JSONParser`` with a depth limit (settings'
    ``DEFAULT_PARSER_CLASSES``): too deep, undecodable or malformed is a ParseError (400)."""

    max_depth = MAX_JSON_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise ParseError(
                _("请求内容不是 %(encoding)s 编码的 JSON") % {"encoding": encoding}
            ) from exc
        if nesting_depth(text) > self.max_depth:
            raise ParseError(_("JSON 嵌套层数过多（最多 %(max)d 层）") % {"max": self.max_depth})
        try:
            parse_constant = json.strict_constant if self.strict else None
            return json.loads(text, parse_constant=parse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("JSON 格式错误：%(error)s") % {"error": exc}) from exc
