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

name_keys as (
    {{ name_keys('reports', ['partner_name', 'partner_acronym', 'sector_name']) }}
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
    sector_names.sector_id,
    reports.activity,
    reports.period_start,
    reports.period_end,
    reports.beneficiaries_targeted,
    reports.beneficiaries_reached,
    (reports.planned_budget is not null or reports.amount_spent is not null) as reports_money,
    reports.flow_group_key,
    {{ this_build_number() }} as build_number
from reports
left join name_keys as partner_key on partner_key.name = reports.partner_name
left join organisation_names as by_name on by_name.name_key = partner_key.name_key
left join name_keys as acronym_key on acronym_key.name = reports.partner_acronym
left join organisation_names as by_acronym on by_acronym.name_key = acronym_key.name_key
left join name_keys as sector_key on sector_key.name = reports.sector_name
left join sector_names on sector_names.name_key = sector_key.name_key
