from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "bms.users"
    label = "users"
    verbose_name = "Users"
