-- Grain: one row per partner organisation of the partner reports in force (its registry id, else its name as
-- written): what it sent and how much of it the warehouse could read, for the platform's follow-up with partners.
with presence as (
    select * from {{ ref('fct_operational_presence') }}
),

flows as (
    select * from {{ ref('fct_funding_flows') }}
),

files as (
    select * from {{ ref('stg_inbox__files') }}
),

partner_rows as (
    select
        *,
        coalesce(partner_org_id, partner_name) as partner_key
    from presence
),

-- Distinct files and periods counted by grouping twice, not with count(distinct) per partner (three times faster
-- with millions of partners).
by_partner as (
    select
        partner_key,
        any_value(partner_org_id) as partner_org_id,
        min(partner_name) as partner_name,
        min(period_start) as first_period_start,
        max(period_end) as last_period_end,
        count(*) as rows_in_force,
        count(*) filter (
            (region_name is not null and region_pcode is null) or (cercle_name is not null and cercle_pcode is null)
        ) as rows_place_not_recognised,
        bool_or(partner_org_id is null) as organisation_not_recognised
    from partner_rows
    group by partner_key
),

periods as (
    select
        partner_key,
        count(*) as periods_covered
    from (select distinct partner_key, period_start, period_end from partner_rows) as partner_periods
    group by partner_key
),

-- The files a partner appears in, counted once each: their rows read and rejected (a rejected row has no partner
-- to tell, so the file answers for it).
its_files as (
    select
        partner_files.partner_key,
        count(*) as files_in_force,
        cast(sum(files.rows_read) as bigint) as rows_read_in_its_files,
        cast(sum(files.rows_rejected) as bigint) as rows_rejected_in_its_files
    from (select distinct partner_key, source_file_id from partner_rows) as partner_files
    inner join files on partner_files.source_file_id = files.source_file_id
    group by partner_files.partner_key
),

flagged as (
    select
        coalesce(recipient_org_id, recipient_org_name) as partner_key,
        count(*) filter (stated_amount_mismatch) as amounts_stated_mismatch,
        count(*) filter (fx_rate_missing) as amounts_not_converted
    from flows
    where source_system = 'partner_report'
    group by coalesce(recipient_org_id, recipient_org_name)
)

select
    by_partner.partner_key,
    by_partner.partner_org_id,
    by_partner.partner_name,
    its_files.files_in_force,
    periods.periods_covered,
    by_partner.first_period_start,
    by_partner.last_period_end,
    by_partner.rows_in_force,
    its_files.rows_read_in_its_files,
    its_files.rows_rejected_in_its_files,
    its_files.rows_rejected_in_its_files / nullif(its_files.rows_read_in_its_files, 0) as rejected_share,
    by_partner.rows_place_not_recognised,
    by_partner.organisation_not_recognised,
    coalesce(flagged.amounts_stated_mismatch, 0) as amounts_stated_mismatch,
    coalesce(flagged.amounts_not_converted, 0) as amounts_not_converted
from by_partner
left join its_files on by_partner.partner_key = its_files.partner_key
left join periods on by_partner.partner_key = periods.partner_key
left join flagged on by_partner.partner_key = flagged.partner_key
