"""What surveys announces: a response was stored (receivers live in the apps that listen)."""

from django.dispatch import Signal

# Sent on commit after a response is stored: kwargs response_id (UUID), survey_id, pseudonym.
# panel listens to mark an invitation completed (DESIGN.md §1).
response_submitted = Signal()
