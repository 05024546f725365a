"""Admin forms of library-owned objects: they offer, and accept, only the user's own
libraries' objects (cms.tenancy). Models and pages name them as ``base_form_class``.

A library-owned object's form takes the library from the user's own: for a user of one
library the choice of library is not in the form at all (the object is that library's);
for a user of several it is a choice among theirs, labelled in the user's language."""

from typing import Any

from django.forms import ModelChoiceField
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm
from wagtail.models import Site

from .tenancy import (
    form_choices_check,
    form_choices_scope,
    library_id_for_page,
    library_id_of,
    library_ids_for_user,
)


def form_library_from_user(form: Any, user: Any) -> None:
    """The form's choice of library (a model choice of Sites) for ``user``: gone for a user
    of exactly one library — the form's object is set to belong to it — and otherwise a
    translated choice among the user's libraries ("Choose a library", never "---------")."""
    ids = library_ids_for_user(user)
    for name, field in list(form.fields.items()):
        if not isinstance(field, ModelChoiceField) or field.queryset is None:
            continue
        if not issubclass(field.queryset.model, Site):
            continue
        if ids is not None and len(ids) == 1:
            del form.fields[name]
            instance = getattr(form, "instance", None)
            if instance is not None:
                setattr(instance, f"{name}_id", next(iter(ids)))
            continue
        field.label = _("Library")
        field.empty_label = _("Choose a library")
        field.help_text = _("The library this belongs to; you work for several.")


def form_blank_choices_named(form: Any) -> None:
    """Every select's empty choice in words ("Velg …") instead of Django's "---------",
    which a screen reader reads out as dashes."""
    for field in form.fields.values():
        if isinstance(field, ModelChoiceField):
            if field.empty_label is not None:
                field.empty_label = _("Choose…")
            continue
        if not hasattr(field, "choices"):
            continue
        choices = list(field.choices)
        if choices and choices[0][0] == "" and str(choices[0][1]).startswith("---"):
            field.choices = [("", _("Choose…")), *choices[1:]]


class LibraryOwnedForm(WagtailAdminModelForm):
    """A snippet's or model's admin form; the model's ``clean`` (cms.tenancy
    LibraryReferences) refuses references across libraries."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_choices_scope(self, self.for_user)
        form_blank_choices_named(self)
        if self.for_user is not None:
            form_library_from_user(self, self.for_user)


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
