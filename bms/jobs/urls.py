from django.urls import path

from bms.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/retry/", views.job_retry_view, name="job_retry"),
    path("<int:pk>/resend/", views.job_resend_view, name="job_resend"),
]
