from django.urls import path

from . import views

urlpatterns = [
    path("bekreft/<str:token>/", views.confirm, name="panel_confirm"),
]
