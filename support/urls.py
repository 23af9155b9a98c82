from django.urls import path

from support import views

app_name = "support"

urlpatterns = [
    path("sollicitations/", views.issued, name="issued"),
    path("sollicitations/recues/", views.received, name="received"),
    path("sollicitations/support/", views.staff, name="staff"),
    path("sollicitations/nouvelle/", views.create, name="create"),
    path("sollicitations/<int:pk>/", views.detail, name="detail"),
    path("sollicitations/<int:pk>/message/", views.post_message, name="post_message"),
    path("sollicitations/<int:pk>/prise-en-charge/", views.take, name="take"),
    path("sollicitations/<int:pk>/cloturer/", views.close, name="close"),
    path(
        "sollicitations/<int:pk>/pieces/<int:attachment_pk>/",
        views.attachment,
        name="attachment",
    ),
    path("nous-contacter/", views.contact, name="contact"),
    path("assistant/", views.assistant, name="assistant"),
    path("aide/", views.help_index, name="help"),
    path("aide/<slug:slug>/", views.help_page, name="help_page"),
]
