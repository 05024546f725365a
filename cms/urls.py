from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.utils.urlpatterns import decorate_urlpatterns

from cms import health_views
from cms.tenancy import admin_gate
from surveys import views as surveys_views

urlpatterns = [
    # Every admin URL — Wagtail's and those the apps register — passes the tenancy gate:
    # a request naming another library's page or object is a 404 before its view runs.
    path("admin/", include(decorate_urlpatterns(wagtailadmin_urls.urlpatterns, admin_gate))),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    # Delivery events (hard bounces) from the mail provider, when one is configured.
    path("anymail/", include("anymail.urls")),
    # Monitoring (cms.health): outside the language prefixes, needs neither admin nor page.
    path("health/", health_views.health_status, name="health"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Public pages: Norwegian Bokmål at /, English at /en/.
urlpatterns += i18n_patterns(
    path("s/", include("surveys.urls")),
    path("panel/", include("panel.urls")),
    path("intervju/", include("research.interviews.urls")),
    # Wagtail's own pattern, served through surveys.views.serve (a cached route for survey
    # pages, Wagtail for everything else); wagtail_urls stays below for its other views.
    re_path(r"^((?:[\w\-]+/)*)$", surveys_views.serve, name="innsikt_serve"),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

# A database or Redis restart gets "try again in a moment" (503), keeping what was sent.
handler500 = "cms.error_views.server_error"
