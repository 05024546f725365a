"""Who a quote may be attributed to: only a group, never a person (pure logic).

A quotable excerpt is attributed by the campaign's segment and, when enough participants
share it, their age band ("Students with 1–3 loans, 19–25"). The finer label is used only
when at least k interviewed participants of the campaign share that age band; otherwise
the segment alone, when at least k were interviewed; otherwise the quote is not published.
"""

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Attribution:
    label: str | None  # None: the quote may not be published
    group_size: int  # how many interviewed participants share the label


def quote_attribution(
    *, segment: str, age_band: str, age_bands: Mapping[str, int], k: int
) -> Attribution:
    """``age_bands``: interviewed participants of the campaign per age band."""
    total = sum(age_bands.values())
    same_age = age_bands.get(age_band, 0)
    if age_band and same_age >= k:
        return Attribution(f"{segment}, {age_band}", same_age)
    if total >= k:
        return Attribution(segment, total)
    return Attribution(None, total)
