"""Pages of the sensing app and its ingestion endpoints (included at the site
root, namespace "sensing")."""

from django.urls import path

from beatbook.sensing import ingest_views, views

app_name = "sensing"
urlpatterns = [
    path("ingest/events", ingest_views.events, name="ingest-events"),
    path("ingest/isapi/<str:token>", ingest_views.isapi, name="ingest-isapi"),
    path("devices/", views.device_list, name="device-list"),
    path("devices/new/", views.device_create, name="device-create"),
    path("devices/<int:pk>/", views.device_detail, name="device-detail"),
    path("gateways/", views.gateway_list, name="gateway-list"),
    path("gateways/new/", views.gateway_create, name="gateway-create"),
    path("gateways/<int:pk>/", views.gateway_detail, name="gateway-detail"),
    path("gateways/<int:pk>/map", views.gateway_map, name="gateway-map"),
]
