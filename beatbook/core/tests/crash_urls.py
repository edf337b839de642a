"""URLconf for the error-page tests: the project's URLs plus one that fails.

The project sets no handler500 (Django's default renders templates/500.html
without a context), so none is repeated here.
"""

from django.urls import path

from beatbook.urls import urlpatterns as project_urls


def crash(request):
    raise RuntimeError("secret internals: SELECT * FROM registry_resident")


urlpatterns = [path("crash/", crash), *project_urls]
