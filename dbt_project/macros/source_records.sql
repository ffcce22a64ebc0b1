{#- Every amount the source records of these relations carry (tiers 2 and 3 of fct_source_matches), one row per
    FTS flow, IATI transaction and partner report amount (planned or spent): source_system, record_key, match_key,
    flow_group_key, stage, amounts (USD at the value date), parties resolved in the organisations
    registry (`org_names`: registry identifier, then any of its names), country, year, text. Used on the records in
    force (int_source_records) and on every staged row (int_funding_flow_groups_to_rebuild: the groups a new file's
    amounts reach). Each relation has flow_group_key; `partner` has country_code. -#}
{% macro source_records(fts_flows, fts_objects, activities, transactions, recipient_countries, partner, rates, org_names) -%}
with flows as (
    {{ funding_flows(partner, activities, transactions, recipient_countries, fts_flows, fts_objects) }}
),

amounts as (
    select
        source_system,
        source_record_id as record_key,
        -- Identifiers and text belong to the activity: tier 3 and tier 1 pair the activity, tier 2 the transaction.
        coalesce(iati_identifier, source_record_id) as match_key,
        flow_group_key,
        flow_stage,
        amount_original,
        currency_original,
        amount_usd_source,
        value_date,
        donor_org_name,
        donor_org_ref,
        recipient_org_name,
        recipient_org_ref,
        recipient_country_code as country_code,
        record_text,
        humanitarian
    from flows
),

value_dates as (
    select distinct currency_original, value_date from amounts where amount_usd_source is null
),

usd_per_unit as (
    select
        value_dates.currency_original,
        value_dates.value_date,
        case when value_dates.value_date - rate.rate_date <= 10 and value_dates.value_date - usd.rate_date <= 10
             then usd.units_per_eur / rate.units_per_eur end as usd_per_unit
    from value_dates
    asof left join {{ rates }} as rate
        on rate.currency = value_dates.currency_original and rate.rate_date <= value_dates.value_date
    asof left join (select * from {{ rates }} where currency = 'USD') as usd on usd.rate_date <= value_dates.value_date
),

party_names as (
    select distinct donor_org_ref, donor_org_name, recipient_org_ref, recipient_org_name from amounts
),

org_spellings as (
    {{ names_matched(
        'party_names', ['donor_org_ref', 'donor_org_name', 'recipient_org_ref', 'recipient_org_name'], org_names, 'org_id'
    ) }}
)

select
    amounts.source_system,
    amounts.record_key,
    amounts.match_key,
    amounts.flow_group_key,
    amounts.flow_stage,
    amounts.amount_original,
    amounts.currency_original,
    {{ money('coalesce(amounts.amount_usd_source, amounts.amount_original * usd_per_unit.usd_per_unit)') }}
        as amount_usd,
    amounts.value_date,
    cast(year(amounts.value_date) as integer) as value_year,
    amounts.donor_org_name,
    coalesce(donor_by_ref.org_id, donor_by_name.org_id) as donor_org_id,
    amounts.recipient_org_name,
    coalesce(recipient_by_ref.org_id, recipient_by_name.org_id) as recipient_org_id,
    amounts.country_code,
    amounts.record_text,
    amounts.humanitarian
from amounts
left join usd_per_unit
    on usd_per_unit.currency_original is not distinct from amounts.currency_original
    and usd_per_unit.value_date is not distinct from amounts.value_date
left join org_spellings as donor_by_ref on donor_by_ref.name = amounts.donor_org_ref
left join org_spellings as donor_by_name on donor_by_name.name = amounts.donor_org_name
left join org_spellings as recipient_by_ref on recipient_by_ref.name = amounts.recipient_org_ref
left join org_spellings as recipient_by_name on recipient_by_name.name = amounts.recipient_org_name
{%- endmacro %}

{#- The tier-2 bucket of a USD amount: two amounts within var('same_amount_tolerance') of each other are in the same
    bucket or in neighbouring ones. -#}
{% macro amount_bucket(amount_usd) -%}
    cast(floor(ln(abs({{ amount_usd }})) / -ln(1 - {{ var('same_amount_tolerance') }})) as bigint)
{%- endmacro %}
