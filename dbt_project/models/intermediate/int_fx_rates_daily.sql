-- Units of each currency per euro by date: the ECB's daily rates, plus the fixed XOF peg and EUR itself.
select rate_date, currency, units_per_eur
from {{ ref('stg_raw__ecb_euro_rates') }}
union all
select rate_date, 'XOF', {{ var('xof_per_eur') }}
from (select unnest(generate_series(date '1999-01-01', date '2035-12-31', interval 1 day))::date as rate_date)
union all
select rate_date, 'EUR', 1.0
from (select unnest(generate_series(date '1999-01-01', date '2035-12-31', interval 1 day))::date as rate_date)
