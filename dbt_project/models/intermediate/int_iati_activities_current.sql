-- Grain: one row per IATI activity, as published in the file received last (an activity published in several
-- files, or twice in one, is taken from the last).
select *
from {{ ref('stg_raw__iati_activities') }}
qualify source_file_id = max(source_file_id) over (partition by iati_identifier)
    and source_activity_index = max(source_activity_index) over (partition by iati_identifier, source_file_id)
