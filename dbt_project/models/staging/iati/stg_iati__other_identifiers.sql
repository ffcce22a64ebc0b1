select
    file_id as source_file_id,
    activity_index as source_activity_index,
    iati_identifier,
    trim(other_ref) as other_identifier,
    other_type as other_identifier_type,
    owner_org_ref
from {{ source('iati', 'iati_other_identifiers') }}
