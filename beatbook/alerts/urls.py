"""Pages of the alerts app (included at the site root, namespace "alerts")."""

from django.urls import path

from beatbook.alerts import views

app_name = "alerts"
urlpatterns = [
    path("alerts/", views.alert_list, name="alert-list"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert-detail"),
    path("alerts/<int:pk>/ack/", views.alert_ack, name="alert-ack"),
    path("alerts/<int:pk>/clear/", views.alert_clear, name="alert-clear"),
    path("alerts/phone/", views.phone, name="phone"),
    path("alerts/phone/cards/", views.phone_cards, name="phone-cards"),
    path("alerts/response-times/", views.response_times, name="response-times"),
    path("alerts/pictures/<int:pk>/", views.picture, name="picture"),
    path("alerts/silences/", views.silence_list, name="silence-list"),
    path("alerts/silences/<int:pk>/end/", views.silence_end, name="silence-end"),
    path("alerts/rules/<int:pk>/", views.compound_rules, name="compound-rules"),
]
