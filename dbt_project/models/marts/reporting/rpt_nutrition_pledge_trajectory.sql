-- Grain: one row per fiscal year since 2019. The 2019 pledge to double nutrition funding, on a linear
-- trajectory: the weighted nutrition dotation expected each year if the doubling were reached by the pledge's
-- deadline (commitment ENG-2019-01, else 2023), against the dotation voted.
with budget as (
    select fiscal_year, weighted_nutrition_dotation_xof from {{ ref('rpt_nutrition_budget_by_year') }}
),

pledge as (
    select coalesce(
        (select year(commitment_deadline) from {{ ref('fct_commitments') }} where commitment_id = 'ENG-2019-01'),
        2023) as target_year
),

baseline as (
    select weighted_nutrition_dotation_xof as baseline_xof from budget where fiscal_year = 2019
)

select
    budget.fiscal_year,
    baseline.baseline_xof,
    {{ money('baseline.baseline_xof * 2') }} as target_xof,
    pledge.target_year,
    {{ money('baseline.baseline_xof * (1 + least(1.0, (budget.fiscal_year - 2019) / (pledge.target_year - 2019)))') }}
        as expected_xof,
    budget.weighted_nutrition_dotation_xof as actual_xof,
    cast(budget.weighted_nutrition_dotation_xof / nullif(baseline.baseline_xof * (1 + least(1.0,
         (budget.fiscal_year - 2019) / (pledge.target_year - 2019))), 0) as double) as actual_vs_expected,
    case
        when budget.weighted_nutrition_dotation_xof >= baseline.baseline_xof * 2 then 'achieved'
        when budget.weighted_nutrition_dotation_xof >= baseline.baseline_xof * (1 + least(1.0,
             (budget.fiscal_year - 2019) / (pledge.target_year - 2019))) then 'on_track'
        else 'off_track'
    end as trajectory_status
from budget
cross join baseline
cross join pledge
where budget.fiscal_year >= 2019
