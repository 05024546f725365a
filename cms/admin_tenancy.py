"""Wagtail admin viewsets of library-owned models, scoped to the user's libraries
(cms.tenancy): every listing, chooser and chosen-object lookup the viewset builds goes
through ``library_scope``. Object URLs (edit, delete, history, usage, copy, inspect, …)
are refused earlier, by ``cms.tenancy.admin_gate`` around every admin URL."""

from typing import Any

from django.db.models import QuerySet
from django.utils.functional import cached_property
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.views.chooser import SnippetChooserViewSet
from wagtail.snippets.views.snippets import SnippetViewSet

from .tenancy import form_choices_scope, is_library_owned, library_scope


class _ScopedView:
    """Mixed into each view class of a scoped viewset, ahead of Wagtail's class."""

    request: Any

    def _scoped(self, queryset: Any) -> Any:
        # Listings of other things (an object's history, its usage) are left as they are:
        # the object itself was checked by the admin gate.
        if isinstance(queryset, QuerySet) and is_library_owned(queryset.model):
            return library_scope(queryset, self.request.user)
        return queryset

    def get_base_queryset(self) -> Any:  # listings
        return self._scoped(super().get_base_queryset())  # type: ignore[misc]

    def get_object_list(self) -> Any:  # choosers
        return self._scoped(super().get_object_list())  # type: ignore[misc]

    def get_objects(self, pks: Any) -> Any:  # a chooser's "chosen multiple"
        return self._scoped(super().get_objects(pks))  # type: ignore[misc]

    @cached_property
    def filters(self) -> Any:  # a listing's filters offer the user's libraries only
        filterset = super().filters  # type: ignore[misc]
        if filterset is not None:
            form_choices_scope(filterset.form, self.request.user)
        return filterset


_scoped_classes: dict[type, type] = {}


def scoped_view_class(view_class: type) -> type:
    """``view_class`` with its querysets scoped to the user's libraries (one subclass per
    view class, made once)."""
    if view_class not in _scoped_classes:
        _scoped_classes[view_class] = type(
            view_class.__name__,
            (_ScopedView, view_class),
            {"__module__": view_class.__module__, "__doc__": view_class.__doc__},
        )
    return _scoped_classes[view_class]


class LibraryScopedViewSet:
    """Mixin for a viewset of a library-owned model: every view it constructs is scoped."""

    def construct_view(self, view_class: type, **kwargs: Any) -> Any:
        return super().construct_view(scoped_view_class(view_class), **kwargs)  # type: ignore[misc]


class LibraryChooserViewSet(LibraryScopedViewSet, ChooserViewSet):
    pass


class LibrarySnippetChooserViewSet(LibraryScopedViewSet, SnippetChooserViewSet):
    pass


class LibrarySnippetViewSet(LibraryScopedViewSet, SnippetViewSet):
    """A snippet of a library-owned model: its listing, chooser and forms show the user's
    libraries' objects only."""

    chooser_viewset_class = LibrarySnippetChooserViewSet


class LibraryModelViewSet(LibraryScopedViewSet, ModelViewSet):
    pass
