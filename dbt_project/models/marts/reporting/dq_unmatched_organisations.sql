-- Grain: one row per group of source records x role x organisation name that the registry does not know.
-- Reported so that the registry (seed organisations) can be completed; the flows are kept either way. Rebuilt
-- with the flows, by group (flow_group_key, see macros/rebuild_groups.sql); sum `flows` over groups for a list.
with flows as (
    select * from {{ ref('fct_funding_flows') }}
    where {{ in_groups_to_rebuild('flow_group_key', 'int_funding_flow_groups_to_rebuild') }}
)

select flow_group_key, source_system, 'donor' as org_role, donor_org_name as org_name_as_written, count(*) as flows
from flows
where donor_org_name is not null and donor_org_id is null
group by all
union all
select flow_group_key, source_system, 'recipient', recipient_org_name, count(*)
from flows
where recipient_org_name is not null and recipient_org_id is null
group by all
