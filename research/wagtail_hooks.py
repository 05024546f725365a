from django.urls import include, path
from wagtail import hooks

from . import admin_views


@hooks.register("register_admin_urls")
def register_admin_urls():
    urls = [
        path("surveys/<int:page_id>/exports/", admin_views.exports, name="research_exports"),
        path(
            "exports/<uuid:job_id>/download/",
            admin_views.export_download,
            name="research_export_download",
        ),
    ]
    return [path("research/", include(urls))]
