-- Grain: one row per partner report row in force (file x sheet x line): who does what where, with or without money.
-- A 3W that reports presence only lands here (never as "0 spent"); rows with amounts are here too, their money in
-- fct_funding_flows. Rebuilt by partner with the rows it comes from (see macros/rebuild_groups.sql).
-- depends_on: {{ ref('int_funding_flow_groups_to_rebuild') }}
with reports as (
    select * from {{ ref('int_partner_reports_placed') }}
    where {{ rebuilt_by_this_build() }}
),

organisation_names as (
    select * from {{ ref('int_organisation_names') }}
),

sector_names as (
    select * from {{ ref('int_sector_names') }}
),

-- Names matched once per spelling, not once per row.
partner_orgs as (
    {{ names_matched('reports', ['partner_name', 'partner_acronym'], 'organisation_names', 'org_id') }}
),

sector_ids as (
    {{ names_matched('reports', ['sector_name'], 'sector_names', 'sector_id') }}
)

select
    {{ surrogate_key(['reports.source_file_id', "coalesce(reports.source_sheet, '')", 'reports.source_line_number']) }}
        as presence_id,
    reports.source_file_id,
    reports.source_sheet,
    reports.source_line_number,
    reports.partner_name,
    reports.partner_acronym,
    coalesce(by_name.org_id, by_acronym.org_id) as partner_org_id,
    reports.donor_name,
    reports.country_code,
    reports.region_name,
    reports.region_pcode_2021 as region_pcode,
    reports.cercle_name,
    reports.cercle_pcode_2021 as cercle_pcode,
    reports.commune_name,
    reports.sector_name,
    sector_ids.sector_id,
    reports.activity,
    reports.period_start,
    reports.period_end,
    reports.beneficiaries_targeted,
    reports.beneficiaries_reached,
    (reports.planned_budget is not null or reports.amount_spent is not null) as reports_money,
    reports.flow_group_key,
    {{ this_build_number() }} as build_number
from reports
left join partner_orgs as by_name on by_name.name = reports.partner_name
left join partner_orgs as by_acronym on by_acronym.name = reports.partner_acronym
left join sector_ids on sector_ids.name = reports.sector_name
