"""What each command does, as library functions: the layer that ties the steps together.

``guides`` (``govprobe run``, ``rejudge``), ``consult`` (``consult submit``, ``poll``,
``label``, ``login``), ``health`` (``check``), ``evaluation`` (``score``, ``offline import``,
``report``) and ``export`` (a round as a WACZ) each stand alone; ``demo`` runs them all in
turn and is the only one that imports the others. The command line (``probes.cli``) and the scheduler call these; they print nothing.
"""
