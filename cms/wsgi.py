import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.base")
application = get_wsgi_application()

# The ~250,000 objects the loaded project holds (modules, models, settings, Wagtail's
# registries) live as long as the process. Frozen, Python's garbage collector no longer
# walks them in every full collection — one of those took ~0.14 s in a survey worker, about
# every thousand requests (docs/performance.md). Requests' own objects are collected as
# before. https://docs.python.org/3/library/gc.html#gc.freeze
gc.freeze()
