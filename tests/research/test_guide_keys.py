"""Interview guide keys are set once and never edited: a question key changed in the admin
form (a tampered read-only field) is restored when the guide is saved and published, so the
notes stay under their question in the session and the exports; the notes of a deleted
question are still exported, under a pseudo-question that says it was removed."""

import io
import zipfile

import pandas as pd
import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, rich_text
from wagtail.users.models import UserProfile

from research.interviews.services import interview_book, interview_note_save
from research.models import InterviewGuidePage

NOTE = "Studerer sykepleie og låner mest e-bøker."


def _sequence(children):
    """Form data of a StreamBlock or ListBlock: each child is (value, id, type or None)."""
    data = {}
    for index, (value, block_id, block_type) in enumerate(children):
        data[str(index)] = {"value": value, "id": block_id, "deleted": "", "order": str(index)}
        if block_type:
            data[str(index)]["type"] = block_type
    data["count"] = str(len(children))
    return data


def _guide_form(guide, edit=None):
    """The edit form of ``guide`` as the admin posts it, block ids included, from its stored
    sections; ``edit(sections)`` may change the raw sections first."""
    guide = InterviewGuidePage.objects.get(pk=guide.pk)
    sections = list(guide.sections.raw_data)
    if edit:
        edit(sections)
    stream = []
    for section in sections:
        value = section["value"]
        questions = [
            (
                {
                    "key": item["value"]["key"],
                    "text": item["value"]["text"],
                    "probes": _sequence(
                        [(p["value"], p["id"], None) for p in item["value"]["probes"]]
                    ),
                },
                item["id"],
                None,
            )
            for item in value["questions"]
        ]
        stream.append(
            (
                {
                    "key": value["key"],
                    "title": value["title"],
                    "minutes": str(value["minutes"]),
                    "intro": value["intro"],
                    "questions": _sequence(questions),
                },
                section["id"],
                "section",
            )
        )
    return nested_form_data(
        {
            "title": guide.title,
            "slug": guide.slug,
            "intro": rich_text(guide.intro),
            "consent_script": rich_text(guide.consent_script),
            "sections": _sequence(stream),
            "closing": rich_text(guide.closing),
            "action-publish": "action-publish",
        }
    )


def _section_keys(guide):
    stored = InterviewGuidePage.objects.get(pk=guide.pk).sections.raw_data
    return [section["value"]["key"] for section in stored]


def _questions(guide):
    return [
        q for s in InterviewGuidePage.objects.get(pk=guide.pk).guide_sections() for q in s.questions
    ]


@pytest.fixture
def noted(client, researcher_a, study):
    """A participant with a note under the guide's first question; the researcher, logged
    in, reads the admin in English."""
    booking = interview_book(invitation=study.invitations[0], slot_id=study.slots[0].pk)
    key = _questions(study.guide)[0].key
    interview_note_save(participant=booking.participant, question_key=key, text=NOTE, user=None)
    profile = UserProfile.get_for_user(researcher_a)
    profile.preferred_language = "en"
    profile.save()
    client.force_login(researcher_a)
    return booking.participant, key


def _edit(client, guide, edit):
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[guide.pk]), _guide_form(guide, edit)
    )
    assert response.status_code == 302, response.content.decode()[:3000]


def _notes_csv(client, campaign):
    url = reverse("research_interview_export", args=[campaign.pk, "csv"])
    archive = zipfile.ZipFile(io.BytesIO(client.get(url).content))
    return pd.read_csv(archive.open("notes.csv"), encoding="utf-8-sig")


def test_a_question_key_changed_in_the_form_is_restored_and_its_notes_stay(client, study, noted):
    participant, key = noted
    section_key = _section_keys(study.guide)[0]

    def tamper(sections):
        question = sections[0]["value"]["questions"][0]["value"]
        question["key"] = "noe-annet-abcd"  # valid, so only the stored guide can tell
        question["text"] = "Fortell om studiene dine."
        sections[0]["value"]["key"] = "ny-seksjon-abcd"

    _edit(client, study.guide, tamper)

    guide = InterviewGuidePage.objects.get(pk=study.guide.pk)
    assert _section_keys(guide)[0] == section_key
    first = _questions(guide)[0]
    assert (first.key, first.text) == (key, "Fortell om studiene dine.")  # published
    draft = guide.get_latest_revision_as_object().guide_sections()[0].questions[0]
    assert draft.key == key

    session = client.get(reverse("research_interview_session", args=[participant.pk]))
    html = session.content.decode()
    question_html = html.split(f'id="q-{key}"')[1].split('class="interview-question"')[0]
    assert "Fortell om studiene dine." in question_html and NOTE in question_html
    assert "no longer in the guide" not in html

    notes = _notes_csv(client, study.campaign)
    assert list(notes["question_key"]) == [key]
    assert list(notes["question"]) == ["Fortell om studiene dine."]
    assert list(notes["note"]) == [NOTE]


def test_a_new_question_gets_a_key_and_cannot_take_a_saved_one(client, study, noted):
    _participant, key = noted

    def add(sections):
        sections[1]["value"]["questions"].append(
            {
                "type": "item",
                "id": "5b0c8a52-1f6e-4c43-9d3c-1d8f0e0c1a01",
                "value": {"key": key, "text": "Hva leser du nå?", "probes": []},
            }
        )

    _edit(client, study.guide, add)
    questions = _questions(study.guide)
    assert questions[0].key == key
    assert questions[-1].text == "Hva leser du nå?"
    assert questions[-1].key != key and questions[-1].key.startswith("hva-leser-du-na-")


def test_notes_of_a_deleted_question_are_still_exported_and_shown(client, study, noted):
    participant, key = noted

    def delete_first(sections):
        del sections[0]["value"]["questions"][0]

    _edit(client, study.guide, delete_first)
    assert key not in {q.key for q in _questions(study.guide)}

    html = client.get(reverse("research_interview_session", args=[participant.pk])).content
    orphans = html.decode().split("Notes under questions no longer in the guide")[1]
    assert key in orphans and NOTE in orphans

    notes = _notes_csv(client, study.campaign)
    row = notes[notes["question_key"] == key].iloc[0]
    assert row["section"] == "Notes under questions no longer in the guide"
    assert row["question"] == f"Removed from the guide: {key}"
    assert row["note"] == NOTE

    url = reverse("research_interview_export", args=[study.campaign.pk, "qdpx"])
    qdpx = zipfile.ZipFile(io.BytesIO(client.get(url).content))
    texts = [qdpx.read(n).decode() for n in qdpx.namelist() if n.startswith("Sources/")]
    assert len(texts) == 1 and f"Removed from the guide: {key}\n{NOTE}" in texts[0]
