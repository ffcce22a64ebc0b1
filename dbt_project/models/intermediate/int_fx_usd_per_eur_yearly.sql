-- Yearly average of the ECB's daily USD per EUR: budget lines have a fiscal year, not a value date.
select
    cast(year(rate_date) as integer) as fiscal_year,
    avg(units_per_eur) as usd_per_eur,
    count(*) as rate_days
from {{ ref('stg_ecb__euro_rates') }}
where currency = 'USD'
group by 1
