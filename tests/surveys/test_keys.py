"""Stable keys: made once from the label, kept on rename, unique per scope, and never
edited: a block the saved body has keeps its key whatever the form sends."""

import copy

from surveys.keys import KEY_RE, assign_keys, saved_keys
from tests.factories import q, step


def _body(*questions):
    return [step("", *questions, title="Om deg")]


def _question_keys(body):
    return [qq["value"]["key"] for qq in body[0]["value"]["questions"]]


def _with_ids(body):
    """Give every step, question and option a block id, as the admin's saved JSON has."""
    for s_index, s in enumerate(body):
        s["id"] = f"step-{s_index}"
        for q_index, qq in enumerate(s["value"]["questions"]):
            qq["id"] = f"q-{s_index}-{q_index}"
            for o_index, option in enumerate(qq["value"].get("options", [])):
                option["id"] = f"o-{s_index}-{q_index}-{o_index}"
    return body


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
    saved = saved_keys(body)
    original = _question_keys(body)[0]
    copy = {**body[0]["value"]["questions"][0], "id": "copy-id"}
    copy["value"] = dict(copy["value"])
    # The editor put the copy first: the original still keeps its key.
    body[0]["value"]["questions"].insert(0, copy)
    keys = _question_keys(assign_keys(body, saved))
    assert keys[1] == original
    assert keys[0] != original and keys[0].startswith("hvor-bor-du-")


def test_saved_keys_maps_block_ids_to_keys_at_every_level():
    body = _with_ids(assign_keys(_body(q("single_choice", "", "Hvorfor?", options=["a", "b"]))))
    question = body[0]["value"]["questions"][0]
    assert saved_keys(body) == {
        "step-0": body[0]["value"]["key"],
        "q-0-0": question["value"]["key"],
        "o-0-0-0": "a",
        "o-0-0-1": "b",
    }


def test_a_tampered_key_on_a_saved_block_is_restored():
    saved_body = _with_ids(
        assign_keys(
            _body(
                q("single_choice", "", "Hvorfor?", options=["forfatter", "omslag"]),
                q("short_text", "", "Hvor bor du?"),
            )
        )
    )
    saved = saved_keys(saved_body)
    original_keys = _question_keys(saved_body)
    posted = copy.deepcopy(saved_body)
    questions = posted[0]["value"]["questions"]
    # Valid keys, so only the saved body can tell they were changed; one even takes the
    # other question's key.
    questions[0]["value"]["key"] = "something-else-abcd"
    questions[1]["value"]["key"] = original_keys[0]
    questions[0]["value"]["options"][1]["value"]["key"] = "forfatter"
    posted[0]["value"]["key"] = "ny-side-abcd"
    keyed = assign_keys(posted, saved)
    assert _question_keys(keyed) == original_keys
    options = keyed[0]["value"]["questions"][0]["value"]["options"]
    assert [o["value"]["key"] for o in options] == ["forfatter", "omslag"]
    assert keyed[0]["value"]["key"] == saved_body[0]["value"]["key"]


def test_a_new_block_gets_a_key_and_cannot_take_a_saved_one():
    saved_body = _with_ids(assign_keys(_body(q("short_text", "", "Hvor bor du?"))))
    saved = saved_keys(saved_body)
    original = _question_keys(saved_body)[0]
    posted = copy.deepcopy(saved_body)
    posted[0]["value"]["questions"][:0] = [
        {**q("yes_no", "", "Lånekort?"), "id": "new-1"},
        {**q("yes_no", original, "Låner du e-bøker?"), "id": "new-2"},
        {**q("yes_no", "mine-egne-abcd", "Leser du aviser?"), "id": "new-3"},
    ]
    keys = _question_keys(assign_keys(posted, saved))
    assert keys[0].startswith("lanekort-") and KEY_RE.match(keys[0])
    assert keys[1] != original and keys[1].startswith("laner-du-e-boker-")
    assert keys[2] == "mine-egne-abcd"  # a new block may bring a key nobody has
    assert keys[3] == original


def test_option_keys_are_unique_per_question_only():
    saved_body = _with_ids(
        assign_keys(
            _body(
                q("single_choice", "", "Før?", options=["ja", "nei"]),
                q("single_choice", "", "Nå?", options=["ja", "nei"]),
            )
        )
    )
    keyed = assign_keys(copy.deepcopy(saved_body), saved_keys(saved_body))
    for question in keyed[0]["value"]["questions"]:
        assert [o["value"]["key"] for o in question["value"]["options"]] == ["ja", "nei"]


def test_invalid_tampered_key_is_replaced():
    body = assign_keys(_body(q("short_text", "<script>", "Alder")))
    assert _question_keys(body)[0].startswith("alder-")
