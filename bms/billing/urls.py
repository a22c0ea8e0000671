from django.urls import path

from bms.billing import views, views_credit

app_name = "billing"

urlpatterns = [
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/new/", views.customer_create_view, name="customer_create"),
    path("customers/<int:pk>/", views.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/new/", views.invoice_create_view, name="invoice_create"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/edit/", views.invoice_edit, name="invoice_edit"),
    path("invoices/<int:pk>/approve/", views.invoice_approve_view, name="invoice_approve"),
    path("invoices/<int:pk>/cancel/", views.invoice_cancel_view, name="invoice_cancel"),
    path("invoices/<int:pk>/credit/", views_credit.credit_note_from_invoice, name="credit_note_from_invoice"),
    path("invoices/<int:pk>/correct/", views_credit.invoice_correct_view, name="invoice_correct"),
    path("credit-notes/", views_credit.credit_note_list, name="credit_note_list"),
    path("credit-notes/new/", views_credit.credit_note_create_view, name="credit_note_create"),
    path("credit-notes/<int:pk>/", views_credit.credit_note_detail, name="credit_note_detail"),
    path("credit-notes/<int:pk>/edit/", views_credit.credit_note_edit, name="credit_note_edit"),
    path("credit-notes/<int:pk>/release/", views_credit.credit_note_release_view, name="credit_note_release"),
    path("credit-notes/<int:pk>/cancel/", views_credit.credit_note_cancel_view, name="credit_note_cancel"),
    path("credit-notes/<int:pk>/allocate/", views_credit.credit_allocate_view, name="credit_allocate"),
    path("credit-notes/<int:pk>/allocations/<int:allocation_pk>/reverse/", views_credit.credit_allocation_reverse_view,
         name="credit_allocation_reverse"),
    path("credit-notes/<int:pk>/refund/", views_credit.refund_record_view, name="refund_record"),
    path("credit-notes/<int:pk>/refunds/<int:refund_pk>/reverse/", views_credit.refund_reverse_view,
         name="refund_reverse"),
]
