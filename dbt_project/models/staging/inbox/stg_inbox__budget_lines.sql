with source as (
    select * from {{ source('inbox', 'budget_lines') }}
),

renamed as (
    select
        file_id as source_file_id,
        sheet as source_sheet,
        line_number as source_line_number,
        cast(fiscal_year as integer) as fiscal_year,
        {{ vocabulary_value('budget_version', 'budget_version', 'initiale', 'initiale') }} as budget_version,
        -- Written, else the smallest place the line names, else national.
        coalesce(
            {{ vocabulary_value('budget_level', 'level') }},
            case
                when level is null and commune is not null then 'commune'
                when level is null and cercle is not null then 'cercle'
                when level is null and region is not null then 'region'
                else 'national'
            end
        ) as budget_level,
        region as region_name,
        region_pcode,
        cercle as cercle_name,
        cercle_pcode,
        commune as commune_name,
        institution,
        line_code,
        programme_code,
        programme_label,
        action_code,
        action_label,
        activity_code,
        line_label,
        {{ vocabulary_value('economic_nature', 'economic_nature', 'autre') }} as economic_nature,
        {{ vocabulary_value('funding_origin', 'funding_origin') }} as funding_origin,
        -- A council's budget holds its revenue too; only the expenditure side is spending.
        {{ vocabulary_value('budget_side', 'budget_side', 'depense', 'depense') }} as budget_side,
        country as country_name,
        dotation,
        engagement,
        liquidation,
        ordonnancement,
        paiement,
        currency
    from source
)

select
    *,
    -- A budget line is the same line across years, versions and corrected files: its place in the nomenclature.
    {{ surrogate_key([
        'country_name', 'institution', 'budget_side', 'programme_code', 'action_code', 'activity_code', 'line_code',
        'line_label', 'budget_level', 'region_name', 'cercle_name', 'commune_name',
    ]) }}
        as budget_line_id
from renamed
