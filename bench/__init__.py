"""Benchmarks that print figures; never part of the test suite.

Each is a module run from the repository's root with the project's Python, and prints a table
or, with ``--json``, one JSON line per figure (with the machine and its 1-minute load):

    .venv/bin/python -m bench.guides        # a guide round against the sandbox's truth
    .venv/bin/python -m bench.round         # govprobe's round against a bare Playwright script
    .venv/bin/python -m bench.baseline      # the bare script alone (bench.round runs it)
    .venv/bin/python -m bench.concurrency   # journeys a minute at 1, 2, 4 and 8 at once
    .venv/bin/python -m bench.growth        # a synthetic season on 36 and 300 cities
    .venv/bin/python -m bench.checks        # a health-check round over the sandbox's faults
    .venv/bin/python -m bench.demo          # the whole demo, timed

and two that make files the project keeps: ``bench.capture_fixtures`` (the captured guides the
extraction tests read) and ``bench.review_screenshot`` (the README's picture of the review
pages). ``bench._measure`` holds what they share (the machine, the load, a process tree's
memory and CPU, figures), ``bench._season`` the synthetic season ``bench.growth`` writes. The
comparison with the sandbox's truth is ``sandbox.truth``, shared with the tests. The README's
"Measuring the journeys" and "Performance" give the figures measured.
"""
