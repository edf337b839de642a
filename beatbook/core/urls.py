"""Core pages: the audit log (audit administrator)."""

from django.urls import path

from beatbook.core import audit_views

urlpatterns = [
    path("audit/", audit_views.audit_log, name="audit-log"),
]
