"""Tenancy: one installation, several libraries, and nothing crosses between them.

A library is a Wagtail ``Site``. This module is the one place that decides (DESIGN.md §3,
C16):

- which libraries a user works for (`library_ids_for_user`): the sites whose home page the
  user may edit — what a library's researchers group grants (superusers: every library);
- which library owns an object. A library-owned model states it once, as a class attribute:
  ``library_lookup``, a field or a path of foreign keys to the Site (``"library"``,
  ``"campaign__library"``), or ``library_page_lookup``, a path to a page (``"survey"``)
  whose library is the site whose tree holds it. A page belongs to the tree it is in; a
  library's tree is its home page and the home page's translations;
- the one scoped queryset per model (`library_scope`), used by admin listings, choosers,
  form fields (`form_choices_scope`), exports, downloads and POST handlers;
- whether a user may reach the objects an admin URL names (`admin_gate`, wrapped around
  every admin URL in cms/urls.py);
- whether an object refers only to objects of its own library (`library_references_check`,
  called from the owning models' ``clean``).

``tests/cms/test_tenancy.py`` walks every admin URL with another library's objects, and
fails when a model of the project's apps does not say which library owns it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.apps import apps
from django.contrib.admin.utils import unquote
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.forms import ModelChoiceField
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.datastructures import MultiValueDictKeyError
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseSiteSetting
from wagtail.models import Page, Site
from wagtail.permission_policies.pages import PagePermissionPolicy

M = TypeVar("M", bound=models.Model)

# The apps whose every model must say which library owns it (tests/cms/test_tenancy.py).
PROJECT_APPS = ("cms", "surveys", "panel", "research")
# Where this module caches a user's libraries for the length of a request.
_USER_CACHE = "_innsikt_library_ids"
# URL keyword arguments that name a page in Wagtail's admin (and Innsikt's own views).
PAGE_KWARGS = ("page_id", "parent_page_id", "page_to_move_id", "destination_id")
# Query parameters that name a page (bulk actions' "select all" under a parent, the
# admin API's tree filters).
PAGE_QUERY = ("childOf", "child_of", "descendant_of")
OBJECT_KWARGS = ("pk", "object_id")
# Admin views about the whole installation (every library's pages): superusers only.
INSTALLATION_VIEWS = {
    "wagtailadmin_reports:page_types_usage",
    "wagtailadmin_reports:page_types_usage_results",
}


class NotLibraryOwned(ImproperlyConfigured):
    """A model was scoped that does not say which library owns it."""


# ---- who works where ------------------------------------------------------------------


def library_ids_for_user(user: Any) -> frozenset[int] | None:
    """The ids of the libraries (Sites) ``user`` works for, or None for every library
    (superusers). Anonymous and inactive users work for none. Cached on the user object,
    which lives as long as the request."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return frozenset()
    if user.is_superuser:
        return None
    cached = getattr(user, _USER_CACHE, None)
    if cached is not None:
        return cached
    editable = PagePermissionPolicy().instances_user_has_permission_for(user, "change")
    ids = frozenset(
        Site.objects.filter(root_page__in=editable.values("pk")).values_list("pk", flat=True)
    )
    setattr(user, _USER_CACHE, ids)
    return ids


def library_sites_for_user(user: Any) -> list[Site]:
    """The Sites of `library_ids_for_user`, by name."""
    ids = library_ids_for_user(user)
    sites = Site.objects.select_related("root_page").order_by("site_name", "hostname")
    return list(sites if ids is None else sites.filter(pk__in=ids))


def library_tree_paths(site_ids: Iterable[int] | None = None) -> dict[int, list[str]]:
    """Site id → the tree paths of its home page and the home page's translations (each
    language's pages live under its own copy of the home page)."""
    sites = Site.objects.all() if site_ids is None else Site.objects.filter(pk__in=site_ids)
    keys: dict[Any, list[int]] = {}
    for site_id, key in sites.values_list("pk", "root_page__translation_key"):
        keys.setdefault(key, []).append(site_id)
    trees: dict[int, list[str]] = {site_id: [] for ids in keys.values() for site_id in ids}
    for key, path in Page.objects.filter(translation_key__in=keys).values_list(
        "translation_key", "path"
    ):
        for site_id in keys[key]:
            trees[site_id].append(path)
    return trees


def _user_tree_paths(user: Any) -> list[str] | None:
    """Tree paths of the user's libraries (None: every page), cached on the user object."""
    ids = library_ids_for_user(user)
    if ids is None:
        return None
    cached = getattr(user, _USER_CACHE + "_paths", None)
    if cached is None:
        cached = [p for paths in library_tree_paths(ids).values() for p in paths]
        setattr(user, _USER_CACHE + "_paths", cached)
    return cached


# ---- who owns what --------------------------------------------------------------------


def is_library_owned(model: type[models.Model]) -> bool:
    """Does the model say which library owns its objects? (A model of the project's apps
    that belongs to no library says ``library_owned = False`` instead.)"""
    return (
        issubclass(model, Page | Site)
        or hasattr(model, "library_lookup")
        or hasattr(model, "library_page_lookup")
    )


def _tree_q(prefix: str, paths: list[str]) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


def library_q(model: type[models.Model], site_ids: Iterable[int]) -> Q:
    """The filter that keeps ``model``'s objects of the given libraries. Raises
    NotLibraryOwned for a model that does not say which library owns it."""
    ids = list(site_ids)
    if issubclass(model, Site):
        return Q(pk__in=ids)
    if issubclass(model, Page):
        return _tree_q("", [p for paths in library_tree_paths(ids).values() for p in paths])
    lookup = getattr(model, "library_lookup", None)
    if lookup:
        return Q(**{f"{lookup}__in": ids})
    page_lookup = getattr(model, "library_page_lookup", None)
    if page_lookup:
        paths = [p for paths in library_tree_paths(ids).values() for p in paths]
        return _tree_q(f"{page_lookup}__", paths)
    raise NotLibraryOwned(f"{model._meta.label} does not say which library owns it")


def library_scope(objects: QuerySet[M] | type[M], user: Any) -> QuerySet[M]:
    """The objects (a queryset or every object of a model) of the libraries ``user`` works
    for — the one scoped queryset of every library-owned model."""
    queryset = objects._default_manager.all() if isinstance(objects, type) else objects
    ids = library_ids_for_user(user)
    if ids is None:
        return queryset
    model = queryset.model
    if issubclass(model, Page):
        return queryset.filter(_tree_q("", _user_tree_paths(user) or []))
    return queryset.filter(library_q(model, ids))


def library_object_or_404(objects: QuerySet[M] | type[M], user: Any, **lookup: Any) -> M:
    """One object of the user's libraries; Http404 for anyone else's (never reveal that an
    object exists in another library)."""
    found = library_scope(objects, user).filter(**lookup).first()
    if found is None:
        raise Http404
    return found


def library_id_for_page(page: Page) -> int | None:
    """The library whose tree holds ``page`` (None for pages outside every library, and for
    pages not yet in the tree)."""
    if not page.path:
        return None
    for site_id, paths in library_tree_paths().items():
        if any(page.path.startswith(path) for path in paths):
            return site_id
    return None


def library_site_for_page(page: Page) -> Site | None:
    site_id = library_id_for_page(page)
    return None if site_id is None else Site.objects.select_related("root_page").get(pk=site_id)


def library_id_of(obj: models.Model) -> int | None:
    """The library that owns ``obj`` (saved or not), read by following its declared lookup;
    None when it cannot be told yet (a lookup through an unset field, a page not yet in
    the tree)."""
    if isinstance(obj, Site):
        return obj.pk
    if isinstance(obj, Page):
        return library_id_for_page(obj)
    lookup = getattr(obj, "library_lookup", None)
    page_lookup = getattr(obj, "library_page_lookup", None)
    target: Any = obj
    for name in (lookup or page_lookup or "").split("__"):
        if not name:
            raise NotLibraryOwned(f"{obj._meta.label} does not say which library owns it")
        if target is None:
            return None
        field = target._meta.get_field(name)
        attname = getattr(field, "attname", name)
        if getattr(target, attname, None) is None:
            return None
        target = getattr(target, name)
    if lookup:
        return target.pk if target is not None else None
    return library_id_for_page(target) if target is not None else None


# ---- references stay inside a library ---------------------------------------------------


def library_references_check(obj: models.Model, library_id: int | None = None) -> None:
    """Raise ValidationError (by field) when ``obj`` refers to an object of another library
    than its own (``library_id``, when the caller knows it better — a page not yet in the
    tree). Checks every foreign key and one-to-one field to a library-owned model, and
    many-to-many values where the instance can list them."""
    own = library_id if library_id is not None else library_id_of(obj)
    if own is None:
        return
    errors: dict[str, Any] = {}
    for field in obj._meta.get_fields():
        related = getattr(field, "related_model", None)
        if related is None or not getattr(field, "concrete", False):
            continue
        if isinstance(related, str) or not is_library_owned(related):
            continue
        if field.many_to_many:
            values = _m2m_values(obj, field.name)
        elif field.many_to_one or field.one_to_one:
            if getattr(obj, getattr(field, "attname", field.name), None) is None:
                continue
            values = [getattr(obj, field.name)]
        else:
            continue
        for value in values:
            if value is None:
                continue
            theirs = library_id_of(value)
            if theirs is not None and theirs != own:
                errors[field.name] = _("“%(object)s” belongs to another library.") % {
                    "object": value
                }
                break
    if errors:
        raise ValidationError(errors)


def _m2m_values(obj: models.Model, name: str) -> list[models.Model]:
    # modelcluster's parental many-to-many keeps the form's choice in memory before the
    # save, which is when it matters; a plain one of an unsaved instance has no values.
    try:
        return list(getattr(obj, name).all())
    except ValueError:
        return []


class LibraryReferences:
    """Model mixin: ``clean()`` refuses references to another library's objects."""

    def clean(self) -> None:
        super().clean()  # type: ignore[misc]
        library_references_check(self)  # type: ignore[arg-type]


# ---- forms ----------------------------------------------------------------------------


def form_choices_scope(form: Any, user: Any) -> None:
    """Limit every model choice of ``form`` (and of its inline formsets' forms) to the
    user's libraries: what the form offers, and what it accepts when posted. A choice of
    libraries is preselected when the user works for exactly one."""
    ids = library_ids_for_user(user)
    if ids is None:
        return
    for name, field in form.fields.items():
        if not isinstance(field, ModelChoiceField) or field.queryset is None:
            continue
        model = field.queryset.model
        if not is_library_owned(model):
            continue
        field.queryset = library_scope(field.queryset, user)
        if issubclass(model, Site) and len(ids) == 1 and not form.initial.get(name):
            form.initial[name] = next(iter(ids))
    for formset in getattr(form, "formsets", {}).values():
        for child in formset.forms:
            form_choices_scope(child, user)


# ---- the admin gate -------------------------------------------------------------------


def page_visible_to(user: Any, page_id: Any) -> bool:
    """A page the admin may show the user: in one of their libraries' trees, or above
    them (the tree root, whose listing shows only their own home pages)."""
    paths = _user_tree_paths(user)
    if paths is None:
        return True
    try:
        path = Page.objects.filter(pk=int(page_id)).values_list("path", flat=True).first()
    except (TypeError, ValueError):
        return False
    if path is None:
        return True  # unknown: the view answers 404 itself
    return any(path.startswith(tree) or tree.startswith(path) for tree in paths)


def _view_model(view: Callable[..., Any], kwargs: dict[str, Any]) -> type[models.Model] | None:
    """The model an admin view works on: a Wagtail model/chooser view's ``model``, a DRF
    viewset's, or the one named by app_label/model_name in the URL."""
    model: Any = getattr(view, "view_initkwargs", {}).get("model")
    if model is None:
        model = getattr(getattr(view, "view_class", None), "model", None)
    if model is None:
        model = getattr(getattr(view, "cls", None), "model", None)
    app_label = kwargs.get("app_label") or kwargs.get("app_name")
    model_name = kwargs.get("model_name")
    if model is None and app_label and model_name:
        try:
            model = apps.get_model(app_label, model_name)
        except (LookupError, ValueError):
            raise Http404 from None
    if isinstance(model, str):
        model = apps.get_model(model)
    return model if isinstance(model, type) else None


def admin_request_allowed(request: HttpRequest, view: Callable[..., Any], kwargs: dict) -> bool:
    """May ``request.user`` reach every object this admin request names — the pages in its
    URL, the object in its URL and the ``id`` query values of a library-owned model's view?"""
    user = request.user
    if not user.is_authenticated or library_ids_for_user(user) is None:
        return True  # Wagtail's own access check sends the anonymous to the login page
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name in INSTALLATION_VIEWS:
        return False
    for name in PAGE_KWARGS:
        if kwargs.get(name) is not None and not page_visible_to(user, kwargs[name]):
            return False
    for name in PAGE_QUERY:
        if request.GET.get(name) and not page_visible_to(user, request.GET[name]):
            return False
    model = _view_model(view, kwargs)
    if model is None or not is_library_owned(model):
        return True
    if issubclass(model, BaseSiteSetting):
        site_id = kwargs.get("pk") or kwargs.get("site_pk")
        ids = library_ids_for_user(user) or frozenset()
        return site_id is None or str(site_id) in {str(i) for i in ids}
    if issubclass(model, Page):
        wanted = [kwargs[n] for n in OBJECT_KWARGS if kwargs.get(n) is not None]
        wanted += request.GET.getlist("id")
        return all(page_visible_to(user, value) for value in wanted if value != "all")
    wanted = [unquote(str(kwargs[n])) for n in OBJECT_KWARGS if kwargs.get(n) is not None]
    wanted += [value for value in request.GET.getlist("id") if value != "all"]
    if not wanted:
        return True
    try:
        found = library_scope(model, user).filter(pk__in=wanted).count()
    except (ValueError, ValidationError):
        return False
    return found == len(set(wanted))


def admin_gate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap an admin view: a request naming another library's object is answered 404,
    before the view runs (so neither a GET shows it nor a POST changes it)."""

    @wraps(view)
    def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not admin_request_allowed(request, view, kwargs):
            raise Http404
        if "all" in request.GET.getlist("id"):
            _select_all_scope(request, view, kwargs)
        try:
            return view(request, *args, **kwargs)
        except MultiValueDictKeyError:
            # A tampered or cut-off admin form (a StreamField's counts missing, say): a
            # clear 400, not a 500. Nothing was saved: forms fail before they save.
            if request.method != "POST":
                raise
            return HttpResponseBadRequest(
                _("The form arrived incomplete. Reload the page and try again."),
                content_type="text/plain; charset=utf-8",
            )

    return gated


def _select_all_scope(request: HttpRequest, view: Callable[..., Any], kwargs: dict) -> None:
    """A bulk action's "select all" (``id=all``) means every object of the model (of the
    parent page's children, for pages): for a user of some libraries, it becomes the ids
    of all of their libraries' objects, so the confirmation lists and the action touches
    nothing else."""
    user = request.user
    model = _view_model(view, kwargs)
    if library_ids_for_user(user) is None or model is None or not is_library_owned(model):
        return
    objects: QuerySet[Any] = model._default_manager.all()
    parent = request.GET.get("childOf")
    if issubclass(model, Page) and parent:
        parent_page = Page.objects.filter(pk=parent).first() if parent.isdigit() else None
        objects = parent_page.get_children() if parent_page else Page.objects.none()
    ids = library_scope(objects, user).values_list("pk", flat=True)
    query = request.GET.copy()
    query.setlist("id", [str(pk) for pk in ids])
    request.GET = query  # type: ignore[assignment]


def form_choices_check(form: Any, library_id: int | None) -> None:
    """Add a form error for every chosen object (in ``form`` and its inline formsets'
    forms) of another library than ``library_id`` — for forms whose instance cannot tell
    its library yet (a page being created: its library is its parent's)."""
    if library_id is None or not hasattr(form, "cleaned_data"):
        return
    for name, field in form.fields.items():
        if not isinstance(field, ModelChoiceField) or field.queryset is None:
            continue
        if not is_library_owned(field.queryset.model):
            continue
        value = form.cleaned_data.get(name)
        values = list(value) if isinstance(value, QuerySet | list | tuple) else [value]
        for chosen in values:
            if chosen is not None and library_id_of(chosen) not in (None, library_id):
                form.add_error(
                    name, _("“%(object)s” belongs to another library.") % {"object": chosen}
                )
                break
    for formset in getattr(form, "formsets", {}).values():
        for child in formset.forms:
            form_choices_check(child, library_id)
