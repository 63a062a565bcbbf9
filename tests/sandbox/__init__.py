"""Tests against real servers and processes (the sandbox, local HTTP and TLS servers), no browser."""
