from django.urls import path

from bms.cogs import views

app_name = "cogs"

# Mounted at admin/ as before the move: a journal's address is in every journal pushed to Xero.
urlpatterns = [
    path("journals/", views.journal_list, name="journal_list"),
    path("journals/<id:pk>/", views.journal_detail, name="journal_detail"),
]
