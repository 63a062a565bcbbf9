"""The evaluators' review pages (``govprobe review``): browse rounds, cities, probes and
threads with their evidence, label replies and override machine judgements, audited.

``app.py`` builds the Starlette application (``create_app``), ``views.py`` reads what each page
shows, ``auth.py`` holds tokens, sessions and CSRF, ``server.py`` serves it with uvicorn.
"""
