from django.urls import path

from . import views

urlpatterns = [
    path("<str:code>/", views.channel_respond, name="survey_channel"),
    path("<str:code>/takk/", views.channel_thanks, name="survey_channel_thanks"),
    path("<str:code>/fortsett/", views.channel_resume, name="survey_channel_resume_code"),
    path("<str:code>/fortsett/<str:token>/", views.channel_resume, name="survey_channel_resume"),
]
