"""Pages of the search app (included at the site root, namespace "search")."""

from django.urls import path

from beatbook.search import views

app_name = "search"
urlpatterns = [
    path("search/", views.results, name="results"),
]
