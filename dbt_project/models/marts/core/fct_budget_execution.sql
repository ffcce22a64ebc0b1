-- Grain: one row per budget line x fiscal year, on the latest budget version voted that year
-- (the revised law when there is one): execution is reported against the dotation in force.
-- Rebuilt by budget line (see macros/rebuild_groups.sql).
-- depends_on: {{ ref('int_budget_lines_to_rebuild') }}
with allocations as (
    select * from {{ ref('int_budget_lines_tagged') }}
    where {{ rebuilt_by_this_build() }}
    qualify row_number() over (
        partition by budget_line_id, fiscal_year
        order by case budget_version when 'rectificative' then 1 else 2 end
    ) = 1
),

rates as (
    select * from {{ ref('int_fx_rates_yearly') }}
)

select
    {{ surrogate_key(['budget_line_id', 'fiscal_year']) }} as budget_execution_id,
    budget_line_id,
    fiscal_year,
    budget_version,
    budget_level,
    region_name,
    institution,
    line_code,
    line_label,
    economic_nature,
    nutrition_category,
    nutrition_weight,
    is_transfer_to_local_government,
    country_code,
    budget_side,
    in_platform_scope,
    amount_to_confirm,
    in_platform_scope and not amount_to_confirm as counted_in_totals,
    currency as currency_code,
    currency is null or rates.units_per_eur is null as fx_rate_missing,
    {{ to_xof('dotation', 'currency', 'rates.units_per_eur') }} as dotation_xof,
    {{ to_xof('engagement', 'currency', 'rates.units_per_eur') }} as engagement_xof,
    {{ to_xof('liquidation', 'currency', 'rates.units_per_eur') }} as liquidation_xof,
    {{ to_xof('ordonnancement', 'currency', 'rates.units_per_eur') }} as ordonnancement_xof,
    {{ to_xof('paiement', 'currency', 'rates.units_per_eur') }} as paiement_xof,
    engagement is not null as execution_reported,
    cast(engagement / nullif(dotation, 0) as double) as engagement_rate,
    cast(liquidation / nullif(dotation, 0) as double) as liquidation_rate,
    cast(ordonnancement / nullif(dotation, 0) as double) as ordonnancement_rate,
    cast(paiement / nullif(dotation, 0) as double) as paiement_rate,
    source_file_id,
    source_line_number,
    {{ this_build_number() }} as build_number
from allocations
left join rates using (fiscal_year, currency)
