"""mentorbot: a Slack bot that runs a mentorship program end to end."""
