"""Stable keys for steps, questions, options and matrix rows (DESIGN.md §3, C4).

Pure functions over the raw StreamField JSON of SurveyPage.body. A key is made once, from the
label's slug plus a short random suffix, and never recomputed. When an editor duplicates a
block (which copies its key), the copy whose block id owned the key in the previous revision
keeps it; the other gets a new key.
"""

import copy
import re
import secrets
from collections.abc import Iterator
from typing import Any

from anyascii import anyascii
from django.utils.text import slugify

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
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


def key_owners(body: list[Any]) -> dict[str, str]:
    """{key: block id} over a saved body: which block owned each key."""
    owners: dict[str, str] = {}
    for nodes in _scopes(body).values():
        for value, block_id, _text in nodes:
            if value.get("key") and block_id:
                owners.setdefault(str(value["key"]), block_id)
    return owners


def assign_keys(body: list[Any], previous_owners: dict[str, str] | None = None) -> list[Any]:
    """Return a copy of ``body`` where every step, question, option, row and column has a
    valid key unique in its scope. Existing valid keys are kept."""
    body = copy.deepcopy(body)
    owners = previous_owners or {}
    for nodes in _scopes(body).values():
        winners: dict[str, Node] = {}
        for node in nodes:
            value, block_id, _text = node
            key = str(value.get("key") or "")
            if not KEY_RE.match(key):
                value["key"] = ""
                continue
            if key not in winners:
                winners[key] = node
            elif block_id and owners.get(key) == block_id:
                winners[key][0]["key"] = ""
                winners[key] = node
            else:
                value["key"] = ""
        taken = set(winners)
        for value, _block_id, text in nodes:
            if not value.get("key"):
                value["key"] = make_key(text, taken)
                taken.add(value["key"])
    return body
