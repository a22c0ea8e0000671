from django.urls import path

from bms.stock import views

app_name = "stock"

urlpatterns = [
    path("dispatches/", views.dispatch_list, name="dispatch_list"),
    path("dispatches/<id:pk>/", views.dispatch_detail, name="dispatch_detail"),
]
