select
    file_id as source_file_id,
    activity_index as source_activity_index,
    iati_identifier,
    standard_version,
    upper(default_currency) as default_currency,
    reporting_org_ref,
    reporting_org_name,
    reporting_org_type,
    title,
    activity_status,
    humanitarian,
    planned_start,
    actual_start,
    planned_end,
    actual_end
from {{ source('iati', 'iati_activities') }}
