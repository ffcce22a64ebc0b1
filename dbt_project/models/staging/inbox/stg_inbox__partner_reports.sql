with source as (
    select * from {{ source('inbox', 'partner_reports') }}
),

renamed as (
    select
        file_id as source_file_id,
        sheet as source_sheet,
        line_number as source_line_number,
        partner as partner_name,
        partner_acronym,
        donor as donor_name,
        country as country_name,
        region as region_name,
        region_pcode,
        cercle as cercle_name,
        cercle_pcode,
        commune as commune_name,
        commune_pcode,
        sector as sector_name,
        activity,
        project_code,
        coalesce(
            period_start,
            make_date(
                cast(year as integer), coalesce(cast(month as integer), (cast(quarter as integer) - 1) * 3 + 1, 1), 1
            )
        ) as period_start,
        coalesce(
            period_end,
            case
                when month is not null then last_day(make_date(cast(year as integer), cast(month as integer), 1))
                when
                    quarter is not null
                    then last_day(make_date(cast(year as integer), cast(quarter as integer) * 3, 1))
                when year is not null then make_date(cast(year as integer), 12, 31)
            end
        ) as period_end,
        planned_budget,
        amount_spent,
        currency,
        currency_assumed,
        amount_rule,
        stated_usd,
        beneficiaries_targeted,
        beneficiaries_reached,
        status as status_reported
    from source
)

select * from renamed
