"""Twilio's messaging webhook form: read it, and refuse any shape Twilio never sends.

Twilio's X-Twilio-Signature joins the sorted field names and values with no
separator, so one signed form has other spellings under the same signature:
`MessageSid=SMx` re-sent as `MessageSi=dSMx`, or the whole form as one field
with an empty name. Each such replay carried no MessageSid, so it passed the
replay check and was answered in the victim's conversation again. A signed form
must therefore have a well-formed MessageSid and only field names Twilio uses.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Sequence
from urllib.parse import parse_qsl

from bot.channels.common import content_type_of

# Twilio's form is a few kilobytes (Body is at most 1600 characters); refuse more unread.
MAX_FORM_BYTES = 64 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"

# A message's SID: SM (SMS) or MM (MMS) and 32 lower-case hex digits.
MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-f]{32}")
# The parameters of Twilio's incoming-message webhook (SMS, MMS, WhatsApp, location,
# replies to buttons and ads). If Twilio adds one, add it here: until then such texts
# are refused with 400 and a WARNING saying so.
TWILIO_FIELDS = frozenset("""
    MessageSid SmsSid SmsMessageSid AccountSid MessagingServiceSid From To Body NumMedia NumSegments
    FromCity FromState FromZip FromCountry ToCity ToState ToZip ToCountry SmsStatus ApiVersion MessageType
    OptOutType ReferralNumMedia ProfileName WaId Forwarded FrequentlyForwarded ButtonText ButtonPayload
    ButtonType Latitude Longitude Address Label ChannelMetadata AddOns OriginalRepliedMessageSender
    OriginalRepliedMessageSid ReferralBody ReferralHeadline ReferralSourceId ReferralSourceType
    ReferralSourceUrl ReferralMediaId ReferralMediaContentType ReferralMediaUrl ReferralCtwaClid
""".split())
_NUMBERED_FIELD = re.compile(r"(MediaUrl|MediaContentType|ReferralMediaUrl|ReferralMediaContentType)\d{1,2}")


class Params(dict):
    """Form fields in the shape twilio's RequestValidator reads repeated fields from."""

    def __init__(self, pairs: Sequence[tuple]) -> None:
        super().__init__()
        self.all: Dict[str, List[str]] = {}
        for name, value in pairs:
            self.all.setdefault(name, []).append(value)
            self.setdefault(name, value)

    def getall(self, name: str) -> List[str]:
        return self.all[name]


def read_form(request: Any) -> Params | None:
    """The form fields (blank ones kept: Twilio signs them), or None if not a form."""
    if content_type_of(request) != FORM_TYPE:
        return None
    body = request.body.decode("utf-8", errors="replace")
    return Params(parse_qsl(body, keep_blank_values=True))


def form_problem(form: Params) -> str | None:
    """Why a signed form is not one Twilio sends, or None. Says nothing the caller sent."""
    if any(not _known(name) for name in form.all):
        return "a field name Twilio does not send (or an empty one)"
    sids = form.all.get("MessageSid") or []
    if len(sids) != 1 or not MESSAGE_SID.fullmatch(sids[0]):
        return "no well-formed MessageSid"
    return None


def _known(name: str) -> bool:
    return name in TWILIO_FIELDS or bool(_NUMBERED_FIELD.fullmatch(name))
