"""Tenancy on every admin path (DESIGN.md C16): a researcher of one library never sees,
chooses or changes another library's objects.

The walk does not pick examples: it takes every admin URL pattern that Wagtail and the
apps register, fills each argument with the other library's objects (pages, snippets,
project models, jobs, files), and as a researcher asserts that no response shows them and
no POST changes them. The same URLs filled with the researcher's own objects must work,
so the walk proves it reached the views. A model of the project's apps that does not say
which library owns it fails the registry test.
"""

import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch
from wagtail.contrib.settings.models import BaseSiteSetting
from wagtail.models import Page

from cms import tenancy
from tests.tenancy_world import COMMON, FOREIGN, OWN, Library, library_world

pytestmark = pytest.mark.django_db

# Admin URLs the walk leaves alone, and why.
SKIPPED = {
    "wagtailadmin_logout": "ends the walk's own session",
    "wagtailadmin_error_test": "raises on purpose (Wagtail's 500 page test)",
    "wagtailadmin_login": "a public page; nothing of a library",
    "wagtailadmin_password_reset": "a public page; nothing of a library",
    "wagtailadmin_password_reset_done": "a public page; nothing of a library",
    "wagtailadmin_password_reset_confirm": "a public page; nothing of a library",
    "wagtailadmin_password_reset_complete": "a public page; nothing of a library",
}
NOT_POSTED = {
    "wagtailadmin_account": "changes the walking researcher's own account",
    "wagtailadmin_dismissibles": "stores the researcher's own dismissed hints",
}
ARG = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")
PAGE_ARGS = set(tenancy.PAGE_KWARGS)
SHOWN_OK = {200, 204, 301, 302, 400, 403, 404, 405}


@pytest.fixture
def worlds(admin_user) -> tuple[Library, Library]:
    own = library_world("stavanger", "localhost", OWN, default=True, admin=admin_user)
    foreign = library_world("baerum", "baerum.localhost", FOREIGN, default=False, admin=admin_user)
    return own, foreign


def admin_patterns() -> list[tuple[str, str, Any]]:
    """(URL name with namespaces, route, callback) of every named admin URL."""
    found: list[tuple[str, str, Any]] = []

    def walk(patterns: list[Any], namespaces: list[str], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                spaces = [*namespaces, pattern.namespace] if pattern.namespace else namespaces
                walk(pattern.url_patterns, spaces, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                found.append((":".join([*namespaces, pattern.name]), prefix + str(pattern.pattern)))
                found[-1] = (*found[-1], pattern.callback)

    walk(get_resolver().url_patterns, [], "")
    return [f for f in found if f[1].startswith("admin/") and f[0] not in SKIPPED]


def _args(route: str) -> list[str]:
    return [a or b for a, b in ARG.findall(route)]


def _model_of(callback: Any) -> type[models.Model] | None:
    return tenancy._view_model(callback, {})


def _owned_models() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models()
        if m._meta.app_label in tenancy.PROJECT_APPS
        and not issubclass(m, Page)
        and tenancy.is_library_owned(m)
    ]


def _objects_of(world: Library, model: type[models.Model]) -> list[Any]:
    """The world's objects of ``model`` (every one, for the models the world builds)."""
    if issubclass(model, Page):
        return [world.home, world.home_en, *world.pages.values()]
    if issubclass(model, BaseSiteSetting):
        return [world.site]
    return list(tenancy.library_scope(model, world.researcher).order_by("pk")[:3])


def url_arguments(world: Library, name: str, route: str, callback: Any) -> Iterator[dict]:
    """Keyword arguments for ``route`` naming ``world``'s objects (a few combinations)."""
    names = _args(route)
    if not names:
        return
    objects = world.objects
    pages = [world.home, world.home_en, *world.pages.values()]
    pairs: list[dict[str, Any]] = [{}]
    if {"app_label", "model_name"} <= set(names) or {"app_name", "model_name"} <= set(names):
        app_arg = "app_label" if "app_label" in names else "app_name"
        pairs = []
        for model in _owned_models():
            for obj in _objects_of(world, model)[:1]:
                pair = {app_arg: model._meta.app_label, "model_name": model._meta.model_name}
                for key in ("pk", "object_id"):
                    if key in names:
                        pair[key] = obj.pk
                pair["?id"] = obj.pk  # for the views that take ids in the query
                pairs.append(pair)
    elif {"content_type_app_name", "content_type_model_name"} <= set(names):
        pairs = [
            {
                "content_type_app_name": page.specific_class._meta.app_label,
                "content_type_model_name": page.specific_class._meta.model_name,
            }
            for page in pages
        ]
    elif "page_id" in names and "revision_id" in names:
        pairs = [
            {"page_id": page.pk, "revision_id": page.latest_revision_id}
            for page in pages
            if page.latest_revision_id
        ]
    model = _model_of(callback)
    choices: dict[str, list[Any]] = {
        "campaign_id": [objects["campaign"].pk, objects["interviews"].pk],
        "participant_id": [objects["participant"].pk],
        "channel_id": [objects["survey_channel"].pk, objects["signup_channel"].pk],
        "job_id": [objects["export"].pk, objects["report_job"].pk],
        "response_id": [objects["response"].pk],
        "fmt": ["csv", "pdf", "svg", "xlsx", "qdpx", "json"],
        "action": ["delete"],
        "revision_id_a": ["earliest"],
        "revision_id_b": ["latest"],
        "action_name": ["approve"],
        "task_state_id": [1],
        "task_id": [1],
        "workflow_state_id": [1],
        "session_id": [1],
    }
    for arg in PAGE_ARGS:
        choices[arg] = [page.pk for page in pages]
    if model is not None and tenancy.is_library_owned(model):
        choices["pk"] = [obj.pk for obj in _objects_of(world, model)]
    else:
        choices["pk"] = [world.site.pk, world.home.pk]  # not a library's model
    choices["object_id"] = choices["pk"]
    free = [n for n in names if n not in pairs[0]]
    if any(n not in choices for n in free):
        return  # uidb64/token and the like: nothing of a library
    if len(pairs) == 1:
        combos = list(itertools.product(*(choices[n] for n in free)))
    else:  # the pairs vary already: the other arguments take their first choice
        combos = [tuple(choices[n][0] for n in free)]
    seen = 0
    for pair in pairs:
        for combo in combos:
            kwargs = {**pair, **dict(zip(free, combo, strict=True))}
            query_id = kwargs.pop("?id", None)
            try:
                url = reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                continue
            if query_id is not None:
                url += f"?id={query_id}"
            yield {"url": url, "kwargs": kwargs}
            seen += 1
            if seen >= 24:
                return


def body_of(response: Any) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", "replace") + str(response.get("Location", ""))


def leaks(response: Any, marker: str = FOREIGN) -> bool:
    return marker.lower() in body_of(response).lower()


def fingerprint(world: Library) -> list[tuple[str, Any]]:
    """Every row the world's library owns, as values: what no foreign request may change."""
    rows: list[tuple[str, Any]] = []
    for model in [*_owned_models(), Page]:
        try:
            scoped = tenancy.library_scope(model, world.researcher)
        except tenancy.NotLibraryOwned:
            continue
        for values in scoped.order_by("pk").values():
            rows.append((model._meta.label, sorted(values.items(), key=str)))
    return rows


def test_every_model_of_the_apps_says_which_library_owns_it():
    """A new model in cms, surveys, panel or research must declare its library (a field or
    a lookup path), or that it belongs to none (``library_owned = False``, e.g. a staff
    user's sessions): otherwise no scoped queryset exists for it and this fails."""
    undeclared = [
        m._meta.label
        for m in apps.get_models()
        if m._meta.app_label in tenancy.PROJECT_APPS
        and not tenancy.is_library_owned(m)
        and getattr(m, "library_owned", True)
    ]
    assert undeclared == []


def test_every_declared_lookup_resolves(worlds):
    own, foreign = worlds
    for model in _owned_models():
        scoped = tenancy.library_scope(model, own.researcher)
        others = tenancy.library_scope(model, foreign.researcher)
        # Each library's rows are its own: no row is in both libraries' scopes.
        assert not set(scoped.values_list("pk", flat=True)) & set(
            others.values_list("pk", flat=True)
        ), model._meta.label
    for obj in [*own.objects.values(), *own.pages.values()]:
        assert tenancy.library_id_of(obj) == own.site.pk, obj


def test_admin_urls_with_another_librarys_objects_show_and_change_nothing(worlds):
    own, foreign = worlds
    client = Client()
    client.force_login(own.researcher)
    before = fingerprint(foreign)
    problems: list[str] = []
    foreign_requests = 0
    own_shown: set[str] = set()
    for name, route, callback in admin_patterns():
        for call in url_arguments(own, name, route, callback):
            response = client.get(call["url"])
            if response.status_code == 200:
                own_shown.add(name)
        for call in url_arguments(foreign, name, route, callback):
            url = call["url"]
            for method in ("get", "post"):
                if method == "post" and name in NOT_POSTED:
                    continue
                response = getattr(client, method)(url)
                foreign_requests += 1
                if response.status_code not in SHOWN_OK:
                    problems.append(f"{method.upper()} {url}: {response.status_code}")
                elif leaks(response):
                    problems.append(f"{method.upper()} {url}: shows {FOREIGN}")
    assert problems == [], "\n".join(problems)
    assert fingerprint(foreign) == before
    # Tampered (empty) forms posted with the researcher's own objects: refused or saved,
    # never a 500 (this deletes some of the own library's objects; the walk is done).
    for name, route, callback in admin_patterns():
        if name in NOT_POSTED:
            continue
        for call in url_arguments(own, name, route, callback):
            try:
                status = client.post(call["url"]).status_code
            except Exception as error:  # the test client re-raises a view's exception
                problems.append(f"POST {call['url']}: {error!r}")
            else:
                if status >= 500:
                    problems.append(f"POST {call['url']}: {status}")
    assert problems == [], "\n".join(problems)
    # The walk reached the views: the same URLs with the researcher's own objects work.
    assert foreign_requests > 300
    for expected in (
        "wagtailadmin_explore",
        "wagtailadmin_pages:edit",
        "wagtailadmin_pages:history",
        "wagtailadmin_choose_page_child",
        "wagtailsnippets_panel_segment:edit",
        "wagtailsnippets_panel_segment:history",
        "wagtailsnippets_panel_segment:usage",
        "wagtailsnippets_panel_segment:copy",
        "wagtailsnippets_panel_campaign:edit",
        "wagtailsnippets_panel_consenttext:edit",
        "wagtailsnippets_research_interviewcode:edit",
        "wagtailsnippets_research_interviewtheme:edit",
        "wagtailsnippets_research_populationmargin:edit",
        "research_margin_mapping",
        "panel_members:inspect",
        "panel_campaign",
        "surveys_results",
        "surveys_flow",
        "research_explore",
        "research_exports",
        "research_interview_round",
        "research_interview_session",
        "research_job_status",
        "cms_accessibility_export",
    ):
        assert expected in own_shown, expected


def _query(foreign: Library) -> str:
    ids = "&".join(
        f"id={o.pk}"
        for o in (foreign.objects["segment"], foreign.objects["campaign"], foreign.home)
    )
    home = foreign.home.pk
    return f"?{ids}&q={COMMON}&search_all=1&child_of={home}&descendant_of={home}&parent={home}"


def test_admin_listings_choosers_and_forms_offer_only_own_objects(worlds):
    own, foreign = worlds
    client = Client()
    client.force_login(own.researcher)
    problems: list[str] = []
    shown_own: set[str] = set()
    for name, route, _callback in admin_patterns():
        if _args(route):
            continue
        url = reverse(name)
        root = own.home.get_parent().pk  # the tree root: both libraries' homes are its children
        for query in ("", _query(foreign), f"?q={COMMON}", f"?child_of={root}&childOf={root}"):
            response = client.get(url + query)
            if response.status_code not in SHOWN_OK:
                problems.append(f"GET {url + query}: {response.status_code}")
            elif leaks(response):
                problems.append(f"GET {url + query}: shows {FOREIGN}")
            elif response.status_code == 200 and leaks(response, OWN):
                shown_own.add(name)
    assert problems == [], "\n".join(problems)
    # Listings, choosers and create forms were reached and show the researcher's own.
    for expected in (
        "wagtailadmin_explore_root",
        "wagtailadmin_choose_page",
        "wagtailsnippets_panel_segment:list",
        "wagtailsnippets_panel_campaign:list",
        # (A create form shows no choice of library to a researcher of one library: it is
        # theirs — tests/cms/test_admin_menu.py; its other choices are choosers.)
        "wagtailsnippets_panel_consenttext:list",
        "wagtailsnippets_research_interviewcode:list",
        "wagtailsnippets_research_interviewtheme:add",  # its codes
        "wagtailsnippets_research_populationmargin:list",
        "wagtailsnippetchoosers_panel_segment:choose",
        "interview_quote_chooser:choose",
        "panel_members:index",
        "surveys_index",
        "research_interviews",
        "research_findings",
        "research_exports_index",
        "wagtailadmin_home",  # the researcher's dashboard
    ):
        assert expected in shown_own, expected


def test_other_way_round_a_foreign_researcher_sees_none_of_ours(worlds):
    own, foreign = worlds
    client = Client()
    client.force_login(foreign.researcher)
    for url in (
        reverse("wagtailadmin_explore", args=[own.home.pk]),
        reverse("wagtailadmin_explore", args=[own.pages["project"].pk]),
        reverse("wagtailadmin_choose_page_child", args=[own.home.pk]),
        reverse("wagtailsnippets_panel_segment:history", args=[own.objects["segment"].pk]),
        reverse("wagtailsnippets_panel_campaign:usage", args=[own.objects["campaign"].pk]),
        reverse("wagtailsnippets_panel_segment:copy", args=[own.objects["segment"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
    listing = client.get(reverse("wagtailadmin_explore_root"))
    assert not leaks(listing, OWN)
    assert leaks(listing, FOREIGN)  # their own home pages


def test_bulk_actions_act_on_own_objects_only(worlds):
    own, foreign = worlds
    client = Client()
    client.force_login(own.researcher)
    before = fingerprint(foreign)
    codes = apps.get_model("research", "InterviewCode").objects
    url = reverse("wagtail_bulk_action", args=["research", "interviewcode", "delete"])
    mixed = f"?id={own.objects['code'].pk}&id={foreign.objects['code'].pk}"
    # A tampered id list naming another library's object does nothing at all.
    assert client.get(url + mixed).status_code == 404
    assert client.post(url + mixed).status_code == 404
    assert codes.filter(pk=own.objects["code"].pk).exists()
    # "Select all" means all of the researcher's own: listed, then deleted; no other.
    confirm = client.get(url + "?id=all")
    assert leaks(confirm, OWN) and not leaks(confirm)
    client.post(url + "?id=all")
    assert not codes.filter(library=own.site).exists()
    assert fingerprint(foreign) == before
