"""Staff views in the Wagtail admin: importing loan statistics for one's own library."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from cms.selectors import library_sites_for_user

from .models import LoanImport
from .selectors import campaign_get_for_user, campaign_progress, segment_count
from .services import campaign_launch, loans_import

MAX_UPLOAD = 20 * 1024 * 1024


class LoanImportForm(forms.Form):
    library = forms.ChoiceField(label=_("Library"))
    file = forms.FileField(
        label=_("CSV file from the library system"),
        help_text=_(
            "Columns: card or email, year, and loans (a count) or band. Card "
            "numbers are replaced by a keyed hash as the file is read."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.sites = {str(s.pk): s for s in library_sites_for_user(user)}
        self.fields["library"].choices = [(k, s.site_name) for k, s in self.sites.items()]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


def loan_import(request):
    form = LoanImportForm(request.POST or None, request.FILES or None, user=request.user)
    result = duplicate = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result, duplicate = loans_import(
            library=form.sites[form.cleaned_data["library"]],
            uploaded_by=request.user,
            filename=upload.name,
            content=upload.read(),
        )
    history = LoanImport.objects.filter(library__in=list(form.sites.values())).order_by("-at")
    return render(
        request,
        "panel/admin/loan_import.html",
        {
            "form": form,
            "result": result,
            "duplicate": duplicate,
            "history": history[:20],
        },
    )


def campaign_detail(request, campaign_id: int):
    """Progress from the invitation rows, and the launch button."""
    campaign = campaign_get_for_user(request.user, campaign_id)
    if request.method == "POST" and request.POST.get("launch") == "yes":
        invited = campaign_launch(campaign=campaign, user=request.user)
        messages.success(request, _("%(n)d members invited.") % {"n": invited})
        return redirect("panel_campaign", campaign_id=campaign.pk)
    return render(
        request,
        "panel/admin/campaign.html",
        {
            "campaign": campaign,
            "progress": campaign_progress(campaign),
            "audience": segment_count(campaign.segment),
        },
    )
