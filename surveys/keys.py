"""Stable keys for steps, questions, options and matrix rows (DESIGN.md §3, C4).

Pure functions over the raw StreamField JSON of SurveyPage.body, and of an interview guide's
sections (sections take the place of steps; their questions have no options). A key is made
once, from the label's slug plus a short random suffix, and is never recomputed or edited:
a block that was in the saved body (known by its StreamField/ListBlock item id) keeps the
key it had there, whatever key the submitted form carries, because answers, exports and
interview notes are stored by key. When an editor duplicates a block (which copies its key
into a block with a new id), the copy gets a new key and the original keeps its own.
"""

import copy
import re
import secrets
from collections.abc import Iterator
from typing import Any

from anyascii import anyascii
from django.utils.text import slugify

# Letters, digits, "-" and "_": made keys use "-", keys imported from a questionnaire file keep
# the "_" of their source's names (surveys.importing).
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
SUFFIX_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CHILD_LISTS = ("options", "rows", "columns")

Node = tuple[dict[str, Any], str, str]  # (block value, block id, text to slug)


def make_key(text: str, taken: set[str]) -> str:
    """A new key for ``text`` that is not in ``taken``: ``slug-abcd``."""
    base = slugify(anyascii(text or ""))[:32].strip("-") or "q"
    while True:
        suffix = "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(4))
        key = f"{base}-{suffix}"
        if key not in taken:
            return key


def items(raw_list: list[Any] | None) -> Iterator[tuple[dict[str, Any], str]]:
    """(value, id) of each item of a raw ListBlock/StreamBlock value, old or new format."""
    for item in raw_list or []:
        if isinstance(item, dict) and "value" in item and ("type" in item or "id" in item):
            yield item["value"], str(item.get("id") or "")
        elif isinstance(item, dict):
            yield item, ""


def _text_of(value: dict[str, Any], fallback: str) -> str:
    text = value.get("label") or value.get("title") or value.get("text") or ""
    return anyascii(re.sub(r"<[^>]+>", " ", str(text)))[:60] or fallback


def _scopes(body: list[Any]) -> dict[str, list[Node]]:
    """Every keyed node grouped by the scope its key must be unique in: steps, questions
    (including display blocks), and each question's options, rows and columns."""
    scopes: dict[str, list[Node]] = {"": [], "steps": []}
    for step_value, step_id in items(body):
        scopes["steps"].append((step_value, step_id, _text_of(step_value, "page")))
        for q_value, q_id in items(step_value.get("questions")):
            scopes[""].append((q_value, q_id, _text_of(q_value, "q")))
            for list_name in CHILD_LISTS:
                if list_name in q_value:
                    scope = f"{q_id or id(q_value)}/{list_name}"
                    scopes[scope] = [
                        (v, i, _text_of(v, "option")) for v, i in items(q_value[list_name])
                    ]
    return scopes


def saved_keys(body: list[Any]) -> dict[str, str]:
    """{block id: key} of every keyed block of a saved body that has an id and a valid key.

    Block ids (UUIDs, made afresh by the admin for a new or duplicated block, nested blocks
    included) are unique in the whole body, while option, row and column keys are unique
    only within their question: so the id is the side to look a key up by."""
    saved: dict[str, str] = {}
    for nodes in _scopes(body).values():
        for value, block_id, _text in nodes:
            key = str(value.get("key") or "")
            if block_id and KEY_RE.match(key):
                saved.setdefault(block_id, key)
    return saved


def assign_keys(body: list[Any], saved: dict[str, str] | None = None) -> list[Any]:
    """Return a copy of ``body`` where every step, question, option, row and column has a
    valid key unique in its scope.

    ``saved`` is ``saved_keys`` of the body as it is stored (none for a new page). A block
    whose id is in it gets that key back, so a key is never edited, not even by a tampered
    form. Any other block keeps a valid key it carries unless the key is already taken in
    its scope (a duplicated block, or a block without an id after an earlier one with the
    same key); then, like a block without a key, it gets a new one. Blocks without ids (the
    old list format) are matched by nothing: the first one with a key keeps it. Pure."""
    body = copy.deepcopy(body)
    saved = saved or {}
    for nodes in _scopes(body).values():
        taken: set[str] = set()
        # Saved blocks claim their keys first, so a new block placed before the original
        # (or a tampered one) cannot take a key that notes or answers are stored under.
        for value, block_id, _text in nodes:
            if block_id not in saved:
                continue
            key = saved[block_id]
            # Taken only if the saved body itself repeated a key (data from before keys
            # were unique per scope): the later block must then get a new one.
            value["key"] = "" if key in taken else key
            taken.add(key)
        for value, block_id, _text in nodes:
            if block_id in saved:
                continue
            key = str(value.get("key") or "")
            if KEY_RE.match(key) and key not in taken:
                taken.add(key)
            else:
                value["key"] = ""
        for value, _block_id, text in nodes:
            if not value.get("key"):
                value["key"] = make_key(text, taken)
                taken.add(value["key"])
    return body
