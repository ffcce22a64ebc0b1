-- Grain: one row per source file x place name that matched no P-code. Reported, never dropped.
with reports as (
    select * from {{ ref('int_partner_reports_placed') }}
)

select
    source_file_id,
    'region' as place_level,
    region_name as place_name_as_written,
    count(*) as rows_affected
from reports
where region_name is not null and region_pcode_2021 is null
group by all
union all
select
    source_file_id,
    'cercle',
    cercle_name,
    count(*)
from reports
where cercle_name is not null and cercle_pcode_2021 is null
group by all
