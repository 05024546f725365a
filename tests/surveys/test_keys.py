"""Stable keys: made once from the label, kept on rename, unique per scope."""

from surveys.keys import KEY_RE, assign_keys, key_owners
from tests.factories import q, step


def _body(*questions):
    return [step("", *questions, title="Om deg")]


def _question_keys(body):
    return [qq["value"]["key"] for qq in body[0]["value"]["questions"]]


def test_new_blocks_get_slug_plus_suffix_keys():
    body = assign_keys(_body(q("short_text", "", "Hvor bor du?"), q("yes_no", "", "Lånekort?")))
    keys = _question_keys(body)
    assert keys[0].startswith("hvor-bor-du-") and KEY_RE.match(keys[0])
    assert keys[1].startswith("lanekort-")
    assert body[0]["value"]["key"].startswith("om-deg-")


def test_renaming_a_label_keeps_the_key():
    body = assign_keys(_body(q("short_text", "", "Hvor bor du?")))
    key = _question_keys(body)[0]
    body[0]["value"]["questions"][0]["value"]["label"] = "I hvilken bydel bor du?"
    assert _question_keys(assign_keys(body)) == [key]


def test_option_keys_are_made_and_kept():
    body = assign_keys(_body(q("single_choice", "", "Hvorfor?", options=["", ""])))
    options = body[0]["value"]["questions"][0]["value"]["options"]
    first = [o["value"]["key"] for o in options]
    assert len(set(first)) == 2
    options[0]["value"]["label"] = "Forfatteren"
    again = assign_keys(body)[0]["value"]["questions"][0]["value"]["options"]
    assert [o["value"]["key"] for o in again] == first


def test_duplicated_block_gets_a_new_key_and_the_original_keeps_its_own():
    body = assign_keys(_body(q("short_text", "", "Hvor bor du?")))
    body[0]["value"]["questions"][0]["id"] = "original-id"
    owners = key_owners(body)
    original = _question_keys(body)[0]
    copy = {**body[0]["value"]["questions"][0], "id": "copy-id"}
    copy["value"] = dict(copy["value"])
    # The editor put the copy first: the original still keeps its key.
    body[0]["value"]["questions"].insert(0, copy)
    keys = _question_keys(assign_keys(body, owners))
    assert keys[1] == original
    assert keys[0] != original and keys[0].startswith("hvor-bor-du-")


def test_invalid_tampered_key_is_replaced():
    body = assign_keys(_body(q("short_text", "<script>", "Alder")))
    assert _question_keys(body)[0].startswith("alder-")
