"""Outbox idempotency keys: every kind of message the bot sends, and how often it may.

A key names what a message is for; the outbox refuses a second message under the same
key, so a retried request, a double click or a second scheduler cannot send it twice.
Two builders state the two rules there are:

- `once(kind, subject...)`: at most one such message about this subject, ever
  (the intro of mentorship 7, the answer to request 12);
- `each(kind, subject..., at=...)`: one per occurrence, the occurrence named by the
  instant it happened (a click, a change), so a retry of that same occurrence is still one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    # enrollment
    WELCOME = "welcome"
    LEFT = "left"
    NOTICE = "notice"
    PARTNER_LEFT = "partner-left"
    HOME = "home"
    DM_HELP = "dm-help"
    # requests to mentors
    REQUEST = "request"  # the mentor's DM with Accept / Decline
    REQUEST_SENT = "request-sent"
    ANSWER = "answer"  # the mentee told of a decline or an expiry
    REQUEST_DECLINED = "request-declined"  # the mentor's DM rewritten...
    REQUEST_EXPIRED = "request-expired"
    REQUEST_WITHDRAWN = "request-withdrawn"
    MENTOR_AVAILABLE = "available"
    FIND_REPLY = "find-reply"  # why a Find button opened no search, when no reply is possible
    INTRO = "intro"
    # check-ins
    CHECKIN_PROMPT = "checkin-prompt"  # once per mentorship, period and person
    CHECKIN_CLOSED = "checkin-closed"  # a prompt rewritten: met or skipped, once per person
    CHECKIN_MOVED = "checkin-moved"  # a prompt rewritten for a move, each move and person
    CHECKIN_MOVED_DM = "checkin-moved-dm"  # the partner told of a move
    CHECKIN_HELP = "checkin-help"  # a coordinator told someone asked for help
    CHECKIN_HELP_SENT = "checkin-help-sent"  # the asker told it was passed on
    CHECKIN_NOT_LOGGED = "checkin-not-logged"  # a closed "We met" form not kept: why, by DM
    # end of term
    TERM_SURVEY = "term-survey"  # once per mentorship, term and person
    TERM_ENDED = "term-ended"  # the pair closed at the term's end: once per mentorship, person
    TERM_RENEWED = "term-renewed"  # a new term begins: once per mentorship, new term, person
    # goals
    GOALS_SET = "goals-set"  # the partner told goals were set or changed, each change
    GOAL_REVIEW = "goal-review"  # the mentee's monthly goal update, once per pair and month
    GOAL_REVIEW_DONE = "goal-review-done"  # that DM rewritten once saved, each save
    # calendar files (.ics) of check-ins
    CALENDAR_FILE = "calendar-file"  # sent on its own (kickoff, a move): per event version, person
    CALENDAR_ASKED = "calendar-asked"  # "Add to calendar" pressed: each press
    # follow-ups and escalation (bot/followups)
    FOLLOW_UP = "follow-up"  # once per pair, streak (its first period) and person
    CHAT_SUGGESTED = "chat-suggested"  # "Suggest a 15-minute chat": once per period and person
    AT_RISK = "at-risk"  # a coordinator told a pair stopped meeting: once per flag
    NUDGE = "nudge"  # a coordinator's "Nudge again": each click, each of the two
    PAIR_PAUSED = "pair-paused"  # the two told a coordinator paused or resumed them
    PAIR_ENDED = "pair-ended"  # the two told a coordinator ended their pair: once each
    BOARD_NOTICE = "board-notice"  # a coordinator told what their Home click did
    # a pair's pace (bot/pace)
    PACE_CHANGED = "pace-changed"  # the partner told the other changed how often they meet
    # rematch and snooze
    REMATCH_TOLD = "rematch-told"  # the partner told the pair ended, once per mentorship
    REMATCH_OFFER = "rematch-offer"  # the mentee's fresh suggestions, once per mentorship
    REMATCH_ANSWER = "rematch-answer"  # a confirmation answered (done, already ended)
    SNOOZE_TOLD = "snooze-told"  # a partner told someone is away, once per pair and snooze
    # coordinators granted and removed in Slack (bot/coordinators)
    COORDINATOR_ADDED = "coordinator-added"  # the new coordinator welcomed: each grant
    COORDINATOR_REMOVED = "coordinator-removed"  # the one removed told: each removal
    # cohorts (bot/cohorts)
    COHORT_ADDED = "cohort-added"  # someone a coordinator added to a cohort: each time
    COHORT_REMOVED = "cohort-removed"  # someone a coordinator moved out: each time
    COHORT_PAIR_ENDED = "cohort-pair-ended"  # their partner told the pair ended: once each
    COHORT_SUMMARY = "cohort-summary"  # the coordinator told what a Members change did: each
    # announcements (bot/announcements)
    ANNOUNCEMENT = "announcement"  # once per announcement and recipient ("channel" for a post)
    ANNOUNCEMENT_REPORT = "announcement-report"  # the author told how it went, once
    ANNOUNCEMENT_NOTICE = "announcement-notice"  # a coordinator told what a click did, each
    # roster import from Slack (bot/roster_uploads)
    ROSTER_RECEIVED = "roster-received"  # "importing it now" (or why not): each file given
    ROSTER_REPORT = "roster-report"  # the report, or why it failed: each import
    # coordinators' rounds
    ROUND_CSV = "round-csv"
    ROUND_OUTCOME = "round"
    # program health (bot/stats): files a coordinator asked for, each ask
    STATS_CHART = "stats-chart"  # the chart PNG, per click (or command) and cohort
    STATS_EXPORT = "stats-export"  # the CSV of a cohort's pairs, likewise
    STATS_NOTICE = "stats-notice"  # why nothing was sent (the cohort is gone)
    # refusals and apologies
    REFUSED = "refused"
    SLACK_SLOW = "slow"


def once(kind: Kind, *subject: object) -> str:
    return ":".join([kind.value, *(str(part) for part in subject)])


def each(kind: Kind, *subject: object, at: datetime) -> str:
    return once(kind, *subject, at.isoformat())
