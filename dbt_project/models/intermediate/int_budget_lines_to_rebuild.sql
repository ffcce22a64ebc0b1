-- Grain: one row per budget line this build rebuilds (see macros/rebuild_groups.sql): every line on a full build,
-- else the lines a new file sends (for any year or version: the latest file of each line wins).
select distinct budget_line_id
from {{ ref('stg_inbox__budget_lines') }}
where source_file_id > {{ built_through_file_id() }}
