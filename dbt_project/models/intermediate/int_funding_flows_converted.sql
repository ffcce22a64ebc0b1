-- Amounts converted at the value date: original -> EUR by the ECB rate of that day (or the last published
-- before it, at most 10 days earlier), EUR -> XOF by the peg, EUR -> USD by the ECB rate of the same day.
-- An amount with no rate (XDR, or no date) keeps NULL conversions and fx_rate_missing = true.
-- Rates are looked up once per (currency, value date), not once per flow: millions of flows share few dates.
with flows as (
    select * from {{ ref('int_funding_flows_unioned') }}
),

rates as (
    select * from {{ ref('int_fx_rates_daily') }}
),

usd as (
    select rate_date, units_per_eur as usd_per_eur from rates where currency = 'USD'
),

value_dates as (
    select distinct currency_original, value_date from flows
),

with_rate as (
    select value_dates.*, rate.units_per_eur, rate.rate_date as fx_rate_date
    from value_dates
    asof left join rates as rate
        on rate.currency = value_dates.currency_original and rate.rate_date <= value_dates.value_date
),

with_usd as (
    select with_rate.*, usd_rate.usd_per_eur, usd_rate.rate_date as usd_rate_date
    from with_rate
    asof left join usd as usd_rate on usd_rate.rate_date <= with_rate.value_date
),

rate_at_value_date as (
    select
        *,
        units_per_eur is null or value_date - fx_rate_date > 10
            or usd_per_eur is null or value_date - usd_rate_date > 10 as fx_rate_missing
    from with_usd
)

select
    flows.*,
    rate.fx_rate_date,
    rate.fx_rate_missing,
    case when not rate.fx_rate_missing then {{ money('flows.amount_original / rate.units_per_eur') }} end as amount_eur,
    case when not rate.fx_rate_missing
        then {{ to_xof('flows.amount_original', 'flows.currency_original', 'rate.units_per_eur') }} end as amount_xof,
    case when not rate.fx_rate_missing
        then {{ money('flows.amount_original / rate.units_per_eur * rate.usd_per_eur') }} end as amount_usd
from flows
inner join rate_at_value_date as rate
    on rate.currency_original is not distinct from flows.currency_original
    and rate.value_date is not distinct from flows.value_date
