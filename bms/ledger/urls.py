from django.urls import path

from bms.ledger import views

app_name = "ledger"

urlpatterns = [
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/new/", views.account_create_view, name="account_create"),
    path("accounts/<id:pk>/edit/", views.account_edit, name="account_edit"),
    path("accounts/settings/", views.account_defaults_view, name="account_defaults"),
]
