"""The pure building blocks every questionnaire reader shares (surveys.importing.model)."""

from surveys.importing.model import has_markup, key_from_code, plain_text, rich_text
from surveys.keys import KEY_RE, assign_keys


def test_keys_keep_the_source_names_researchers_know():
    taken: set[str] = set()
    assert key_from_code("Q1", taken) == "q1"
    assert key_from_code("age_group", taken) == "age_group"
    assert key_from_code("Q1 SQ/2", taken) == "q1-sq-2"
    # Codes that differ only in case clash in lower case: the second gets a suffix.
    assert key_from_code("q1", taken) == "q1-2"
    assert key_from_code("_hidden", taken) == "hidden"
    assert key_from_code("Ærlig svar", taken) == "aerlig-svar"
    assert key_from_code("", taken) == "q"
    assert all(KEY_RE.match(k) for k in taken)


def test_imported_keys_survive_saving():
    """assign_keys (run on every save) keeps a valid imported key, underscores included."""
    body = [
        {
            "type": "step",
            "value": {
                "key": "g1",
                "questions": [{"type": "short_text", "value": {"key": "age_group", "label": "A"}}],
            },
        }
    ]
    assert assign_keys(body)[0]["value"]["questions"][0]["value"]["key"] == "age_group"


def test_plain_text_and_markup():
    assert (
        plain_text("<p>How <b>often</b>&nbsp;do you</p><p>visit?</p>") == "How often do you visit?"
    )
    assert not has_markup("<p>Plain <span>words</span></p>")
    assert has_markup("<p>With <b>bold</b></p>")


def test_rich_text_keeps_what_innsikt_can_hold():
    assert rich_text("Hello <strong>you</strong>") == "<p>Hello <b>you</b></p>"
    assert (
        rich_text('<div><p>See <a href="https://x.no/a" onclick="e()">this</a></p></div>')
        == '<p>See <a href="https://x.no/a">this</a></p>'
    )
    assert (
        rich_text('<p><a href="javascript:alert(1)">x</a><script>bad()</script></p>') == "<p>x</p>"
    )
    assert rich_text("<img src=x>") == ""
