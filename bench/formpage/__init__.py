"""A stock Wagtail form page (wagtail.contrib.forms), as in Wagtail's documentation: the
baseline the survey runtime is measured against. Used by bench/settings.py only."""
