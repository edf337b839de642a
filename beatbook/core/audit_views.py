from django.http import HttpRequest, HttpResponse


def audit_log(request: HttpRequest) -> HttpResponse:  # placeholder, replaced by the audit page
    return HttpResponse("")
