with source as (
    select * from {{ source('inbox', 'budget_lines') }}
),

renamed as (
    select
        file_id as source_file_id,
        sheet as source_sheet,
        line_number as source_line_number,
        cast(fiscal_year as integer) as fiscal_year,
        case
            when strip_accents(lower(budget_version)) similar to '.*(rectificati|revis|lfr|collectif).*'
                then 'rectificative'
            else 'initiale'
        end as budget_version,
        case
            when strip_accents(lower(level)) like 'commun%' or (level is null and commune is not null) then 'commune'
            when strip_accents(lower(level)) like 'cercle%' or (level is null and cercle is not null) then 'cercle'
            when strip_accents(lower(level)) like 'region%' or (level is null and region is not null) then 'region'
            else 'national'
        end as budget_level,
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
        case
            when strip_accents(lower(economic_nature)) like 'personnel%' then 'personnel'
            when
                strip_accents(lower(economic_nature)) similar to '(biens|fonctionnement|goods).*'
                then 'biens_et_services'
            when strip_accents(lower(economic_nature)) similar to '(transfert|subvention|transfer).*' then 'transferts'
            when strip_accents(lower(economic_nature)) similar to '(invest|equipement|capital).*' then 'investissement'
            when economic_nature is null then null
            else 'autre'
        end as economic_nature,
        case
            when strip_accents(lower(funding_origin)) similar to '(ext|bailleur|ptf|donor).*' then 'exterieur'
            when
                strip_accents(lower(funding_origin)) similar to '(int|etat|budget national|domestic|tresor).*'
                then 'interieur'
        end as funding_origin,
        -- A council's budget holds its revenue too; only the expenditure side is spending.
        case
            when strip_accents(lower(budget_side)) similar to '(recette|revenue|income|ressource|receipt).*'
                then 'recette'
            else 'depense'
        end as budget_side,
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
