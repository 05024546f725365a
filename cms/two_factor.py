"""Two-factor sign-in for staff: a time-based one-time password (TOTP, RFC 6238) from an
authenticator app, and ten one-time recovery codes for a lost phone (docs/security.md).

Built on django-otp (Jazzband; its TOTP and static-token devices, with their throttling
of wrong codes), with Innsikt's own pages in the Wagtail admin's style: wagtail-2fa has
no recovery codes and lags Wagtail's releases, wagtail-mfa is alpha, and
django-two-factor-auth and allauth's MFA bring a login flow of their own beside Wagtail's.
The password is Wagtail's login; ``cms.middleware.StaffTwoFactorMiddleware`` then asks
for the code (a user with a device) or for enrolment (everyone, when
INNSIKT_2FA_REQUIRED), before any other page.
"""

import base64
import logging
from typing import Any

import segno
from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10
TOTP_DIGITS = 6
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
log = logging.getLogger("innsikt.security")


def two_factor_enabled(user: Any) -> bool:
    """Has the user a confirmed second factor?"""
    return bool(user.is_authenticated and user_has_device(user, confirmed=True))


def totp_device_pending(*, user: Any) -> TOTPDevice:
    """The user's authenticator device being set up (unconfirmed; made when missing)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def totp_device_confirm(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm a pending device with a code from the app: it replaces any earlier one, and
    a new set of recovery codes is made. Returns the codes (shown once), or None for a
    wrong code."""
    if not device.verify_token(_digits(token)):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_issue(user=device.user)
    log.info("two-factor sign-in set up", extra={"user_id": device.user_id})
    return codes


def recovery_codes_issue(*, user: Any) -> list[str]:
    """New recovery codes for the user (the earlier ones stop working). Each works once."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def two_factor_match(*, user: Any, token: str) -> Any:
    """The user's device the code belongs to (a TOTP code, or a recovery code, which is
    used up), or None. Wrong codes are throttled per device (django-otp)."""
    token = token.strip().replace(" ", "").replace("-", "").lower()
    # Six digits are the app's code, anything else a recovery code: each kind is tried
    # only on its own device, so a mistyped code does not slow down the other.
    kind = TOTPDevice if token.isdigit() and len(token) == TOTP_DIGITS else StaticDevice
    for device in devices_for_user(user, confirmed=True):
        if isinstance(device, kind) and device.verify_token(token):
            return device
    return None


def two_factor_reset(*, user: Any, by: Any) -> None:
    """An administrator's reset of a user who lost their phone and codes: every device
    goes (the user sets up a new one at their next sign-in), and a locked sign-in is
    unlocked. Logged."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    axes_reset(username=user.get_username())
    log.warning(
        "two-factor sign-in reset by an administrator",
        extra={"user_id": user.pk, "by_user_id": getattr(by, "pk", None)},
    )


def staff_two_factor_status() -> list[dict[str, Any]]:
    """Every account that can use the admin, with whether it has a second factor."""
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    confirmed = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    return [
        {"user": user, "enabled": user.pk in confirmed, "codes": recovery_codes_left(user)}
        for user in users
        if user.has_perm("wagtailadmin.access_admin")
    ]


def provisioning_svg(device: TOTPDevice) -> str:
    """The authenticator app's QR code (otpauth:// address) as inline SVG."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000"))


def provisioning_secret(device: TOTPDevice) -> str:
    """The device's key in base32, in groups of four, to type in by hand."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _digits(token: str) -> str:
    return "".join(ch for ch in token if ch.isdigit())
