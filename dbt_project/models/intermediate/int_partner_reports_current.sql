-- What the models see of partner reports: for each partner and reporting period, only the rows of the most
-- recently received file. A corrected file thus replaces the earlier one; the earlier rows stay in raw.
-- On an incremental night, only the partners to rebuild (the rule works within a partner).
with reports as (
    select *
    from {{ ref('stg_raw__partner_reports') }}
    where {{ in_groups_to_rebuild('flow_group_key', 'int_funding_flow_groups_to_rebuild', flow_group_key('partner_report', 'partner_key')) }}
),

current_file as (
    select partner_key, period_start, period_end, max(source_file_id) as current_file_id
    from reports
    group by all
)

select reports.*
from reports
inner join current_file
    on reports.partner_key = current_file.partner_key
    and reports.period_start is not distinct from current_file.period_start
    and reports.period_end is not distinct from current_file.period_end
where reports.source_file_id = current_file.current_file_id
