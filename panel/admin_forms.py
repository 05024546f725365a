"""The campaign's admin form (the model names it as ``base_form_class``; this module
imports no panel model, so the models can import it)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from cms.forms import LibraryOwnedForm


class CampaignForm(LibraryOwnedForm):
    """A launched campaign's reason to override the contact limits is on record
    (panel.models.CampaignOverride): shown, not editable (Campaign.clean refuses a change
    from a tampered form too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("override_reason")
        if field is not None and self.instance.pk and self.instance.status != "draft":
            field.disabled = True
            field.help_text = _("On record since the launch; it cannot change.")
