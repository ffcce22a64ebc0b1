-- Grain: one row per IATI activity, as published in the file received last (an activity published in several
-- files, or twice in one, is taken from the last).
-- Rebuilt by activity (see macros/rebuild_groups.sql): the rule looks at one identifier's rows at a time.
select
    *,
    {{ flow_group_key('iati', 'iati_identifier') }} as flow_group_key,
    {{ this_build_number() }} as build_number
from {{ ref('stg_iati__activities') }}
where {{ in_iati_groups_to_rebuild() }}
qualify source_file_id = max(source_file_id) over (partition by iati_identifier)
    and source_activity_index = max(source_activity_index) over (partition by iati_identifier, source_file_id)
