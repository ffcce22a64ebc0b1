-- Partner report rows in force, with their region and cercle P-codes (2021).
-- In force: for each partner (case and accents ignored), reporting period and country, the rows of the most
-- recently received file only; a corrected file thus replaces the earlier one (the earlier rows stay in raw).
-- Country: named by the row, else from its P-code, else the inbox's (var inbox_country).
-- Places: a P-code given in the file wins, else the name is matched (case, accents and punctuation ignored; seeded
-- variants); a cercle is matched within its region when the region is known. Rows are never dropped: an unmatched
-- place keeps a NULL P-code and is listed in dq_unmatched_places.
-- Rebuilt by partner (see macros/rebuild_groups.sql).
-- depends_on: {{ ref('int_funding_flow_groups_to_rebuild') }}
with staged as (
    {{ rows_in_force_and_new(
        ref('stg_inbox__partner_reports'), 'flow_group_key', 'int_funding_flow_groups_to_rebuild'
    ) }}
),

country_names as (
    select * from {{ ref('int_country_names') }}
),

names as (
    select * from {{ ref('int_place_names') }}
),

pcodes as (
    select * from {{ ref('stg_reference__admin_pcodes') }}
),

name_keys as (
    {{ name_keys('staged', ['partner_name', 'country_name', 'region_name', 'cercle_name', 'commune_name']) }}
),

candidates as (
    select
        staged.*,
        -- One partner however its name is typed ('ONG Tagne', 'ONG-Tagné '): supersession and rebuilds go by it.
        partner_spelling.name_key as partner_key,
        -- The country the row names, else the one its P-code starts with (P-codes begin with the ISO code), else
        -- the inbox's (var inbox_country).
        coalesce(
            country.country_code,
            left(coalesce(upper(staged.region_pcode), upper(staged.cercle_pcode), upper(staged.commune_pcode)), 2),
            '{{ var("inbox_country") }}'
        ) as country_code
    from staged
    left join name_keys as partner_spelling on partner_spelling.name = staged.partner_name
    left join name_keys as country_key on country_key.name = staged.country_name
    left join country_names as country on country.name_key = country_key.name_key
),

-- A partner's file replaces its earlier ones for the same period in the same country (two countries' 3Ws naming
-- the same organisation, with no period, are two reports).
current_file as (
    select partner_key, period_start, period_end, country_code, max(source_file_id) as current_file_id
    from candidates
    group by all
),

reports as (
    select candidates.*
    from candidates
    inner join current_file
        on candidates.partner_key = current_file.partner_key
        and candidates.period_start is not distinct from current_file.period_start
        and candidates.period_end is not distinct from current_file.period_end
        and candidates.country_code = current_file.country_code
    where candidates.source_file_id = current_file.current_file_id
),

placed as (
    select
        reports.*,
        coalesce(upper(reports.region_pcode), region.pcode) as region_pcode_2021,
        coalesce(upper(reports.cercle_pcode), cercle.pcode) as cercle_pcode_2021
    from reports
    left join name_keys as region_key on region_key.name = reports.region_name
    left join names as region on region.admin_level = 1 and region.name_key = region_key.name_key
    left join name_keys as cercle_key on cercle_key.name = reports.cercle_name
    left join names as cercle
        on cercle.admin_level = 2 and cercle.name_key = cercle_key.name_key
        and (cercle.parent_pcode = coalesce(upper(reports.region_pcode), region.pcode)
             or coalesce(upper(reports.region_pcode), region.pcode) is null)
)

select
    -- A matched place is named by its P-code ("SEGOU" and "Ségou" are both Ségou); an unmatched one as written.
    placed.* replace (
        coalesce(region_ref.place_name, placed.region_name) as region_name,
        coalesce(cercle_ref.place_name, placed.cercle_name) as cercle_name
    ),
    {{ flow_group_key('partner_report', 'placed.partner_key') }} as flow_group_key,
    {{ this_build_number() }} as build_number,
    -- No commune P-code list is available here: a commune is known by its cercle and its name (or the P-code
    -- the file gives), so that "Pelengana" and "PELENGANA" in the same cercle are one place of dim_places.
    case when placed.commune_name is not null and placed.cercle_pcode_2021 is not null then
        concat(
            placed.cercle_pcode_2021, '/', coalesce(upper(placed.commune_pcode), commune_key.name_key), '@2021'
        )
    end as commune_place_id
from placed
left join name_keys as commune_key on commune_key.name = placed.commune_name
left join pcodes as region_ref on region_ref.pcode = placed.region_pcode_2021
left join pcodes as cercle_ref on cercle_ref.pcode = placed.cercle_pcode_2021
