from django.urls import path

from bms.entities import views

app_name = "entities"

urlpatterns = [
    path("", views.entity_list, name="entity_list"),
    path("new/", views.entity_create_view, name="entity_create"),
    path("<id:pk>/", views.entity_detail, name="entity_detail"),
    path("<id:pk>/edit/", views.entity_edit, name="entity_edit"),
]
