"""cms.mail: a message is recorded after the SMTP server has it and before it accepts it,
so a crash can neither re-send a recorded message nor send an unrecorded one."""

import email
import smtplib
from email import policy

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection

from cms.mail import EmailBackend, Prototype, send_recorded
from tests.integration.conftest import wait_for


@pytest.fixture
def smtp_backend(settings, smtp_server):
    settings.EMAIL_BACKEND = "cms.mail.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    connection = get_connection()
    assert isinstance(connection, EmailBackend)
    yield connection
    connection.close()


def message(subject: str) -> EmailMessage:
    return EmailMessage(
        subject, "Hei.\n.\nEn linje med bare et punktum.", "a@example.no", ["b@example.no"]
    )


def test_the_record_is_made_before_the_server_accepts(smtp_backend, smtp_server):
    seen = []
    send_recorded(message("Én"), lambda: seen.append(len(smtp_server.messages)), smtp_backend)
    assert seen == [0]  # recorded while the server still held the message open
    assert [m["Subject"] for m in smtp_server.messages] == ["Én"]
    assert "\n.\r\nEn linje" in smtp_server.messages[0].get_content()  # a lone dot kept


def test_a_failed_record_abandons_the_message_and_the_next_one_goes(smtp_backend, smtp_server):
    def fail():
        raise RuntimeError("the database is gone")

    with pytest.raises(RuntimeError):
        send_recorded(message("Forlatt"), fail, smtp_backend)
    recorded = []
    send_recorded(message("Neste"), lambda: recorded.append(True), smtp_backend)
    assert recorded == [True]
    assert wait_for(lambda: smtp_server.messages, timeout=5)
    assert [m["Subject"] for m in smtp_server.messages] == ["Neste"]


def test_a_refusal_at_the_end_is_raised_after_the_record(smtp_backend, smtp_server):
    smtp_server.reply = "554 5.7.1 Message refused"
    recorded = []
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send_recorded(message("Nei"), lambda: recorded.append(True), smtp_backend)
    assert refused.value.smtp_code == 554 and recorded == [True]
    assert smtp_server.messages == []


def test_other_backends_record_after_sending(settings, mailoutbox):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    order = []
    send_recorded(message("Lokal"), lambda: order.append(len(mailoutbox)), get_connection())
    assert order == [1]


def _pair(to: str, link: str) -> tuple[EmailMultiAlternatives, EmailMultiAlternatives]:
    def build(to: str, link: str) -> EmailMultiAlternatives:
        m = EmailMultiAlternatives(
            "Sølvberget vil høre fra deg",
            f"Hei!\nSvar her: {link}\n",
            "Sølvberget <panel@example.no>",
            [to],
            headers={"List-Unsubscribe": f"<{link}u/>", "Message-ID": "<1@innsikt>"},
        )
        m.attach_alternative(f'<p><a href="{link}">Svar</a> – “takk”</p>', "text/html")
        return m

    return build("marker-to@innsikt.invalid", "marker-link"), build(to, link)


def test_a_prototype_filled_in_is_the_message_built_in_full():
    sample, full = _pair("kari@example.no", "https://bibliotek.example/panel/inv/AbC:x-9_Z/")
    prototype = Prototype.of(sample, ("marker-to@innsikt.invalid", "marker-link"))
    assert prototype is not None
    filled = prototype.fill(
        {
            "marker-to@innsikt.invalid": "kari@example.no",
            "marker-link": "https://bibliotek.example/panel/inv/AbC:x-9_Z/",
        }
    )
    ours = email.message_from_bytes(filled, policy=policy.default)
    theirs = email.message_from_bytes(
        full.message().as_bytes(linesep="\r\n"), policy=policy.default
    )
    for header in ("Subject", "From", "To", "List-Unsubscribe", "Message-ID"):
        assert ours[header] == theirs[header]
    for kind in ("plain", "html"):
        assert ours.get_body((kind,)).get_content() == theirs.get_body((kind,)).get_content()
    assert "kari@example.no" in ours["To"] and "AbC:x-9_Z" in ours.get_body(("html",)).get_content()


def test_a_prototype_refuses_values_it_cannot_hold_verbatim():
    sample, _full = _pair("x", "y")
    prototype = Prototype.of(sample, ("marker-to@innsikt.invalid", "marker-link"))
    assert prototype is not None
    for bad in ("søren@example.no", "a b@example.no", 'x"@example.no', "https://x/?a=1&b=2"):
        with pytest.raises(ValueError):
            prototype.fill({"marker-to@innsikt.invalid": bad, "marker-link": "ok"})
    long_line = EmailMessage("S", "x" * 1200 + " marker-link", "a@example.no", ["b@example.no"])
    assert Prototype.of(long_line, ("marker-link",)) is None  # quoted-printable: not verbatim
