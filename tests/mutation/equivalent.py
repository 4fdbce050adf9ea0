"""Mutants judged equivalent: no test can kill them, because the program behaves the same.

Each entry is a mutant's id (``python -m tests.mutation --list`` prints them; ids are those of
Python 3.11, which the nox session runs) and why nothing observable changes. The runner does
not run them and leaves them out of the score, counting them apart; a mutant not listed here
that survives is a gap in the tests until it is killed or judged and listed.

An entry must say why, precisely enough for a reviewer to check it against the code: "a
redundant check" is not a reason, "``start`` is never negative here: it comes from
``str.find`` after a successful ``in``" is.
"""

from __future__ import annotations

__all__ = ["EQUIVALENT"]

EQUIVALENT: dict[str, str] = {}
