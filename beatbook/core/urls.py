"""Core pages: the audit log (audit administrator)."""

from django.urls import path

from beatbook.core import audit_views

urlpatterns = [
    path("audit/", audit_views.audit_log, name="audit-log"),
    path("audit/export/", audit_views.audit_export, name="audit-export"),
    path("audit/verify/", audit_views.audit_verify, name="audit-verify"),
]
