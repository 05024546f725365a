"""Staff views in the Wagtail admin: loan import, campaign progress and launch, sign-up
channels with their posters — each scoped to the libraries the user works for."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks

from cms.formatting import in_language
from cms.models import LibrarySettings
from cms.tenancy import library_sites_for_user
from surveys.posters import poster_language, poster_pdf, poster_svg

from .models import LoanImport, SignupChannel
from .selectors import (
    campaign_failures,
    campaign_get_for_user,
    campaign_launch_summary,
    campaign_progress,
    member_get_for_user,
    segment_count,
    signup_channel_get_for_user,
    signup_channels_for_user,
)
from .services import campaign_launch, campaign_retry_failed, loans_import, member_contact_block

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
        library = self.fields["library"]
        assert isinstance(library, forms.ChoiceField)  # declared one on the class above
        library.choices = [(k, s.site_name) for k, s in self.sites.items()]

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


CAMPAIGN_SECTIONS = "panel_campaign_sections"  # fn(request, campaign) -> HTML or ""


def campaign_detail(request, campaign_id: int):
    """Progress from the invitation rows, and the launch button."""
    campaign = campaign_get_for_user(request.user, campaign_id)
    if request.method == "POST" and request.POST.get("launch") == "yes":
        invited = campaign_launch(campaign=campaign, user=request.user)
        messages.success(request, _("%(n)d members invited.") % {"n": invited})
        return redirect("panel_campaign", campaign_id=campaign.pk)
    if request.method == "POST" and request.POST.get("retry") == "yes":
        queued = campaign_retry_failed(campaign=campaign)
        messages.success(request, _("%(n)d failed invitations queued again.") % {"n": queued})
        return redirect("panel_campaign", campaign_id=campaign.pk)
    return render(
        request,
        "panel/admin/campaign.html",
        {
            "campaign": campaign,
            "progress": campaign_progress(campaign),
            "failures": campaign_failures(campaign),
            "audience": segment_count(campaign.segment),
            "not_invited": campaign_launch_summary(campaign),
            "overrides": campaign.overrides.select_related("by"),
            # Sections other apps add (research: response rates under its suppression
            # rules), without panel depending on them: hook "panel_campaign_sections".
            "sections": [add(request, campaign) for add in hooks.get_hooks(CAMPAIGN_SECTIONS)],
        },
    )


@require_POST
def member_contact(request, member_id):
    """Put a member on the do-not-contact list, or take them off, with a reason."""
    if not request.user.has_perm("panel.set_do_not_contact"):
        raise PermissionDenied
    member = member_get_for_user(request.user, member_id)
    reason = request.POST.get("reason", "").strip()
    inspect = reverse("panel_members:inspect", args=[member.pk]) + "#do-not-contact"
    if not reason:
        messages.error(request, _("Write the reason: it is kept with the member's record."))
        return redirect(inspect)
    blocked = request.POST.get("blocked") == "yes"
    member_contact_block(member=member, blocked=blocked, reason=reason, staff=request.user)
    if blocked:
        messages.success(request, _("The member is on the do-not-contact list."))
    else:
        messages.success(request, _("The member is off the do-not-contact list."))
    return redirect(inspect)


def _channel_url(channel: SignupChannel) -> str:
    site = channel.page.get_site()
    return (site.root_url if site else "") + reverse("panel_signup_channel", args=[channel.code])


def signup_channels(request):
    """The sign-up pages' channels with their addresses, QR posters and embed codes."""
    rows = [
        {"channel": channel, "url": _channel_url(channel)}
        for channel in signup_channels_for_user(request.user)
    ]
    return render(request, "panel/admin/signup_channels.html", {"rows": rows})


def signup_channel_poster(request, channel_id: int, fmt: str):
    channel = signup_channel_get_for_user(request.user, channel_id)
    site = channel.page.get_site()
    try:
        language = poster_language(channel.page.locale.language_code, request.GET.get("language"))
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    with in_language(language):  # the address under the poster's language prefix (/nn/…)
        url = _channel_url(channel)
    kwargs = {
        "library": (LibrarySettings.for_site(site).library_name or site.site_name) if site else "",
        "title": channel.page.title,
        "event": channel.name,
        "url": url,
        "language": language,
    }
    if fmt == "pdf":
        response = HttpResponse(poster_pdf(**kwargs), content_type="application/pdf")
    else:
        response = HttpResponse(poster_svg(**kwargs), content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="panel-{channel.code}.{fmt}"'
    return response
