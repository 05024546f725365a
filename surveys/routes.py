"""A survey's addresses: the one route table below a survey.

A survey answers at its page's address (``/min-undersokelse/``) and at each channel's
short link (``/s/<code>/``); below either come the same few routes — the questions, the
thank-you page, and resuming saved answers. This table is the only place they are
written: the page model routes with it (``SurveyPage.route``), surveys/urls.py makes the
channel URL patterns from it, and the views build their links with ``route_path``. It
holds no views (models use it), and the front door (surveys.views.survey_serve) maps each
route's name to its view.
"""

from dataclasses import dataclass

from django.urls.resolvers import RoutePattern


@dataclass(frozen=True)
class SurveyRoute:
    name: str  # the view's role: respond, thanks, resume_code, resume
    path: str  # Django path syntax, relative to the survey's address


ROUTES = (
    SurveyRoute("respond", ""),
    SurveyRoute("thanks", "takk/"),
    SurveyRoute("resume_code", "fortsett/"),
    SurveyRoute("resume", "fortsett/<str:token>/"),
)
_PATTERNS = [(route, RoutePattern(route.path, is_endpoint=True)) for route in ROUTES]


def route_match(rest: str) -> tuple[str, dict[str, str]] | None:
    """The route a sub-path (``"takk/"``, ``"fortsett/abc/"``, ``""``) leads to, as
    (name, keyword arguments); None when it leads nowhere."""
    for route, pattern in _PATTERNS:
        match = pattern.match(rest)
        if match is not None and match[0] == "":
            # Every converter in ROUTES is ``str``; RoutePattern is typed for int ones too.
            return route.name, {key: str(value) for key, value in match[2].items()}
    return None


def route_path(name: str, **kwargs: str) -> str:
    """The sub-path of the named route, to add to a survey's address."""
    for route in ROUTES:
        if route.name == name:
            path = route.path
            for key, value in kwargs.items():
                path = path.replace(f"<str:{key}>", value)
            if "<" in path:
                raise ValueError(f"route {name} needs more arguments than {sorted(kwargs)}")
            return path
    raise KeyError(name)
