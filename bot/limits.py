"""How much a mentee may choose and write, and a mentor answer, stated once: the services
enforce these and the views offer no more (as Slack's `max_length`)."""

from __future__ import annotations

MAX_CHOICES = 3  # mentors a mentee asks in turn, in order of preference
QUERY_MAX = 300  # the search box
NOTE_MAX = 1000  # the mentee's note to the mentors they ask
DECLINE_REASON_MAX = 500  # the mentor's word when declining
