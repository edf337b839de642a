from django.urls import path

from beatbook.registry import views

app_name = "registry"
urlpatterns = [
    path("beat/", views.my_beat, name="my-beat"),
    path("communities/<int:pk>/", views.community_detail, name="community-detail"),
    path("communities/<int:pk>/compounds/new/", views.compound_create, name="compound-create"),
    path("compounds/<int:pk>/", views.compound_detail, name="compound-detail"),
    path("compounds/<int:pk>/edit/", views.compound_edit, name="compound-edit"),
    path("compounds/<int:pk>/buildings/new/", views.building_create, name="building-create"),
    path("buildings/<int:pk>/", views.building_detail, name="building-detail"),
    path("buildings/<int:pk>/edit/", views.building_edit, name="building-edit"),
    path("buildings/<int:pk>/flats/new/", views.flat_create, name="flat-create"),
    path("flats/<int:pk>/", views.flat_detail, name="flat-detail"),
    path("flats/<int:pk>/edit/", views.flat_edit, name="flat-edit"),
    path("flats/<int:pk>/status/", views.flat_status, name="flat-status"),
    path("flats/<int:pk>/residents/new/", views.resident_create, name="resident-create"),
    path("flats/<int:pk>/transfer/", views.transfer_create, name="transfer-create"),
    path("residents/", views.resident_list, name="resident-list"),
    path("residents/validate-id-number/", views.validate_id_number, name="validate-id-number"),
    path("residents/validate-phones/", views.validate_phones, name="validate-phones"),
    path("residents/<int:pk>/", views.resident_detail, name="resident-detail"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident-edit"),
    path("residents/<int:pk>/move-out/", views.resident_move_out, name="resident-move-out"),
    path("premises/", views.premises_list, name="premises-list"),
    path("premises/new/", views.premises_create, name="premises-create"),
    path("premises/<int:pk>/", views.premises_detail, name="premises-detail"),
    path("premises/<int:pk>/edit/", views.premises_edit, name="premises-edit"),
    path("transfers/", views.transfer_list, name="transfer-list"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer-detail"),
    path("transfers/<int:pk>/decide/", views.transfer_decide, name="transfer-decide"),
]
