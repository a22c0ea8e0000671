from django.urls import path

from bms.xero import (
    views,
    views_check,
    views_connect,
    views_contacts,
    views_health,
    views_invoice_changes,
    views_tracking,
)

app_name = "xero"

urlpatterns = [
    path("callback/", views.callback, name="callback"),
    path("entities/<id:pk>/authenticate/", views.authenticate, name="authenticate"),
    path("entities/<id:pk>/consent/", views.consent, name="consent"),
    path("entities/<id:pk>/connect/", views_connect.connect_tenant, name="connect_tenant"),
    path("entities/<id:pk>/remove/", views.remove_authentication, name="remove_authentication"),
    path("entities/<id:pk>/check/", views_check.entity_check, name="entity_check"),
    path("entities/<id:pk>/pull-payments/", views.payments_pull_now, name="payments_pull_now"),
    path("check/", views_check.check_start, name="check_start"),
    path("customers/<id:pk>/sync/", views.customer_sync, name="customer_sync"),
    path("customers/<id:pk>/unlink/", views.customer_unlink_view, name="customer_unlink"),
    path("customers/sync/", views.customers_sync_all, name="customers_sync_all"),
    path("customers/<id:pk>/links/<id:link_id>/unarchive/", views_contacts.contact_unarchive_view,
         name="contact_unarchive"),
    path("customers/<id:pk>/links/<id:link_id>/relink/", views_contacts.contact_relink_view, name="contact_relink"),
    path("invoices/<id:pk>/sync/", views.invoice_sync, name="invoice_sync"),
    path("credit-notes/<id:pk>/sync/", views.credit_note_sync, name="credit_note_sync"),
    path("invoices/push/", views.invoices_push_all, name="invoices_push_all"),
    path("invoices/<id:pk>/links/<id:link_id>/cancel-in-bms/", views_invoice_changes.invoice_cancel_to_match,
         name="invoice_cancel_to_match"),
    path("invoices/<id:pk>/links/<id:link_id>/differs/resend/", views_invoice_changes.invoice_differs_resend_view,
         name="invoice_differs_resend"),
    path("invoices/<id:pk>/links/<id:link_id>/differs/cancel/", views_invoice_changes.invoice_differs_cancel_view,
         name="invoice_differs_cancel"),
    path("invoices/<id:pk>/links/<id:link_id>/accept/", views_invoice_changes.invoice_accept_difference,
         name="invoice_accept_difference"),
    path("journals/<id:pk>/push/", views.journal_push, name="journal_push"),
    path("incidents/<id:pk>/retry/", views_health.incident_retry_view, name="incident_retry"),
    path("accounts/compare/", views.chart_compare, name="chart_compare"),
    path("tracking/", views_tracking.tracking, name="tracking"),
    path("tracking/<id:pk>/read/", views_tracking.tracking_read, name="tracking_read"),
    path("tracking/categories/<id:pk>/options/", views_tracking.tracking_option_new, name="tracking_option_new"),
    path("accounts/sync/", views.chart_sync, name="chart_sync"),
]
