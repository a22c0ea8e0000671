from django.urls import path

from bms.xero import views

app_name = "xero"

urlpatterns = [
    path("callback/", views.callback, name="callback"),
    path("entities/<int:pk>/authenticate/", views.authenticate, name="authenticate"),
    path("entities/<int:pk>/connect/", views.connect_tenant, name="connect_tenant"),
    path("entities/<int:pk>/remove/", views.remove_authentication, name="remove_authentication"),
]
