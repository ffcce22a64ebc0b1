-- Grain: one row per donor (the registry's organisation, else the name as written) of money paid (disbursements
-- and expenditures) counted in totals: how much of it one source only holds, two, three (the counted record and the
-- sources of its applied or confirmed matches, fct_source_matches), the money of other sources not counted again
-- (and of it, the records matched to several counted records, their amount shared by amount_share_rule),
-- and the matches awaiting a person's decision. Rebuilt whole on every build (meta holds every_row).
with all_flows as (
    select * from {{ ref('fct_funding_flows') }}
),

matches as (
    select * from {{ ref('fct_source_matches') }}
),

organisations as (
    select * from {{ ref('dim_organisations') }}
),

flows as (
    select * from all_flows where flow_stage in ('disbursement', 'expenditure')
),

-- Each side of a pair, with the other side's source.
sides as (
    select
        source_system_a as source_system,
        record_key_a as record_key,
        record_level_a as record_level,
        source_system_b as other_source_system,
        decision,
        source_match_id,
        -- This side is the excluded one, its amount shared among several matches.
        counted_source_system = source_system_b and amount_share_rule <> 'whole' as shared_among_several
    from matches
    union all
    select
        source_system_b, record_key_b, record_level_b, source_system_a, decision, source_match_id,
        counted_source_system = source_system_a and amount_share_rule <> 'whole'
    from matches
),

flow_sides as (
    select
        flows.funding_flow_id,
        coalesce(org.acronym, flows.donor_org_name) as donor_name,
        sides.other_source_system,
        sides.decision,
        sides.source_match_id,
        sides.shared_among_several
    from all_flows as flows
    inner join sides
        on sides.source_system = flows.source_system
        and sides.record_key = case when sides.record_level = 'activity' then flows.iati_identifier
                                    else flows.source_record_id end
    left join organisations as org on org.org_id = flows.donor_org_id
),

-- A pair awaiting a decision is counted once per donor, whatever the stage and number of its transactions.
awaiting as (
    select donor_name, count(distinct source_match_id) as matches_awaiting
    from flow_sides
    where decision = 'awaiting'
    group by all
),

per_flow as (
    select
        flows.funding_flow_id,
        coalesce(org.acronym, flows.donor_org_name) as donor_name,
        flows.source_system,
        flows.counted_in_totals,
        flows.double_count_rule,
        flows.amount_usd_reported,
        1 + count(distinct flow_sides.other_source_system) filter (
            flow_sides.decision in ('applied', 'confirmed')
        ) as sources_holding,
        coalesce(
            bool_or(flows.double_count_rule like 'same_money_in_%' and flow_sides.shared_among_several), false
        ) as shared_among_several
    from flows
    left join organisations as org on org.org_id = flows.donor_org_id
    left join flow_sides using (funding_flow_id)
    group by all
)

select
    donor_name,
    string_agg(distinct source_system, ', ' order by source_system) as sources,
    {{ money('coalesce(sum(amount_usd_reported) filter (counted_in_totals and sources_holding = 1), 0)') }}
        as usd_in_one_source,
    {{ money('coalesce(sum(amount_usd_reported) filter (counted_in_totals and sources_holding = 2), 0)') }}
        as usd_in_two_sources,
    {{ money('coalesce(sum(amount_usd_reported) filter (counted_in_totals and sources_holding >= 3), 0)') }}
        as usd_in_three_sources,
    {{ money("coalesce(sum(amount_usd_reported) filter (double_count_rule like 'same_money_in_%'), 0)") }}
        as usd_not_counted_again,
    {{ money('coalesce(sum(amount_usd_reported) filter (shared_among_several), 0)') }}
        as usd_not_counted_again_shared,
    cast(coalesce(any_value(awaiting.matches_awaiting), 0) as bigint) as matches_awaiting
from per_flow
left join awaiting using (donor_name)
group by donor_name
