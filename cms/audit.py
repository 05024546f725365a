"""Audit logs in the admin (research.ResearchLog, panel.AccessLog): listed, filtered and
searched by people with the model's view permission — superusers, or a data-protection
officer given it — and never added, changed or deleted through the admin by anyone.

Register a log with ``audit_log_register(Model)`` and an ``AuditLogViewSet`` subclass."""

from typing import Any

from django.db.models import Model
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .admin_tenancy import LibraryScopedViewSet

WRITE_ACTIONS = {"add", "change", "delete"}


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user: Any, action: str) -> bool:
        return action not in WRITE_ACTIONS and super().user_has_permission(user, action)

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        return self.user_has_permission(user, action)


class AuditLogViewSet(LibraryScopedViewSet, ModelViewSet):
    """A read-only listing of an audit log, under Settings, of the viewer's libraries
    (superusers: all)."""

    add_to_settings_menu = True
    icon = "history"
    inspect_view_enabled = True
    copy_view_enabled = False
    list_per_page = 100
    exclude_form_fields: list[str] = []  # the add/edit views exist but nobody may use them


def audit_log_register(model: type[Model]) -> None:
    register_permission_policy(model, ReadOnlyPermissionPolicy(model), exact_class=True)
