select
    file_id as source_file_id,
    flow_id,
    version_id,
    direction,
    object_type,
    object_id,
    object_name,
    behavior,
    organization_types,
    object_code,
    country_code
from {{ source('fts', 'fts_flow_objects') }}
