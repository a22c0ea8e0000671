from django.urls import path

from bms.billing import views, views_credit

app_name = "billing"

urlpatterns = [
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/new/", views.customer_create_view, name="customer_create"),
    path("customers/<id:pk>/", views.customer_detail, name="customer_detail"),
    path("customers/<id:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/new/", views.invoice_create_view, name="invoice_create"),
    path("invoices/<id:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<id:pk>/edit/", views.invoice_edit, name="invoice_edit"),
    path("invoices/<id:pk>/approve/", views.invoice_approve_view, name="invoice_approve"),
    path("invoices/<id:pk>/cancel/", views.invoice_cancel_view, name="invoice_cancel"),
    path("invoices/<id:pk>/credit/", views_credit.credit_note_from_invoice, name="credit_note_from_invoice"),
    path("invoices/<id:pk>/correct/", views_credit.invoice_correct_view, name="invoice_correct"),
    path("credit-notes/", views_credit.credit_note_list, name="credit_note_list"),
    path("credit-notes/new/", views_credit.credit_note_create_view, name="credit_note_create"),
    path("credit-notes/<id:pk>/", views_credit.credit_note_detail, name="credit_note_detail"),
    path("credit-notes/<id:pk>/edit/", views_credit.credit_note_edit, name="credit_note_edit"),
    path("credit-notes/<id:pk>/release/", views_credit.credit_note_release_view, name="credit_note_release"),
    path("credit-notes/<id:pk>/cancel/", views_credit.credit_note_cancel_view, name="credit_note_cancel"),
    path("credit-notes/<id:pk>/allocate/", views_credit.credit_allocate_view, name="credit_allocate"),
    path("credit-notes/<id:pk>/allocations/<id:allocation_pk>/reverse/", views_credit.credit_allocation_reverse_view,
         name="credit_allocation_reverse"),
    path("credit-notes/<id:pk>/refund/", views_credit.refund_record_view, name="refund_record"),
    path("credit-notes/<id:pk>/refunds/<id:refund_pk>/reverse/", views_credit.refund_reverse_view,
         name="refund_reverse"),
]
