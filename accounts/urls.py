from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("mon-compte/", views.profile, name="profile"),
    path("mon-compte/conditions/", views.terms, name="terms"),
    path("mon-compte/notifications/", views.notifications, name="notifications"),
    path("mon-compte/notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("bac-a-sable/boite-mail/", views.sandbox_mailbox, name="sandbox_mailbox"),
    path("bac-a-sable/boite-mail/<int:pk>/", views.sandbox_email, name="sandbox_email"),
]
