"""The project's own mutation runner: ``python -m tests.mutation`` (or ``nox -s mutation``).

A mutant is one small change to one module of the package (a comparison, a constant, a boolean,
a return, a statement, a regex, a dataclass flag). Each mutant is written into a copy of the
repository, never into the working tree, and the module's own tests (`_map`) run against it: a
failing run kills the mutant, a passing one lets it survive. A survivor is a change that no test
notices, so either an equivalent mutant (the change alters nothing observable) or a behaviour
that no test pins.

Why not mutmut: it mutates only inside functions (the regexes, constants and dataclass flags that
carry much of the package sit at module and class level), and it forks per mutant, which fights
a suite full of threads, forks and subprocesses. Here each mutant is a fresh ``pytest`` process.
"""
