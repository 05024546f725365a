"""Hard bounces from delivery status notifications (RFC 3464), for plain SMTP set-ups.

Pure: a parsed message in, the addresses that failed permanently out. A DSN is a
``multipart/report; report-type=delivery-status`` whose ``message/delivery-status`` part
holds one block per recipient with ``Final-Recipient``, ``Action`` and ``Status``.
"""

from email.message import Message


def hard_bounces(message: Message) -> list[str]:
    """Recipients whose delivery failed permanently (Action: failed, Status: 5.x.x)."""
    if message.get_content_type() != "multipart/report":
        return []
    failed = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks[1:] if isinstance(blocks, list) else []:
            if not isinstance(block, Message):  # the parser makes every block a Message
                continue
            action = str(block.get("Action", "")).strip().lower()
            status = str(block.get("Status", "")).strip()
            recipient = str(block.get("Final-Recipient", "") or block.get("Original-Recipient", ""))
            address = recipient.split(";", 1)[-1].strip().strip("<>")
            if action == "failed" and status.startswith("5") and "@" in address:
                failed.append(address.lower())
    return failed
