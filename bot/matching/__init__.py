"""The matching engine, pure: people in, scored and explained matches out.

No database, no Slack. Callers build `Candidate`s from enrollment rows and a `Pool` of
mentors once per program (it fits the text model), then ask for self-serve suggestions
(`suggest`) or a coordinator round (`solve_round`; `greedy_round` and `exact_round` are
yardsticks). Weights and floors: `Weights`. Each module's docstring says why it is so:

    candidates  the input type          scoring    parts, weights applied, rule masks
    weights     weights and floors      graph      the sparse candidate graph
    text        goal/expertise text     solver     exact assignment (scipy LAPJVsp)
    pool        people as arrays        certify    LP-duality proof of optimality
    reasons     readable reasons        assign     solve_round
    suggest     self-serve top-k        unmatched  why someone stays unmatched

Importing this package imports scikit-learn and scipy (~1 s, ~120 MB): import it where
matching happens, not at start-up.
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
