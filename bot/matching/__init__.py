"""The matching engine, pure: people in, scored and explained matches out.

No database, no Slack. Callers build `Candidate`s from enrollment rows and a `Pool` of
mentors once per program (it fits the text model), then ask for self-serve suggestions
(`suggest`) or a coordinator round (`solve_round`; `greedy_round` and `exact_round` are
yardsticks). Weights and floors: `Weights`. Each module's docstring says why it is so:

    candidates  the input type          scoring    parts, weights applied, rule masks
    weights     weights and floors      graph      the sparse candidate graph
    text        goal/expertise text     solver     exact assignment (LAPJVsp; flow)
    pool        people as arrays        certify    LP-duality proof of optimality
    reasons     readable reasons        assign     solve_round
    suggest     self-serve top-k        unmatched  why someone stays unmatched

Importing this package loads numpy and scipy.sparse; scipy's graph solver loads on first
use, or ahead of it with `warm()`, which a server calls in the background once it
listens, so start-up does not wait for it and the first search does not pay for it.
Nothing here imports scikit-learn (text.py computes its TF-IDF without it).
"""

import importlib
from typing import TYPE_CHECKING, Any

# Where each name lives. The package loads a module on first use of one of its names
# (PEP 562), so importing `Candidate` costs nothing and numpy/scipy load with the first
# pool or search, or with `warm()`, not at start-up.
_HOME = {
    "DEFAULT_K": "assign",
    "solve_round": "assign",
    "exact_round": "baselines",
    "greedy_round": "baselines",
    "Candidate": "candidates",
    "reporting_chain": "candidates",
    "MenteeBatch": "pool",
    "Pool": "pool",
    "Pair": "results",
    "Round": "results",
    "RoundStats": "results",
    "Suggestion": "results",
    "SuggestionPage": "results",
    "Unmatched": "results",
    "suggest": "suggest",
    "TextModel": "text",
    "TextModelFactory": "text",
    "TfidfTextModel": "text",
    "Weights": "weights",
}

if TYPE_CHECKING:
    from bot.matching.assign import DEFAULT_K, solve_round
    from bot.matching.baselines import exact_round, greedy_round
    from bot.matching.candidates import Candidate, reporting_chain
    from bot.matching.pool import MenteeBatch, Pool
    from bot.matching.results import Pair, Round, RoundStats, Suggestion, SuggestionPage, Unmatched
    from bot.matching.suggest import suggest
    from bot.matching.text import TextModel, TextModelFactory, TfidfTextModel
    from bot.matching.weights import Weights


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'bot.matching' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"bot.matching.{_HOME[name]}"), name)
    # Bound here, after the import: importing a submodule sets the package attribute of
    # its name to the module, and `suggest` is both a module and its function.
    globals()[name] = value
    return value


def warm() -> None:
    """Import what the first search and the first round would otherwise import."""
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching  # noqa: F401

    # Through the package, so each name is bound to what it names (the function
    # `suggest`, not the module of the same name).
    for name in _HOME:
        __getattr__(name)
    # Not the compiled kernel: loading numba costs a web process ~100 MiB and a second of
    # CPU at every start, for rounds of 2,000,000 pairs or more; see warm_compiled.


def warm_compiled() -> None:
    """Load the compiled round (numba's scoring kernel, solver and certificate, from the
    cache beside their source, or compiled into it): what the first round of
    COMPILED_MIN_PAIRS pairs or more would otherwise load while its coordinator waits
    (about 1.5 s of CPU here). A server calls it in the background when an open program is
    that big; a tiny round through the compiled path touches every part."""
    from bot.matching.assign import solve_round
    from bot.matching.candidates import Candidate
    from bot.matching.pool import Pool

    topics = ("Research", "NLP", "Careers")

    def person(key: int, mentor: bool) -> Candidate:
        return Candidate(
            key=key,
            user_id=f"U{key}",
            name=f"P{key}",
            topics=frozenset(topics[key % 3 : key % 3 + 2]),
            text=("guiding research careers" if mentor else "growing into research") + f" {key}",
            experience=5 if mentor else 2,
            capacity_left=2 if mentor else 0,
        )

    mentors = [person(key, True) for key in range(1, 7)]
    solve_round([person(key, False) for key in range(100, 120)], Pool(mentors), k=1, compiled=True)


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
    "warm_compiled",
]
