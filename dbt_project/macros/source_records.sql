{#- Every amount the source records of these relations carry (tiers 2 and 3 of fct_source_matches), one row per
    FTS flow, IATI transaction and partner report amount (planned or spent): source_system, record_key, match_key,
    flow_group_key, stage, amounts (USD at the value date), parties resolved in the organisations
    registry (`org_names`: registry identifier, then any of its names), country, year, text. Used on the records in
    force (int_source_records) and on every staged row (int_funding_flow_groups_to_rebuild: the groups a new file's
    amounts reach). Each relation has flow_group_key; `partner` has country_code. -#}
{% macro source_records(fts_flows, fts_objects, activities, transactions, recipient_countries, partner, rates, org_names) -%}
with fts_parties as (
    select
        flow_id,
        version_id,
        string_agg(object_name, ' ; ' order by object_name) filter (
            direction = 'source' and object_type = 'Organization'
        ) as donor_org_name,
        string_agg(object_name, ' ; ' order by object_name) filter (
            direction = 'destination' and object_type = 'Organization'
        ) as recipient_org_name,
        case when count(distinct country_code) filter (direction = 'destination' and object_type = 'Location') = 1
             then any_value(country_code) filter (direction = 'destination' and object_type = 'Location') end
             as country_code
    from {{ fts_objects }}
    group by all
),

single_country as (
    select source_file_id, source_activity_index, any_value(country_code) as country_code
    from {{ recipient_countries }}
    group by all
    having count(*) = 1
),

amounts as (
    select
        'fts' as source_system,
        flow.flow_id as record_key,
        flow.flow_id as match_key,
        flow.flow_group_key,
        flow.flow_stage,
        flow.amount_original,
        flow.currency_original,
        flow.amount_usd_source,
        flow.value_date,
        parties.donor_org_name,
        cast(null as varchar) as donor_org_ref,
        parties.recipient_org_name,
        cast(null as varchar) as recipient_org_ref,
        parties.country_code,
        flow.description as record_text,
        -- FTS tracks humanitarian funding only.
        true as humanitarian
    from {{ fts_flows }} as flow
    left join fts_parties as parties using (flow_id, version_id)
    union all
    select
        'iati',
        concat(tx.iati_identifier, '#', tx.transaction_index),
        -- Identifiers and text belong to the activity: tier 3 and tier 1 pair the activity, tier 2 the transaction.
        tx.iati_identifier,
        act.flow_group_key,
        tx.flow_stage,
        tx.amount_original,
        tx.currency_original,
        null,
        tx.value_date,
        case when tx.flow_stage like 'incoming%' then tx.provider_org_name
             else coalesce(tx.provider_org_name, act.reporting_org_name) end,
        case when tx.flow_stage like 'incoming%' then tx.provider_org_ref
             else coalesce(tx.provider_org_ref, act.reporting_org_ref) end,
        case when tx.flow_stage like 'incoming%' then coalesce(tx.receiver_org_name, act.reporting_org_name)
             else tx.receiver_org_name end,
        case when tx.flow_stage like 'incoming%' then coalesce(tx.receiver_org_ref, act.reporting_org_ref)
             else tx.receiver_org_ref end,
        coalesce(tx.recipient_country_code, country.country_code),
        act.title,
        coalesce(tx.humanitarian, act.humanitarian, false)
    from {{ transactions }} as tx
    inner join {{ activities }} as act using (source_file_id, source_activity_index)
    left join single_country as country using (source_file_id, source_activity_index)
    union all
    select
        'partner_report',
        concat(source_file_id, ':', coalesce(source_sheet, ''), ':', source_line_number, ':', stage.flow_stage),
        concat(source_file_id, ':', coalesce(source_sheet, ''), ':', source_line_number, ':', stage.flow_stage),
        flow_group_key,
        stage.flow_stage,
        case stage.flow_stage when 'planned' then planned_budget else amount_spent end,
        currency,
        null,
        coalesce(period_end, period_start),
        donor_name,
        null,
        partner_name,
        null,
        country_code,
        activity,
        false
    from {{ partner }}
    cross join (values ('planned'), ('expenditure')) as stage (flow_stage)
    where case stage.flow_stage when 'planned' then planned_budget else amount_spent end is not null
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
