"""Admin views that show and change only objects of the staff user's own libraries."""

from typing import Any

from django.http import Http404

from .selectors import library_sites_for_user


class OwnLibraryObject:
    """Mixin for Wagtail edit/delete views: objects of another library are not found."""

    request: Any

    def get_object(self, queryset: Any = None) -> Any:
        obj = super().get_object(queryset)  # type: ignore[misc]
        if obj.library_id not in {s.pk for s in library_sites_for_user(self.request.user)}:
            raise Http404
        return obj
