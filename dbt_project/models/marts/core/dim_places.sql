-- Grain: one row per place (region, cercle, or a commune that an input names) per P-code version.
with pcodes as (
    select * from {{ ref('stg_reference__admin_pcodes') }}
),

reports as (
    select * from {{ ref('int_partner_reports_placed') }}
),

-- Communes as partner reports name them, within their cercle (see int_partner_reports_placed); a cercle the
-- reference does not hold (another country's P-codes, a 3W of the DRC) still holds its communes: the facts name them.
communes as (
    select
        reports.commune_place_id as place_id,
        max(upper(reports.commune_pcode)) as pcode,
        '2021' as pcode_version,
        any_value(cercle.valid_from) as valid_from,
        3 as admin_level,
        'commune' as place_level,
        min(reports.commune_name) as place_name,
        reports.cercle_pcode_2021 as parent_pcode
    from reports
    left join pcodes as cercle on cercle.pcode = reports.cercle_pcode_2021
    where reports.commune_place_id is not null
    group by reports.commune_place_id, reports.cercle_pcode_2021
)

-- By column name, not position.
select * from pcodes
union all by name
select * from communes
