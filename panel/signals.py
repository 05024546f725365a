"""What the panel announces (receivers live in the apps that listen): a member withdrew a
consent; a member's data is being collected for their export (DESIGN.md §1)."""

from django.dispatch import Signal

# Sent on commit after a member withdrew a consent: kwargs member_id (UUID), purpose.
# research deletes the member's interview notes when the interview consent is withdrawn.
consent_withdrawn = Signal()
# Sent while a member's data is exported (their right of access): kwargs member. Receivers
# return {section name: JSON-ready list}, merged into the export.
member_data_collect = Signal()
