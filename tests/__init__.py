"""The test suite, laid out by what a test needs to run (``make test`` runs all three):

* ``tests/unit/``: nothing outside the process: no socket, no browser, no child process.
  In-process apps through httpx's ``ASGITransport``, SQLite files in ``tmp_path``, pure
  functions. Seconds: ``make test-fast``.
* ``tests/sandbox/``: real servers and processes, no browser: the sandbox as a process, local
  HTTP and TLS servers, the review app over uvicorn, several processes writing one database.
* ``tests/e2e/``: a real Chromium, or ``govprobe`` run as a child process as users run it.

``tests/conftest.py`` holds the fixtures every lane shares, ``tests/support/`` the helpers
(servers, clients, test-only portals), ``tests/fixtures/`` the data files the tests read.
"""
