"""The matching engine, pure: people in, scored and explained matches out.

No database, no Slack. Callers build `Candidate`s from enrollment rows, a `Pool` of
mentors once per program, then ask for self-serve suggestions (`suggest`) or a
coordinator round (`solve_round`). See each module's docstring for the why.
"""

from bot.matching.assign import DEFAULT_K, solve_round
from bot.matching.baselines import exact_round, greedy_round
from bot.matching.candidates import Candidate, reporting_chain
from bot.matching.pool import MenteeBatch, Pool
from bot.matching.results import Pair, Round, RoundStats, Suggestion, SuggestionPage, Unmatched
from bot.matching.suggest import suggest
from bot.matching.text import TextModel, TextModelFactory, TfidfTextModel
from bot.matching.weights import Weights

__all__ = [
    "DEFAULT_K",
    "Candidate",
    "MenteeBatch",
    "Pair",
    "Pool",
    "Round",
    "RoundStats",
    "Suggestion",
    "SuggestionPage",
    "TextModel",
    "TextModelFactory",
    "TfidfTextModel",
    "Unmatched",
    "Weights",
    "exact_round",
    "greedy_round",
    "reporting_chain",
    "solve_round",
    "suggest",
]
