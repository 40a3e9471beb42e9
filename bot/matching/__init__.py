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

Importing this package loads numpy and scipy.sparse; scikit-learn and scipy's graph
solver (~0.7 s more) load on first use, or ahead of it with `warm()`, which a server
calls in the background once it listens, so start-up does not wait for them and the
first search does not pay for them.
"""

from bot.matching.assign import DEFAULT_K, solve_round
from bot.matching.baselines import exact_round, greedy_round
from bot.matching.candidates import Candidate, reporting_chain
from bot.matching.pool import MenteeBatch, Pool
from bot.matching.results import Pair, Round, RoundStats, Suggestion, SuggestionPage, Unmatched
from bot.matching.suggest import suggest
from bot.matching.text import TextModel, TextModelFactory, TfidfTextModel
from bot.matching.weights import Weights


def warm() -> None:
    """Import what the first fit and the first round would otherwise import."""
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching  # noqa: F401

    from bot.matching.text import stop_words

    stop_words()


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
    "warm",
]
