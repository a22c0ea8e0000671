from django.urls import path

from bms.preferences import views

app_name = "preferences"

urlpatterns = [path("", views.general, name="general")]
