-- Grain: one row per FTS flow, in its latest version (the highest version id, then the file received last).
select *
from {{ ref('stg_raw__fts_flows') }}
qualify row_number() over (partition by flow_id order by version_id desc, source_file_id desc) = 1
