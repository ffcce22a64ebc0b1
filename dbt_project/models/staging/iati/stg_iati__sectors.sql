select
    file_id as source_file_id,
    activity_index as source_activity_index,
    iati_identifier,
    sector_code,
    sector_vocabulary,
    percentage / 100 as declared_share,
    sector_name
from {{ source('iati', 'iati_sectors') }}
