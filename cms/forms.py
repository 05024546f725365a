"""Admin forms of library-owned objects: they offer, and accept, only the user's own
libraries' objects (cms.tenancy). Models and pages name them as ``base_form_class``."""

from typing import Any

from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm

from .tenancy import form_choices_check, form_choices_scope, library_id_for_page, library_id_of


class LibraryOwnedForm(WagtailAdminModelForm):
    """A snippet's or model's admin form; the model's ``clean`` (cms.tenancy
    LibraryReferences) refuses references across libraries."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_choices_scope(self, self.for_user)


class LibraryPageForm(WagtailAdminPageForm):
    """A page's admin form: choices of the user's libraries only, and every chosen object
    (inline panels included) of the page's own library — which, for a page being
    created, is its parent's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_choices_scope(self, self.for_user)

    def is_valid(self) -> bool:
        # After the inline formsets' own validation: their forms' choices are checked too.
        valid = super().is_valid()
        if self.instance.path:
            library_id = library_id_of(self.instance)
        elif self.parent_page is not None:
            library_id = library_id_for_page(self.parent_page)
        else:
            library_id = None
        form_choices_check(self, library_id)
        children = [child for formset in self.formsets.values() for child in formset.forms]
        return valid and not self.errors and not any(child.errors for child in children)
