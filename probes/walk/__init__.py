"""Step 3 of the data flow: walk a portal as a citizen does, and keep what was seen.

``walker`` is the browser machinery every journey shares (arriving past a challenge and
overlays, settling, new tabs, screenshots); ``guide`` finds and captures a service guide,
``matching`` picks the right search result among decoys, ``consult`` reaches a message board,
fills its form and reads its list; ``round`` runs many journeys at once, politely, storing
each probe as it ends; ``scripts`` are the page scripts they run. A journey never judges:
it records steps and evidence, and ``probes.judge`` reads them afterwards.
"""
