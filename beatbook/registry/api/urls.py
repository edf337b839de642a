"""/api/v1/: the registry, one viewset per kind of object."""

from rest_framework.routers import DefaultRouter

from beatbook.registry.api import views

router = DefaultRouter()
router.register("beats", views.BeatViewSet, basename="beat")
router.register("communities", views.CommunityViewSet, basename="community")
router.register("compounds", views.CompoundViewSet, basename="compound")
router.register("buildings", views.BuildingViewSet, basename="building")
router.register("flats", views.FlatViewSet, basename="flat")
router.register("residents", views.ResidentViewSet, basename="resident")
router.register("premises", views.PremisesViewSet, basename="premises")
router.register("transfer-requests", views.TransferRequestViewSet, basename="transfer-request")
# beatbook/api_urls.py adds the feature apps' viewsets and serves the router
