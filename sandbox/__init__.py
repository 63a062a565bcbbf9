"""Simulated Chinese city government-service portals, served over real HTTP.

``python -m sandbox serve`` starts every site of the world (``sandbox/world/*.yaml``) on its own
port plus a control API; probes walk the sites with a browser, tests and benchmarks read the
truth from the control API. ``probes/`` never imports this package.
"""
