"""Step 3, for the hardware indicator: check each portal's health over HTTP and in Chromium.

``http_checks`` visits a home page (up, slow, protected, maintenance, error, down) and inspects
HTTPS and the certificate; ``browser_checks`` loads the home page and one guide in Chromium
(timings, LCP, page weight, mobile adaptation, axe-core); ``round`` runs a check round over
every portal and stores one row per result. The rubrics that score them are in
``probes.score.hardware``.
"""
