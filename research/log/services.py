"""Writing the research log (research/log/models.py)."""

from typing import Any

from .models import ResearchLog


def research_log_record(
    *,
    user: Any,
    action: str,
    library_id: int | None,
    survey_id: int | None = None,
    object_id: str = "",
    detail: str = "",
) -> ResearchLog:
    """Write who did what to which library's research data (the library's own log)."""
    return ResearchLog.objects.create(
        user=user if getattr(user, "pk", None) else None,
        username=getattr(user, "get_username", lambda: "")() or "",
        action=action,
        library_id=library_id,
        survey_id=survey_id,
        object_id=object_id[:64],
        detail=detail[:200],
    )
