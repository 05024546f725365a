"""The researcher guides (docs/guides/) and their pictures agree: every picture a guide
shows exists, and every picture in docs/guides/img/ is shown by a guide (the pictures are
taken by tests/e2e/test_researcher_guides.py; a picture no guide uses is one it no longer
takes)."""

import re
from pathlib import Path

GUIDES = Path(__file__).resolve().parents[2] / "docs" / "guides"
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)")


def _images() -> list[tuple[Path, str, str]]:
    return [
        (guide, match["alt"], match["src"])
        for guide in sorted(GUIDES.glob("*.md"))
        for match in IMAGE.finditer(guide.read_text(encoding="utf-8"))
    ]


def test_the_three_guides_are_there():
    names = {guide.name for guide in GUIDES.glob("*.md")}
    assert {"build-a-survey.md", "run-a-campaign.md", "make-a-report.md"} <= names


def test_every_picture_a_guide_shows_exists():
    images = _images()
    assert images
    missing = [f"{g.name}: {src}" for g, _alt, src in images if not (g.parent / src).is_file()]
    assert not missing, missing


def test_every_picture_has_alt_text_that_describes_it():
    short = [f"{g.name}: {src}" for g, alt, src in _images() if len(alt.split()) < 5]
    assert not short, short


def test_every_picture_in_the_folder_is_shown_by_a_guide():
    shown = {(g.parent / src).resolve() for g, _alt, src in _images()}
    unused = [p.name for p in sorted((GUIDES / "img").glob("*.png")) if p.resolve() not in shown]
    assert not unused, unused


def test_the_pictures_stay_small():
    total = sum(p.stat().st_size for p in (GUIDES / "img").glob("*.png"))
    assert total < 2_000_000, total
