-- Grain: one row per budget line x fiscal year x budget version (initiale / rectificative).
-- Rebuilt by budget line (see macros/rebuild_groups.sql).
-- depends_on: {{ ref('int_budget_lines_to_rebuild') }}
with lines as (
    select * from {{ ref('int_budget_lines_tagged') }}
    where {{ rebuilt_by_this_build() }}
),

fx as (
    select * from {{ ref('int_fx_usd_per_eur_yearly') }}
),

rates as (
    select * from {{ ref('int_fx_rates_yearly') }}
),

converted as (
    select
        lines.*,
        {{ to_xof('lines.dotation', 'lines.currency', 'rates.units_per_eur') }}
            as dotation_in_xof,
        rates.units_per_eur is null as currency_rate_missing
    from lines
    left join rates on rates.fiscal_year = lines.fiscal_year and rates.currency = lines.currency
)

select
    {{ surrogate_key(['lines.budget_line_id', 'lines.fiscal_year', 'lines.budget_version']) }} as budget_allocation_id,
    lines.budget_line_id,
    lines.fiscal_year,
    lines.budget_version,
    lines.budget_level,
    lines.region_name,
    lines.cercle_name,
    lines.commune_name,
    lines.institution,
    lines.line_code,
    lines.programme_label,
    lines.action_label,
    lines.line_label,
    lines.economic_nature,
    lines.funding_origin,
    lines.country_code,
    lines.budget_side,
    lines.in_platform_scope,
    lines.amount_to_confirm,
    lines.in_platform_scope and not lines.amount_to_confirm as counted_in_totals,
    {{ money('lines.dotation') }} as dotation_original,
    lines.dotation_in_xof as dotation_xof,
    {{ xof_to_eur('lines.dotation_in_xof') }} as dotation_eur,
    {{ xof_to_usd('lines.dotation_in_xof', 'fx.usd_per_eur') }} as dotation_usd,
    fx.usd_per_eur,
    fx.usd_per_eur is null or lines.currency_rate_missing as fx_rate_missing,
    lines.nutrition_category,
    lines.nutrition_weight,
    {{ money('lines.dotation_in_xof * lines.nutrition_weight') }} as weighted_dotation_xof,
    lines.tagging_rule_id,
    lines.tagging_rules_version,
    lines.nutrition_weights_version,
    lines.is_transfer_to_local_government,
    lines.currency as currency_code,
    lines.source_file_id,
    lines.source_sheet,
    lines.source_line_number,
    {{ this_build_number() }} as build_number
from converted as lines
left join fx on fx.fiscal_year = lines.fiscal_year
