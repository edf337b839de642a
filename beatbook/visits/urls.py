"""Pages of the visits app (included at the site root, namespace "visits")."""

from django.urls import path

from beatbook.visits import views

app_name = "visits"
urlpatterns = [
    path("visits/", views.worklist, name="worklist"),
    path("visits/sw.js", views.service_worker, name="service-worker"),
    path("visits/tonight/", views.tonight, name="tonight"),
    path("visits/log/", views.visit_list, name="visit-list"),
    path("visits/log/<int:pk>/", views.visit_detail, name="visit-detail"),
    path("visits/log/<int:pk>/edit/", views.visit_edit, name="visit-edit"),
    path("visits/log/<int:pk>/correct/", views.visit_correct, name="visit-correct"),
    path("visits/households/<int:pk>/visit/", views.quick_log, name="quick-log"),
    path("visits/households/<int:pk>/visit/new/", views.visit_create, name="visit-create"),
    path("visits/households/<int:pk>/profile/", views.household_edit, name="household-edit"),
    path("visits/followups/", views.followup_list, name="followup-list"),
    path("visits/followups/<int:pk>/", views.followup_detail, name="followup-detail"),
    path("visits/followups/<int:pk>/done/", views.followup_complete, name="followup-complete"),
    path("visits/rounds/", views.round_list, name="round-list"),
    path("visits/rounds/new/", views.round_create, name="round-create"),
    path("visits/rounds/<int:pk>/", views.round_detail, name="round-detail"),
    path("visits/rounds/<int:pk>/coverage/", views.round_coverage, name="round-coverage"),
]
