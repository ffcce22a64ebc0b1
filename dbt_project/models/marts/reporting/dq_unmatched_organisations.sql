-- Grain: one row per source system x role x organisation name that the registry does not know. Reported so
-- that the registry (seed organisations) can be completed; the flows are kept either way.
select source_system, 'donor' as org_role, donor_org_name as org_name_as_written, count(*) as flows
from {{ ref('fct_funding_flows') }}
where donor_org_name is not null and donor_org_id is null
group by all
union all
select source_system, 'recipient', recipient_org_name, count(*)
from {{ ref('fct_funding_flows') }}
where recipient_org_name is not null and recipient_org_id is null
group by all
