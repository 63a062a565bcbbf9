"""Step 2 of the data flow: what to probe, read from the evaluation's data files.

The scenarios (matters, aliases, variants wanted, required elements, the consultation and the
complaint), the city registry and the platform profiles, the guide elements and their labels,
the indicator system, the working-day calendar, and where each portal is (the sandbox, live, or
one bare address). Every file is validated when it is loaded: a mistake names the file and the
key, never halfway through a round. Nothing here opens a browser or a database.
"""
