-- Grain: one row per group of source records x role x organisation name that the registry does not know.
-- Reported so that the registry (seed organisations) can be completed; the flows are kept either way. Rebuilt
-- with the flows, by group (flow_group_key, see macros/rebuild_groups.sql); sum `flows` over groups for a list.
-- depends_on: {{ ref('int_funding_flow_groups_to_rebuild') }}
with flows as (
    select * from {{ ref('fct_funding_flows') }}
    where {{ rebuilt_by_this_build() }}
)

select flow_group_key, source_system, 'donor' as org_role, donor_org_name as org_name_as_written, count(*) as flows,
    {{ this_build_number() }} as build_number
from flows
where donor_org_name is not null and donor_org_id is null
group by all
union all
select flow_group_key, source_system, 'recipient', recipient_org_name, count(*), {{ this_build_number() }}
from flows
where recipient_org_name is not null and recipient_org_id is null
group by all
