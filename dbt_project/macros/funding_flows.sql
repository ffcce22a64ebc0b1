{#- Every money movement the source records of these relations report, one row per source transaction, in one shape:
    partner reports give two per row (planned budget and amount spent), IATI one per transaction of the activity's file,
    FTS one per flow version given. Used on tonight's groups (int_funding_flows_unioned), on the records in force
    (int_source_records, through source_records) and on every staged row (int_funding_flow_groups_to_rebuild). Each
    relation has flow_group_key; `partner` has the places of int_partner_reports_placed (NULL when not placed yet). -#}
{% macro funding_flows(partner, activities, transactions, recipient_countries, fts_flows, fts_objects) -%}
with partner_amounts as (
    select
        'partner_report' as source_system,
        flow_group_key,
        concat(source_file_id, ':', coalesce(source_sheet, ''), ':', source_line_number, ':', stage.flow_stage)
            as source_record_id,
        source_file_id,
        source_line_number as source_position,
        stage.flow_stage,
        case stage.flow_stage when 'planned' then planned_budget else amount_spent end as amount_original,
        currency as currency_original,
        coalesce(period_end, period_start) as value_date,
        donor_name as donor_org_name,
        cast(null as varchar) as donor_org_ref,
        partner_name as recipient_org_name,
        cast(null as varchar) as recipient_org_ref,
        country_code as recipient_country_code,
        {{ money('null') }} as amount_usd_source,
        cast(null as double) as exchange_rate_source,
        -- A stated USD equivalent refers to the amount spent, or to the plan when nothing is spent yet.
        case when stage.flow_stage = 'expenditure' or amount_spent is null then stated_usd end
            as amount_usd_stated,
        cast(null as varchar) as iati_identifier,
        cast(null as varchar) as provider_activity_id,
        cast(null as varchar) as fts_flow_type,
        sector_name,
        region_name,
        region_pcode_2021 as region_pcode,
        cercle_name,
        cercle_pcode_2021 as cercle_pcode,
        commune_name,
        commune_place_id,
        activity as description,
        activity as record_text,
        false as humanitarian,
        amount_rule
    from {{ partner }}
    cross join (values ('planned'), ('expenditure')) as stage (flow_stage)
    where case stage.flow_stage when 'planned' then planned_budget else amount_spent end is not null
),

single_country as (
    select source_file_id, source_activity_index, any_value(country_code) as country_code
    from {{ recipient_countries }}
    group by all
    having count(*) = 1
),

iati_amounts as (
    select
        'iati' as source_system,
        act.flow_group_key,
        concat(tx.iati_identifier, '#', tx.transaction_index) as source_record_id,
        tx.source_file_id,
        tx.source_activity_index as source_position,
        tx.flow_stage,
        tx.amount_original,
        tx.currency_original,
        tx.value_date,
        case when tx.flow_stage like 'incoming%' then tx.provider_org_name
             else coalesce(tx.provider_org_name, act.reporting_org_name) end as donor_org_name,
        case when tx.flow_stage like 'incoming%' then tx.provider_org_ref
             else coalesce(tx.provider_org_ref, act.reporting_org_ref) end as donor_org_ref,
        case when tx.flow_stage like 'incoming%' then coalesce(tx.receiver_org_name, act.reporting_org_name)
             else tx.receiver_org_name end as recipient_org_name,
        case when tx.flow_stage like 'incoming%' then coalesce(tx.receiver_org_ref, act.reporting_org_ref)
             else tx.receiver_org_ref end as recipient_org_ref,
        coalesce(tx.recipient_country_code, country.country_code) as recipient_country_code,
        {{ money('null') }} as amount_usd_source,
        cast(null as double) as exchange_rate_source,
        tx.iati_identifier,
        tx.provider_activity_id,
        cast(null as varchar) as fts_flow_type,
        cast(null as varchar) as sector_name,
        cast(null as varchar) as region_name,
        cast(null as varchar) as cercle_name,
        cast(null as varchar) as commune_name,
        cast(null as varchar) as commune_place_id,
        coalesce(tx.description, act.title) as description,
        -- Identifiers and text belong to the activity (fct_source_matches pairs activities by them).
        act.title as record_text,
        coalesce(tx.humanitarian, act.humanitarian, false) as humanitarian
    from {{ transactions }} as tx
    inner join {{ activities }} as act using (source_file_id, source_activity_index)
    left join single_country as country using (source_file_id, source_activity_index)
),

fts_parties as (
    select
        flow_id,
        version_id,
        string_agg(object_name, ' ; ' order by object_name) filter (
            direction = 'source' and object_type = 'Organization'
        ) as donors,
        string_agg(object_name, ' ; ' order by object_name) filter (
            direction = 'destination' and object_type = 'Organization'
        ) as recipients,
        case when count(distinct country_code) filter (direction = 'destination' and object_type = 'Location') = 1
             then any_value(country_code) filter (direction = 'destination' and object_type = 'Location') end
             as country_code
    from {{ fts_objects }}
    group by all
),

fts_amounts as (
    select
        'fts' as source_system,
        flow.flow_group_key,
        flow.flow_id as source_record_id,
        flow.source_file_id,
        flow.source_flow_index as source_position,
        flow.flow_stage,
        flow.amount_original,
        flow.currency_original,
        flow.value_date,
        objects.donors as donor_org_name,
        cast(null as varchar) as donor_org_ref,
        objects.recipients as recipient_org_name,
        cast(null as varchar) as recipient_org_ref,
        objects.country_code as recipient_country_code,
        flow.amount_usd_source,
        flow.exchange_rate_source,
        cast(null as varchar) as iati_identifier,
        cast(null as varchar) as provider_activity_id,
        flow.flow_type as fts_flow_type,
        cast(null as varchar) as sector_name,
        cast(null as varchar) as region_name,
        cast(null as varchar) as cercle_name,
        cast(null as varchar) as commune_name,
        cast(null as varchar) as commune_place_id,
        flow.description,
        flow.description as record_text,
        -- FTS tracks humanitarian funding only.
        true as humanitarian
    from {{ fts_flows }} as flow
    left join fts_parties as objects using (flow_id, version_id)
)

select * from partner_amounts
union all by name
select * from iati_amounts
union all by name
select * from fts_amounts
{%- endmacro %}
