-- Partner report rows with their region and cercle P-codes (2021): a P-code given in the file wins, else the
-- name is matched (case, accents and punctuation ignored; seeded variants); a cercle is matched within its
-- region when the region is known. Rows are never dropped: an unmatched place keeps a NULL P-code and is
-- listed in dq_unmatched_places.
-- depends_on: {{ ref('int_funding_flow_groups_to_rebuild') }}
with reports as (
    select * from {{ ref('int_partner_reports_current') }}
),

names as (
    select * from {{ ref('int_place_names') }}
),

placed as (
    select
        reports.*,
        coalesce(upper(reports.region_pcode), region.pcode) as region_pcode_2021,
        coalesce(upper(reports.cercle_pcode), cercle.pcode) as cercle_pcode_2021
    from reports
    left join names as region
        on region.admin_level = 1 and region.name_key = {{ name_key('reports.region_name') }}
    left join names as cercle
        on cercle.admin_level = 2 and cercle.name_key = {{ name_key('reports.cercle_name') }}
        and (cercle.parent_pcode = coalesce(upper(reports.region_pcode), region.pcode)
             or coalesce(upper(reports.region_pcode), region.pcode) is null)
)

select
    *,
    {{ flow_group_key('partner_report', 'partner_key') }} as flow_group_key,
    {{ this_build_number() }} as build_number,
    -- No commune P-code list is available here: a commune is known by its cercle and its name (or the P-code
    -- the file gives), so that "Pelengana" and "PELENGANA" in the same cercle are one place of dim_places.
    case when commune_name is not null and cercle_pcode_2021 is not null then
        concat(cercle_pcode_2021, '/', coalesce(upper(commune_pcode), {{ name_key('commune_name') }}), '@2021')
    end as commune_place_id
from placed
