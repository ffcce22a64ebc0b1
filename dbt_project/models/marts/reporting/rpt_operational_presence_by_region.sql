-- Grain: one row per region x sector of the inbox's country (var inbox_country): who does what where, from the
-- partner reports in force, with or without money (presence is never "0 spent").
select
    region_pcode,
    region_name,
    sector_name,
    count(distinct coalesce(partner_org_id, partner_name, partner_acronym)) as partners,
    string_agg(distinct coalesce(partner_acronym, partner_name), ', ' order by coalesce(partner_acronym, partner_name))
        as partner_names,
    count(*) as presence_rows,
    count(*) filter (reports_money) as rows_reporting_money
from {{ ref('fct_operational_presence') }}
where country_code = '{{ var("inbox_country") }}'
group by all
