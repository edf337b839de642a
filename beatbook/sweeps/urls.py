"""Pages of the sweeps app (included at the site root, namespace "sweeps")."""

from django.urls import path

from beatbook.sweeps import views

app_name = "sweeps"
urlpatterns = [
    path("sweeps/", views.index, name="index"),
    path("sweeps/<int:pk>/", views.sweep_detail, name="sweep-detail"),
    path("sweeps/<int:pk>/questions/new/", views.question_create, name="question-create"),
    path("sweeps/<int:pk>/missed/", views.missed, name="missed"),
    path(
        "sweeps/<int:pk>/households/<int:flat>/visit/",
        views.household_visit,
        name="household-visit",
    ),
    path("sweeps/visits/<int:pk>/answers/", views.visit_answers, name="visit-answers"),
    path("sweeps/observations/", views.observation_list, name="observation-list"),
    path("sweeps/residents/<int:pk>/observe/", views.observation_create, name="observation-create"),
    path("sweeps/observations/<int:pk>/", views.observation_detail, name="observation-detail"),
    path("sweeps/observations/<int:pk>/check/", views.observation_check, name="observation-check"),
    path(
        "sweeps/observations/<int:pk>/period/", views.observation_period, name="observation-period"
    ),
    path("station/", views.station, name="station"),
    path("station/export.xlsx", views.station_export, name="station-export"),
]
