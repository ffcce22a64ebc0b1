-- Grain: one row per donor x partner x region x cercle x sector x reporting year (partner reports in force):
-- planned vs spent, in FCFA and US dollars, with the gap. Rebuilt by partner (flow_group_key, see
-- macros/rebuild_groups.sql): a partner's name, as written, belongs to one group.
-- depends_on: {{ ref('int_funding_flow_groups_to_rebuild') }}
select
    donor_org_name,
    recipient_org_name as partner_org_name,
    region_pcode,
    region_name,
    cercle_pcode,
    cercle_name,
    sector_name,
    cast(year(value_date) as integer) as reporting_year,
    sum(amount_xof) filter (flow_stage = 'planned') as planned_xof,
    sum(amount_xof) filter (flow_stage = 'expenditure') as spent_xof,
    sum(amount_usd) filter (flow_stage = 'planned') as planned_usd,
    sum(amount_usd) filter (flow_stage = 'expenditure') as spent_usd,
    -- Unknown when nothing was planned: a gap needs a plan to be measured against.
    sum(amount_xof) filter (flow_stage = 'planned')
        - coalesce(sum(amount_xof) filter (flow_stage = 'expenditure'), 0) as unspent_xof,
    flow_group_key,
    {{ this_build_number() }} as build_number
from {{ ref('fct_funding_flows') }}
where source_system = 'partner_report' and counted_in_totals
    and {{ rebuilt_by_this_build() }}
group by all
