"""The contact gate's records: reminders as rows, overrides on record, the do-not-contact
log, withheld invitations with the rules' reason, the launch's summary."""

import cms.tenancy
import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('panel', '0012_add_interview_campaigns'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='campaign',
            name='override_reason',
            field=models.TextField(blank=True, help_text='Only for this campaign: invite members even if they were contacted recently (it lifts the cool-down and the limit per period, never consent, opt-out or the do-not-contact list). Say why in a sentence: the reason is kept on record with who launched the campaign and when, and cannot change after the launch.', verbose_name='reason to override the contact limits'),
        ),
        migrations.AlterModelOptions(
            name='panelmember',
            options={'permissions': [('set_do_not_contact', 'Can put members on and off the do-not-contact list')], 'verbose_name': 'panel member', 'verbose_name_plural': 'panel members'},
        ),
        migrations.AddField(
            model_name='campaign',
            name='launch_summary',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='invitation',
            name='reason',
            field=models.CharField(blank=True, max_length=30),
        ),
        migrations.AlterField(
            model_name='invitation',
            name='state',
            field=models.CharField(choices=[('queued', 'Queued'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed'), ('withheld', 'Not sent (contact rules)')], default='queued', max_length=10),
        ),
        migrations.CreateModel(
            name='CampaignOverride',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.TextField()),
                ('at', models.DateTimeField(auto_now_add=True)),
                ('by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='overrides', to='panel.campaign')),
            ],
            options={
                'verbose_name': 'override of the contact limits',
                'ordering': ['at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='ContactBlock',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('blocked', models.BooleanField()),
                ('reason', models.TextField(verbose_name='reason')),
                ('at', models.DateTimeField(auto_now_add=True)),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='blocks', to='panel.panelmember')),
                ('staff', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'do-not-contact record',
                'ordering': ['at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Reminder',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('number', models.PositiveSmallIntegerField()),
                ('state', models.CharField(choices=[('queued', 'Queued'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed'), ('withheld', 'Not sent (contact rules)')], default='queued', max_length=10)),
                ('reason', models.CharField(blank=True, max_length=30)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('due_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('claimed_at', models.DateTimeField(blank=True, null=True)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('last_error', models.CharField(blank=True, max_length=300)),
                ('invitation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='panel.invitation')),
            ],
            options={
                'verbose_name': 'reminder',
                'ordering': ['invitation', 'number'],
                'indexes': [models.Index(fields=['state', 'due_at'], name='reminder_state_due')],
                'constraints': [models.UniqueConstraint(fields=('invitation', 'number'), name='one_reminder_each')],
            },
            bases=(cms.tenancy.LibraryReferences, models.Model),
        ),
    ]
