"""Step 7 of the data flow: lay the figures out for evaluators, pure.

``data`` builds the report's one plain dict and renders it as one self-contained HTML file
(``templates/``), XLSX or CSV; ``charts`` draws its figures; ``thumbnails`` shrinks a guide's
screenshot for it. Nothing here opens the database: ``probes.app.evaluation`` hands the data in.
"""
