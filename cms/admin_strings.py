"""Wagtail admin strings that Wagtail's own Bokmål catalogue lacks, named here so that
``makemessages`` keeps them in the project's catalogues (locale/), which Django reads
before Wagtail's: the researcher's admin then speaks Bokmål in them too. Nothing imports
this module's values; the strings are looked up by Wagtail's own ``gettext`` calls."""

from django.utils.translation import gettext_noop

WAGTAIL_STRINGS = (
    # The header and breadcrumb of every create form: "Ny: kampanje".
    gettext_noop("New: %(model_name)s"),
)
