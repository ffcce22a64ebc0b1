-- Units of each currency per euro by year (the yearly average of the ECB's daily rates; the CFA francs and the
-- euro at their fixed value): budget lines have a fiscal year, not a value date.
select
    cast(year(rate_date) as integer) as fiscal_year,
    currency,
    avg(units_per_eur) as units_per_eur,
    count(*) as rate_days
from {{ ref('int_fx_rates_daily') }}
group by all
