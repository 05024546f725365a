"""A survey's channel short links (/s/<code>/…): one URL pattern per route of the survey's
route table (surveys.routes), all answered by the front door."""

from django.urls import path

from . import views
from .routes import ROUTES

# URL names: survey_channel for the questions, survey_channel_<route> for the others.
urlpatterns = [
    path(
        f"<str:code>/{route.path}",
        views.channel_serve,
        {"route": route.name},
        name="survey_channel" if route.name == "respond" else f"survey_channel_{route.name}",
    )
    for route in ROUTES
]
