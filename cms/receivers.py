"""Invalidate cached public-page chrome and survey runtimes whenever content changes.

A single "content generation" number is part of every such cache key; publishing,
unpublishing, moving or deleting any page, or saving library settings, bumps it. Publishing
is rare, so dropping every cached entry at once is simpler and safer than precise keys.
"""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import BaseViewRestriction, Locale, Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from .models import LibrarySettings
from .selectors import content_generation_bump


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def _page_changed(sender: Any, **kwargs: Any) -> None:
    content_generation_bump()


@receiver(post_delete)
@receiver(post_save)
def _model_changed(sender: type, **kwargs: Any) -> None:
    watched = (Page, Site, LibrarySettings, BaseViewRestriction, Locale)
    if issubclass(sender, watched) and not kwargs.get("raw"):
        content_generation_bump()
