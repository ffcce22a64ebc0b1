-- Every money movement the sources report, one row per source transaction, in one shape, with the group it is
-- rebuilt in (see macros/rebuild_groups.sql; on an incremental night, only the groups to rebuild).
-- Partner reports give two per row (planned budget and amount spent); IATI one per transaction of the activity's
-- latest file; FTS one per flow (its latest version).
with partner as (
    select * from {{ ref('int_partner_reports_placed') }}
    where {{ rebuilt_by_this_build() }}
),

activities as (
    select * from {{ ref('int_iati_activities_current') }}
    where {{ rebuilt_by_this_build() }}
),

iati_transactions as (
    select * from {{ ref('stg_iati__transactions') }}
),

iati_recipient_countries as (
    select * from {{ ref('stg_iati__recipient_countries') }}
),

fts_latest as (
    select * from {{ ref('int_fts_flows_current') }}
    where {{ rebuilt_by_this_build() }}
),

fts_flow_objects as (
    select * from {{ ref('stg_fts__flow_objects') }}
    where {{ in_fts_groups_to_rebuild() }}
),

partner_flows as (
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
        amount_rule
    from partner
    cross join (values ('planned'), ('expenditure')) as stage (flow_stage)
    where case stage.flow_stage when 'planned' then planned_budget else amount_spent end is not null
),

single_country as (
    select source_file_id, source_activity_index, any_value(country_code) as country_code
    from iati_recipient_countries
    group by all
    having count(*) = 1
),

iati_flows as (
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
        coalesce(tx.description, act.title) as description
    from iati_transactions as tx
    inner join activities as act using (source_file_id, source_activity_index)
    left join single_country as country using (source_file_id, source_activity_index)
),

fts_objects as (
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
    from fts_flow_objects
    group by all
),

fts_flows as (
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
        flow.description
    from fts_latest as flow
    left join fts_objects as objects using (flow_id, version_id)
)

select * from partner_flows
union all by name
select * from iati_flows
union all by name
select * from fts_flows
