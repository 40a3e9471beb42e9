"""Short DM texts the domain sends; the wording lives here, kind and plain."""

from __future__ import annotations


def partner_left_text(name: str, *, partner_was_mentor: bool) -> str:
    who = name or "Your partner"
    if partner_was_mentor:
        return (
            f"{who} has left the mentorship program, so your mentorship with them has ended. "
            "Thank you for the time and care you gave. Your slot is free again for someone new."
        )
    return (
        f"{who} has left the mentorship program, so your mentorship with them has ended. "
        "That happens, and it isn't about you. Type `/mentor find` whenever you'd like to "
        "meet another mentor."
    )
