-- Grain: one row per fiscal year. National-level lines only (regional lines break the national transfer
-- line down and would count it twice); each line on the latest budget version of its year.
with execution as (
    select * from {{ ref('fct_budget_execution') }}
    where budget_level = 'national' and counted_in_totals
),

pledges as (
    select * from {{ ref('pledges') }}
),

fx as (
    select * from {{ ref('int_fx_usd_per_eur_yearly') }}
),

by_year as (
    select
        fiscal_year,
        sum(dotation_xof) as national_dotation_xof,
        sum(dotation_xof) filter (nutrition_category = 'specific') as specific_dotation_xof,
        sum(dotation_xof) filter (nutrition_category = 'sensitive') as sensitive_dotation_xof,
        sum(dotation_xof) filter (nutrition_category = 'enabling') as enabling_dotation_xof,
        sum(dotation_xof * nutrition_weight) as weighted_nutrition_dotation_xof,
        sum(paiement_xof * nutrition_weight) as weighted_nutrition_paiement_xof
    from execution
    group by fiscal_year
),

-- The baseline of the pledge to double nutrition funding (seed pledges).
baseline as (
    select by_year.weighted_nutrition_dotation_xof as baseline_xof
    from pledges
    inner join by_year on by_year.fiscal_year = pledges.baseline_year
    where pledges.pledge_id = 'nutrition_funding_doubled'
)

select
    by_year.fiscal_year,
    {{ money('by_year.national_dotation_xof') }} as national_dotation_xof,
    {{ money('coalesce(by_year.specific_dotation_xof, 0)') }} as specific_dotation_xof,
    {{ money('coalesce(by_year.sensitive_dotation_xof, 0)') }} as sensitive_dotation_xof,
    {{ money('coalesce(by_year.enabling_dotation_xof, 0)') }} as enabling_dotation_xof,
    {{ money('by_year.weighted_nutrition_dotation_xof') }} as weighted_nutrition_dotation_xof,
    {{ xof_to_eur('by_year.weighted_nutrition_dotation_xof') }} as weighted_nutrition_dotation_eur,
    {{ xof_to_usd('by_year.weighted_nutrition_dotation_xof', 'fx.usd_per_eur') }} as weighted_nutrition_dotation_usd,
    cast(by_year.weighted_nutrition_dotation_xof / nullif(by_year.national_dotation_xof, 0) as double)
        as nutrition_share_of_budget,
    {{ money('by_year.weighted_nutrition_paiement_xof') }} as weighted_nutrition_paiement_xof,
    cast(by_year.weighted_nutrition_paiement_xof / nullif(by_year.weighted_nutrition_dotation_xof, 0) as double)
        as nutrition_paiement_rate,
    cast(by_year.weighted_nutrition_dotation_xof / nullif(baseline.baseline_xof, 0) as double)
        as ratio_to_pledge_baseline
from by_year
left join baseline on true
left join fx on fx.fiscal_year = by_year.fiscal_year
