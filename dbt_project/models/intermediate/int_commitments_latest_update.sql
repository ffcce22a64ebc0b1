-- The most recent status update of each commitment (by status date, then by file and line received last), from the
-- platform's trackers and the GNR's Nutrition for Growth export.
with tracker_updates as (
    select * from {{ ref('stg_inbox__commitment_updates') }}
),

gnr_updates as (
    select * from {{ ref('int_gnr_commitments_resolved') }}
),

updates as (
    select
        *,
        'tracker' as source_system,
        true as concerns_inbox_country,
        false as holder_unresolved
    from tracker_updates
    union all by name
    select
        * exclude (holder_country_code),
        'gnr' as source_system
    from gnr_updates
)

select
    *,
    count(*) over (partition by commitment_id) as update_count
from updates
qualify row_number() over (
    partition by commitment_id
    order by status_date desc nulls last, source_file_id desc, source_line_number desc
) = 1
