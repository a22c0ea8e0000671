from django.urls import path

from bms.xero.reconcile import views

app_name = "reconcile"

urlpatterns = [
    path("", views.reconciliation, name="reconciliation"),
    path("run/", views.reconciliation_run_now, name="run_now"),
    path("runs/<id:run_id>/repair/", views.reconciliation_repair_view, name="repair"),
]
