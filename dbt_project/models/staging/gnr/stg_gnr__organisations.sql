with source as (
    select * from {{ source('gnr', 'gnr_organisations') }}
)

select
    file_id as source_file_id,
    line_number as source_line_number,
    user_id,
    organisation as organisation_name,
    country as country_name,
    organisation_type
from source
