"""Text from poll files, made safe to put in a message.

Names and file names come from untrusted CSV files, and a message is read by a chat program:
Slack and Teams read `<...>` as links or markup and `&` as the start of an entity, an e-mail
relay may render HTML. So every such value is escaped (& < >), loses control characters and line
breaks (a message cannot be made to look like two), and is cut to a readable length.
"""

from __future__ import annotations

import re

LONGEST = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def plain(value: object, longest: int = LONGEST) -> str:
    """`value` as text that arrives as text, at most `longest` characters before escaping."""
    text = " ".join(_CONTROL.sub(" ", str(value)).split())
    if len(text) > longest:
        text = text[: longest - 1] + "…"
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
