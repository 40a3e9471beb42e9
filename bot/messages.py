"""Short DM texts the domain sends; the wording lives here, kind and plain.

People are named by Slack mention (`<@U…>`): Slack renders their current name, and
the message keeps nothing a person wrote or that a leaver asked us to forget.
"""

from __future__ import annotations

from bot.commands import COMMAND


def partner_left_text(user_id: str, *, partner_was_mentor: bool) -> str:
    who = f"<@{user_id}>"
    if partner_was_mentor:
        return (
            f"{who} has left the mentorship program, so your mentorship with them has ended. "
            "Thank you for the time and care you gave. Your slot is free again for someone new."
        )
    return (
        f"{who} has left the mentorship program, so your mentorship with them has ended. "
        f"That happens, and it isn't about you. Type `{COMMAND} find` whenever you'd like to "
        "meet another mentor."
    )


def mentor_left_text(mentor_user_id: str, next_user_id: str | None) -> str:
    """To a mentee whose asked mentor left before answering."""
    text = (
        f"<@{mentor_user_id}> has left the mentorship program, so they can't answer your "
        "request. It isn't about you."
    )
    if next_user_id:
        return text + f" We've asked <@{next_user_id}>, your next choice, and will let you know."
    return text + f" Type `{COMMAND} find` to see more mentors who fit your goals."


def request_withdrawn_text(mentee_user_id: str) -> str:
    """Replaces a mentor's request DM when the mentee left before it was answered."""
    return (
        f"<@{mentee_user_id}> has left the mentorship program, so this request is closed. "
        "There's nothing more to do. Thank you for being open to mentoring!"
    )
