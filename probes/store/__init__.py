"""Step 3 of the data flow: the SQLite database and the evidence files, and the only writer.

``db`` opens a database (WAL, foreign keys, the migrations) and holds the transaction;
``schema`` is every table, documented, and its migrations; ``evidence`` keeps screenshots and
HTML by sha256. One module per table family (``rounds``, ``probes``, ``judgements``, ``items``,
``checks``, ``offline``, ``overrides``, ``jobs``, ``holds``) writes its rows and is the home of
every read of them. What other packages import as ``store.x`` is re-exported here;
``overrides`` is imported by name, and so is ``schedule_db``, the scheduler's own database
(``results/schedule.db``, through SQLAlchemy, which only the scheduler and its commands load).
"""

from probes.store.checks import (  # noqa: F401
    check_details,
    check_rows,
    down_streaks,
    home_visits,
    save_check,
)
from probes.store.db import (  # noqa: F401
    BUSY_TIMEOUT_MS,
    EvidenceError,
    StoreError,
    connect,
    insert,
    now_iso,
    one,
    sql_value,
    transaction,
)
from probes.store.holds import (  # noqa: F401
    final_probes,
    held_probe_ids,
    hold_probe,
    holds_of,
    present_elements,
    previous_probes,
    release_hold,
)
from probes.store.items import (  # noqa: F401
    add_event,
    add_item_evidence,
    claimed_tickets,
    close_item,
    events_with_reason,
    evidence_of_item,
    get_item,
    item_events,
    item_row,
    items_of,
    labels_of_item,
    mark_submitted,
    mark_unknown,
    note_item,
    open_items,
    record_intent,
    record_reply,
    set_item_scores,
    set_label,
)
from probes.store.jobs import (  # noqa: F401
    interrupt_job_runs,
    job_run_ended,
    job_run_started,
    job_runs,
    last_job_runs,
)
from probes.store.judgements import (  # noqa: F401
    finding_counts,
    judgement_of_probe,
    judgements_of_round,
    links_of_round,
    materials_of_probes,
    materials_of_round,
    save_judgement,
    shown_elements,
)
from probes.store.offline import (  # noqa: F401
    latest_offline_import,
    record_offline_import,
)
from probes.store.probes import (  # noqa: F401
    capture_of_probe,
    captures_of_round,
    done_keys,
    evidence_count,
    evidence_of_probe,
    evidence_row,
    finished_at,
    found_guides,
    get_probe,
    probes_of_round,
    read_evidence,
    save_probe,
    step_actions_of_round,
    steps_of_probe,
    verify_evidence,
)
from probes.store.rounds import (  # noqa: F401
    finish_round,
    get_round,
    latest_round,
    rounds_of,
    rounds_overview,
    start_round,
)
from probes.store.schema import (  # noqa: F401
    EVIDENCE_KINDS,
    HOLD_KINDS,
    ITEM_EVIDENCE_KINDS,
    ITEM_KINDS,
    ITEM_STATES,
    JOB_RUN_OUTCOMES,
    LABEL_FIELDS,
    MIGRATIONS,
    OPEN_ITEM_STATES,
    ROUND_KINDS,
    ROUND_STATUSES,
    ROUND_TARGETS,
    Column,
    Migration,
    TableDef,
    applied_migrations,
    check_migrations,
    create_tables,
    datasette_metadata,
    migrate,
    open_db,
    schema_version,
    table,
    table_docs,
)
