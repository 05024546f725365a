"""An existing researchers group (made before population margins existed) gets their
permissions from migration research 0011, as new groups get them from
cms.services.researchers_group_ensure."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("research", "0010_add_population_margins")]
AFTER = [("research", "0011_researchers_may_keep_population_margins")]


def test_existing_researchers_groups_get_the_margin_permissions():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Group, Permission = old.get_model("auth", "Group"), old.get_model("auth", "Permission")
    ContentType = old.get_model("contenttypes", "ContentType")
    code_type, _ = ContentType.objects.get_or_create(app_label="research", model="interviewcode")
    change_code, _ = Permission.objects.get_or_create(
        content_type=code_type, codename="change_interviewcode", defaults={"name": "x"}
    )
    researchers = Group.objects.create(name="old researchers")
    researchers.permissions.add(change_code)
    others = Group.objects.create(name="editors")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Group = new.get_model("auth", "Group")
    granted = set(
        Group.objects.get(name="old researchers").permissions.values_list("codename", flat=True)
    )
    assert {
        "add_populationmargin",
        "change_populationmargin",
        "delete_populationmargin",
        "view_populationmargin",
    } <= granted
    assert not Group.objects.get(name=others.name).permissions.exists()
