"""Pages of the exchange app (included at the site root, namespace "exchange")."""

from django.urls import path

from beatbook.exchange import views

app_name = "exchange"
urlpatterns = [
    path("exchange/import/", views.import_upload, name="import"),
    path("exchange/import/<str:token>/", views.import_preview, name="import-preview"),
    path("exchange/import/<str:token>/rejected.xlsx", views.import_errors, name="import-errors"),
    path("exchange/export/", views.export, name="export"),
]
