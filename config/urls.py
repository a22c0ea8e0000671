from django.contrib.auth import views as auth_views
from django.urls import include, path

from bms.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/settings/", include("bms.preferences.urls")),
    path("admin/entities/", include("bms.entities.urls")),
    path("admin/", include("bms.ledger.urls")),
    path("admin/", include("bms.cogs.urls")),
    path("admin/jobs/", include("bms.jobs.urls")),
    path("admin/reconciliation/", include("bms.xero.reconcile.urls")),
    path("admin/audit/", core_views.audit_log, name="audit_log"),
    path("billing/", include("bms.billing.urls")),
    path("stock/", include("bms.stock.urls")),
    path("xero/", include("bms.xero.urls")),
]
