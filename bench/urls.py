"""Innsikt's URLs plus the benchmark's constant-200 view, ahead of Wagtail's catch-all (which
cms.urls puts inside i18n_patterns), so it passes through exactly the same middleware."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from cms.urls import urlpatterns as cms_urlpatterns


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("bench/ok/", ok, name="bench_ok"), *cms_urlpatterns]
