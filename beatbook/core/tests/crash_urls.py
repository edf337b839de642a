"""URLconf for the error-page tests: the project's URLs plus one that fails."""

from django.urls import path

from beatbook.urls import handler400, handler403, handler404, handler500
from beatbook.urls import urlpatterns as project_urls


def crash(request):
    raise RuntimeError("secret internals: SELECT * FROM registry_resident")


urlpatterns = [path("crash/", crash), *project_urls]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
