from django.urls import path

from bms.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("<id:pk>/", views.job_detail, name="job_detail"),
    path("<id:pk>/retry/", views.job_retry_view, name="job_retry"),
    path("<id:pk>/resend/", views.job_resend_view, name="job_resend"),
]
