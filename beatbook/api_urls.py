"""/api/v1/: one router; the registry and every feature app register on it."""

from importlib import import_module

from django.conf import settings

from beatbook.registry.api.urls import router

for _app in settings.FEATURE_APPS:
    import_module(f"beatbook.{_app}.api.routes").register(router)

app_name = "api"
urlpatterns = router.urls
