-- Units of each currency per euro by date: the ECB's daily rates, plus the two CFA francs at their peg (XOF and XAF
-- are both 655.957 per euro) and EUR itself.
with ecb_rates as (
    select * from {{ ref('stg_ecb__euro_rates') }}
)

select rate_date, currency, units_per_eur
from ecb_rates
union all
select rate_date, cfa_franc, {{ var('xof_per_eur') }}
from (select unnest(generate_series(date '1999-01-01', date '2035-12-31', interval 1 day))::date as rate_date)
cross join (values ('XOF'), ('XAF')) as francs (cfa_franc)
union all
select rate_date, 'EUR', 1.0
from (select unnest(generate_series(date '1999-01-01', date '2035-12-31', interval 1 day))::date as rate_date)
