"""Pages of the sensing app and its ingestion endpoints (included at the site
root, namespace "sensing")."""

from django.urls import path

from beatbook.sensing import ingest_views

app_name = "sensing"
urlpatterns = [
    path("ingest/events", ingest_views.events, name="ingest-events"),
    path("ingest/isapi/<str:token>", ingest_views.isapi, name="ingest-isapi"),
]
