"""In-process tests: no socket, no browser, no child process (``make test-fast``)."""
