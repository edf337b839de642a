"""Configuration pages, under /config/ (system administrator)."""

from django.urls import path

from beatbook.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.admin_home, name="admin-home"),
    path("stations/new/", views.station_create, name="station-create"),
    path("beats/new/", views.beat_create, name="beat-create"),
    path("communities/new/", views.community_create, name="community-create"),
    path("communities/<int:pk>/move/", views.community_move, name="community-move"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/<int:pk>/", views.user_detail, name="user-detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user-edit"),
    path("users/<int:pk>/assignments/", views.user_assign, name="user-assign"),
    path("users/<int:pk>/password/", views.user_password, name="user-password"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user-deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user-reactivate"),
    path("compound-buildings/", views.compound_buildings, name="compound-buildings"),
]
