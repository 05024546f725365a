"""Reminders are rows now (0014 moved the counters into them), and no mobile number is
kept: Innsikt sends no SMS, so the numbers collected for it are deleted with the column."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("panel", "0014_reminders_overrides_permissions")]

    operations = [
        migrations.RemoveField(
            model_name='invitation',
            name='reminded_at',
        ),
        migrations.RemoveField(
            model_name='invitation',
            name='reminders_sent',
        ),
        migrations.RemoveField(
            model_name='panelmember',
            name='mobile',
        ),
    ]
