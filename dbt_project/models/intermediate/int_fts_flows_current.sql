-- Grain: one row per FTS flow, in its latest version (the highest version id, then the file received last).
-- Rebuilt by flow (see macros/rebuild_groups.sql): the rule looks at one flow id's rows at a time.
select
    *,
    {{ flow_group_key('fts', 'flow_id') }} as flow_group_key,
    {{ this_build_number() }} as build_number
from {{ ref('stg_fts__flows') }}
where {{ in_fts_groups_to_rebuild() }}
qualify row_number() over (partition by flow_id order by version_id desc, source_file_id desc) = 1
