from django.urls import path

from . import views

urlpatterns = [
    path("<str:token>/", views.booking, name="interview_booking"),
    path("<str:token>/avbestill/", views.booking_cancel, name="interview_booking_cancel"),
    path("<str:token>/kalender.ics", views.booking_calendar, name="interview_booking_calendar"),
]
