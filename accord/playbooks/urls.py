from django.urls import path

from . import editor, views

app_name = "playbooks"

urlpatterns = [
    path("templates/", views.template_list, name="list"),
    path("templates/<int:pk>/", views.detail, name="detail"),
    path("templates/<int:pk>/new-project/", views.use, name="use"),
    path("templates/<int:pk>/delete/", views.delete, name="delete"),
    path("templates/<int:pk>/duplicate/", editor.duplicate, name="duplicate"),
    path("templates/<int:pk>/<slug:section>/add/", editor.item_add, name="item_add"),
    path("templates/<int:pk>/<slug:section>/<int:index>/", editor.item_edit, name="item_edit"),
    path("templates/<int:pk>/<slug:section>/<int:index>/delete/", editor.item_delete, name="item_delete"),
    path("templates/<int:pk>/<slug:section>/<int:index>/move/", editor.item_move, name="item_move"),
    path("projects/<int:pk>/save-as-template/", views.save_from_project, name="save_from_project"),
]
