"""The line to the portals, shared by the journeys and the health checks.

Launching the one Chromium (``browser``) and the one way to open a context in it; the per-host
politeness gate every request passes, from a page or from httpx (``gate``); the signs that a
portal is failing rather than our script (``signs``: ``PortalFailure``, ``classify_error``, the
challenge, maintenance and captcha signs, the private-address rule); the bounded HTTP
requests both make (``http``: a link checked hop by hop); and the one retry policy both follow
before they believe a transient failure (``retry``).
"""
