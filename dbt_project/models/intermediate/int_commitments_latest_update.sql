-- The most recent status update of each commitment (by status date, then by file and line received last).
select
    *,
    count(*) over (partition by commitment_id) as update_count
from {{ ref('stg_raw__commitment_updates') }}
qualify row_number() over (
    partition by commitment_id
    order by status_date desc nulls last, source_file_id desc, source_line_number desc
) = 1
