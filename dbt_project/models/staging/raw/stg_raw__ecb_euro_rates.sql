select
    rate_date,
    currency,
    units_per_eur
from {{ source('raw', 'ecb_euro_rates') }}
