with source as (
    select * from {{ source('gnr', 'gnr_commitments') }}
)

select
    file_id as source_file_id,
    line_number as source_line_number,
    commitment_id,
    user_id,
    made_on,
    title,
    description,
    currency_text,
    currency,
    cost_amount,
    usd_equiv as cost_usd_stated,
    funder,
    goal_count,
    approval_status
from source
