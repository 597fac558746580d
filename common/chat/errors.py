"""The chat service's refusals. Messages never repeat what was written."""

from __future__ import annotations

from common.errors import ValidationFailed
from common.i18n import N_


class MessageEmpty(ValidationFailed):
    code = "chat_message_empty"
    message = N_("Write a message before sending it.")


class MessageTooLong(ValidationFailed):
    code = "chat_message_too_long"
    message = N_("A message can be at most %(maximum)s characters long. Split it into several messages.")


class TooManyMessages(ValidationFailed):
    code = "chat_too_many_messages"
    message = N_("At most %(maximum)s messages can be marked as read at once.")
