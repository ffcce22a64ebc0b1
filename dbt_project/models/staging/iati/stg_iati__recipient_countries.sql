select
    file_id as source_file_id,
    activity_index as source_activity_index,
    iati_identifier,
    upper(country_code) as country_code,
    percentage / 100 as declared_share
from {{ source('iati', 'iati_recipient_countries') }}
