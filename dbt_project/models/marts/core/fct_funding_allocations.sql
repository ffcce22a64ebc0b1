-- Grain: one row per funding flow x dimension (sector, country) x value. Shares sum to 1 per flow and dimension.
-- Stated rules for shares (share_rule), per flow and dimension (the activity's percentages per vocabulary):
--   single      the transaction itself names one value (partner report sector, IATI transaction sector / country)
--   declared    the activity's percentages as declared: they sum to 100 % (or, below, with the remainder row)
--   normalised  the activity's percentages rescaled to 100 %: they sum to about 100 % (within
--               var('share_rounding_tolerance'), e.g. 99.9 %) or to more than 100 %
--   unspecified_part  a NULL value beside named ones: the rest of percentages summing to less than 100 % (beyond
--               the tolerance), an element with a percentage and no code, or a value-less element among others
--   equal_split several values without percentages (FTS clusters and locations, IATI without percentages)
--   unspecified the source names no value: one row with a NULL value and share 1
-- Rebuilt with the flows, by group (flow_group_key, see macros/rebuild_groups.sql).
with flows as (
    select funding_flow_id, flow_group_key, source_system, source_record_id, iati_identifier, source_file_id,
           sector_name, recipient_country_code, amount_usd_reported
    from {{ ref('fct_funding_flows') }}
    where {{ rebuilt_by_this_build() }}
),

iati_tx as (
    select concat(iati_identifier, '#', transaction_index) as source_record_id, source_file_id,
           source_activity_index, sector_code, recipient_country_code
    from {{ ref('stg_iati__transactions') }}
    where {{ in_iati_groups_to_rebuild() }}
),

iati_sectors as (
    -- DAC 5-digit codes (vocabulary 1) when the activity gives them, else whatever vocabulary it uses.
    select * from {{ ref('stg_iati__sectors') }}
    where {{ in_iati_groups_to_rebuild() }}
    qualify sector_vocabulary = min(case when sector_vocabulary = '1' then '0' else sector_vocabulary end)
                                over (partition by source_file_id, source_activity_index)
        or (sector_vocabulary = '1')
),

iati_countries as (
    select * from {{ ref('stg_iati__recipient_countries') }}
    where {{ in_iati_groups_to_rebuild() }}
),

sector_names as (
    select * from {{ ref('int_sector_names') }}
),

sectors as (
    select * from {{ ref('sectors') }}
),

fts_objects as (
    select * from {{ ref('stg_fts__flow_objects') }}
    where direction = 'destination'
        and {{ in_fts_groups_to_rebuild() }}
    qualify version_id = max(version_id) over (partition by flow_id)
),

-- Partner reports name one sector and one country per row: share 1, no split to compute (most of the rows).
partner_allocations as (
    select funding_flow_id, flow_group_key, 'sector' as dimension, sector_name as dimension_value, 1.0 as share,
           case when sector_name is null then 'unspecified' else 'single' end as share_rule, amount_usd_reported
    from flows where source_system = 'partner_report'
    union all
    select funding_flow_id, flow_group_key, 'country', recipient_country_code, 1.0,
           case when recipient_country_code is null then 'unspecified' else 'single' end, amount_usd_reported
    from flows where source_system = 'partner_report'
),

candidates as (
    -- IATI sectors: the transaction's own, else the activity's
    select
        flow.funding_flow_id,
        flow.flow_group_key,
        flow.amount_usd_reported,
        'sector' as dimension,
        coalesce(tx.sector_code, sector.sector_code) as dimension_value,
           sector.declared_share,
           case when tx.sector_code is not null then 'single' else 'activity' end as basis
    from flows as flow
    join iati_tx as tx on tx.source_record_id = flow.source_record_id and tx.source_file_id = flow.source_file_id
    left join iati_sectors as sector on tx.sector_code is null
        and sector.source_file_id = tx.source_file_id and sector.source_activity_index = tx.source_activity_index
    where flow.source_system = 'iati'
    union all
    select
        flow.funding_flow_id,
        flow.flow_group_key,
        flow.amount_usd_reported,
        'country',
        coalesce(tx.recipient_country_code, country.country_code),
        country.declared_share,
           case when tx.recipient_country_code is not null then 'single' else 'activity' end
    from flows as flow
    join iati_tx as tx on tx.source_record_id = flow.source_record_id and tx.source_file_id = flow.source_file_id
    left join iati_countries as country on tx.recipient_country_code is null
        and country.source_file_id = tx.source_file_id and country.source_activity_index = tx.source_activity_index
    where flow.source_system = 'iati'
    -- FTS: global clusters and locations of the destination, without percentages
    union all
    select
        flow.funding_flow_id, flow.flow_group_key, flow.amount_usd_reported,
        'sector', obj.object_name, null, 'activity'
    from flows as flow
    left join fts_objects as obj on obj.flow_id = flow.source_record_id and obj.object_type = 'GlobalCluster'
    where flow.source_system = 'fts'
    union all
    select
        flow.funding_flow_id, flow.flow_group_key, flow.amount_usd_reported,
        'country', obj.country_code, null, 'activity'
    from flows as flow
    left join fts_objects as obj on obj.flow_id = flow.source_record_id and obj.object_type = 'Location'
        and obj.country_code is not null
    where flow.source_system = 'fts'
),

deduplicated as (
    -- An element with a percentage and no code is an unspecified part: it merges with the NULL value.
    select
        funding_flow_id,
        flow_group_key,
        amount_usd_reported,
        dimension,
        dimension_value,
        sum(declared_share) as declared_share,
           any_value(basis) as basis
    from candidates
    group by all
),

-- Percentages that fall short of 100 % by more than the rounding tolerance: the rest is unspecified.
remainders as (
    select funding_flow_id, any_value(flow_group_key) as flow_group_key,
           any_value(amount_usd_reported) as amount_usd_reported, dimension, null as dimension_value,
           1 - sum(declared_share) as declared_share, 'activity' as basis
    from deduplicated
    group by funding_flow_id, dimension
    having count(declared_share) = count(*) and bool_or(basis = 'activity')
        and sum(declared_share) < 1 - {{ var('share_rounding_tolerance') }}
),

with_remainder as (
    select * from deduplicated
    union all by name
    select * from remainders
),

merged as (
    select funding_flow_id, flow_group_key, amount_usd_reported, dimension, dimension_value,
           sum(declared_share) as declared_share, any_value(basis) as basis
    from with_remainder
    group by all
),

-- A flow's values counted and summed by grouping and joining back: a window over millions of flows sorts them.
shared as (
    select merged.*, totals.values_in_flow, totals.declared_total, totals.declared_values
    from merged
    inner join (
        select
            funding_flow_id,
            dimension,
            count(*) as values_in_flow,
            sum(declared_share) as declared_total,
            count(declared_share) as declared_values
        from merged
        group by funding_flow_id, dimension
    ) as totals using (funding_flow_id, dimension)
),

split as (
    select
        *,
        case
            when values_in_flow = 1 then 1.0
            when declared_values = values_in_flow and declared_total > 0 then declared_share / declared_total
            else 1.0 / values_in_flow
        end as share,
        case
            when values_in_flow = 1 and dimension_value is null then 'unspecified'
            when basis = 'single' or values_in_flow = 1 then 'single'
            when dimension_value is null then 'unspecified_part'
            when declared_values = values_in_flow and abs(declared_total - 1) < 0.000001 then 'declared'
            when declared_values = values_in_flow and declared_total > 0 then 'normalised'
            else 'equal_split'
        end as share_rule
    from shared
),

-- Every sector value the branches above can give, matched to a sector once per value and not once per row.
sector_values as (
    select sector_name as name from flows where source_system = 'partner_report'
    union
    select sector_code from iati_tx
    union
    select sector_code from iati_sectors
    union
    select object_name from fts_objects where object_type = 'GlobalCluster'
),

sector_ids as (
    {{ names_matched('sector_values', ['name'], 'sector_names', 'sector_id') }}
),

allocations as (
    select funding_flow_id, flow_group_key, dimension, dimension_value, share, share_rule, amount_usd_reported
    from split
    union all
    select * from partner_allocations
)

select
    {{ surrogate_key(['allocations.funding_flow_id', 'dimension', 'dimension_value']) }} as funding_allocation_id,
    allocations.funding_flow_id,
    allocations.flow_group_key,
    dimension,
    dimension_value,
    cast(share as double) as share,
    share_rule,
    sector_ids.sector_id,
    sectors.nutrition_category,
    {{ money('amount_usd_reported * share') }} as amount_usd_allocated,
    {{ this_build_number() }} as build_number
from allocations
left join sector_ids on allocations.dimension = 'sector' and sector_ids.name = allocations.dimension_value
left join sectors on sectors.sector_id = sector_ids.sector_id
