"""What a researcher narrows answers to (channel, period, version, panel segment), and its
JSON form on job rows. Plain values: importing it loads no pandas (the admin imports it at
start-up; research/findings/analysis.py applies it to a frame, research/selectors.py in the
database).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Filters:
    """What a researcher narrows the answers to. Empty means "all"."""

    channels: frozenset[str] = frozenset()
    date_from: date | None = None
    date_to: date | None = None
    versions: frozenset[int] = frozenset()
    # Panel surveys: a segment (panel.Segment id), turned into ``pseudonyms`` by
    # research.selectors when the answers are read.
    segment_id: int | None = None
    # Panel surveys: the pseudonyms of the members a segment or attribute filter selects.
    # The join is through the pseudonym only; no member id or address reaches the analysis.
    pseudonyms: frozenset[str] | None = None


def filters_to_json(filters: Filters) -> dict[str, Any]:
    """A job row's copy of the filters (pseudonyms are not stored: a segment is
    re-evaluated when the job runs — see research.selectors)."""
    return {
        "channels": sorted(filters.channels),
        "date_from": filters.date_from.isoformat() if filters.date_from else None,
        "date_to": filters.date_to.isoformat() if filters.date_to else None,
        "versions": sorted(filters.versions),
        "segment_id": filters.segment_id,
    }


def filters_from_json(data: Mapping[str, Any]) -> Filters:
    def day(value: Any) -> date | None:
        try:
            return date.fromisoformat(str(value)) if value else None
        except ValueError:
            return None

    return Filters(
        channels=frozenset(str(c) for c in data.get("channels") or []),
        date_from=day(data.get("date_from")),
        date_to=day(data.get("date_to")),
        versions=frozenset(int(v) for v in data.get("versions") or [] if str(v).isdigit()),
        segment_id=int(data["segment_id"]) if str(data.get("segment_id") or "").isdigit() else None,
    )
