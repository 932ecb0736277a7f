"""Kubernetes resource quantities (100m, 0.5, 512Mi, 1e3) as numbers, to compare requests with limits
the way the API server does before it refuses a Pod template.

Written here rather than taken from the official client's `kubernetes.utils.parse_quantity`: the API
models may not import the client (the layering contract keeps I/O libraries out of `api/`), and the
grammar is one regular expression: the one the CRD validates with, so what admission lets through parses.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import StringConstraints

SUFFIXES = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    **{suffix: Decimal(2) ** (10 * power) for power, suffix in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"), 1)},
}
# A number, then a decimal exponent (1e3) or a suffix (100m, 512Mi), as Kubernetes reads quantities.
QUANTITY_PATTERN = r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$"
_QUANTITY = re.compile(QUANTITY_PATTERN)
Quantity = Annotated[str, StringConstraints(pattern=QUANTITY_PATTERN, max_length=64)]


def parse_quantity(text: str) -> Decimal:
    """The value of a quantity; ValueError when it is not one."""
    match = _QUANTITY.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a quantity (e.g. 100m, 0.5, 512Mi)")
    number, exponent, suffix = match.groups()
    if exponent:
        return Decimal(number + exponent)
    return Decimal(number) * SUFFIXES[suffix or ""]
