select
    rate_date,
    currency,
    units_per_eur
from {{ source('ecb', 'ecb_euro_rates') }}
