"""Step 1 of the data flow, on a timetable: the scheduler as its own process.

``file`` reads and validates the schedule (``scenarios/schedule.yaml``); ``jobs`` is what each
kind of job runs (a guide round, a reply poll, a health check) and the arguments it accepts;
``scheduler`` keeps the jobs in APScheduler's SQLAlchemy job store, runs them, answers the
commands the command line sends it and writes the run history; ``logs`` its log lines, plain
or JSON.
"""
