"""The directory that ``ecs-log-context run`` puts first on ``PYTHONPATH``.

Python imports its `sitecustomize` at start-up, in every process the command starts, their
spawned children included (they inherit the variable); forked children inherit the
installation itself.
"""
