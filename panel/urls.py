from django.urls import path

from . import views

urlpatterns = [
    path("bli-med/<str:code>/", views.signup_channel, name="panel_signup_channel"),
    path("bekreft/<str:token>/", views.confirm, name="panel_confirm"),
    path("inv/<str:token>/", views.invitation, name="panel_invitation"),
    path("avmeld/<str:token>/", views.unsubscribe, name="panel_unsubscribe"),
    path("mine-data/", views.my_data_request, name="panel_my_data_request"),
    path("mine-data/side/", views.my_data, name="panel_my_data"),
    path("mine-data/last-ned/", views.my_data_download, name="panel_my_data_download"),
    path("mine-data/trekk/", views.my_data_withdraw, name="panel_my_data_withdraw"),
    path("mine-data/slett/", views.my_data_erase, name="panel_my_data_erase"),
    path("mine-data/<str:token>/", views.my_data_signin, name="panel_my_data_signin"),
]
