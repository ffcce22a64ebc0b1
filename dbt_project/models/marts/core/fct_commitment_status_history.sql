-- Grain: one row per commitment x status update (status as written, dated), from the trackers' own update rows
-- and from the nightly snapshot of current states, so that history survives reloads of the trackers.
with from_trackers as (
    select commitment_id, status_date, status_reported_raw, status_reported_key, evidence, 'tracker' as seen_in
    from {{ ref('stg_inbox__commitment_updates') }}
),

from_snapshot as (
    select commitment_id, status_date, status_reported_raw, status_reported_key, evidence, 'snapshot' as seen_in
    from {{ ref('snap_commitment_states') }}
),

status_vocabulary as (
    select * from {{ ref('commitment_status_vocabulary') }}
),

updates as (
    select
        commitment_id,
        status_date,
        status_reported_raw,
        any_value(status_reported_key) as status_reported_key,
        any_value(evidence) as evidence,
        bool_or(seen_in = 'snapshot') and not bool_or(seen_in = 'tracker') as only_in_snapshot
    from (select * from from_trackers union all select * from from_snapshot)
    group by commitment_id, status_date, status_reported_raw
)

select
    {{ surrogate_key(['commitment_id', 'status_date', 'status_reported_raw']) }} as commitment_status_update_id,
    commitment_id,
    status_date,
    status_reported_raw,
    coalesce(
        vocabulary.status_reported, case when status_reported_raw is null then 'no_response' else 'unrecognised' end
    )
        as status_reported,
    evidence,
    only_in_snapshot
from updates
left join status_vocabulary as vocabulary using (status_reported_key)
