"""`mentorbot demo`: the whole program, offline, as each person would see it in Slack.

- `cast`: the people; `stage`: the bot, the emulator and the clock; `transcript`: what
  happened, as entries, written as text;
- `opening`: the first day (a cohort, a dozen people join, `/mentor find`, a round);
  `weeks`: eight weeks of check-ins by the scheduler's job; `closing`: the stats and chart;
- `story`: runs the acts in order; `page`: the same transcript as one HTML page.
"""

from bot.demo.story import run_demo

__all__ = ["run_demo"]
