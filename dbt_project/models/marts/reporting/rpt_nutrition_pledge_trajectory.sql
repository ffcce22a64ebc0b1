-- Grain: one row per fiscal year from the pledge's baseline year. The pledge to double nutrition funding (seed
-- pledges: nutrition_funding_doubled) on its linear trajectory: the weighted nutrition dotation expected each year
-- if the target were reached by the deadline (that of the tracked commitment, else the pledge's year), against the
-- dotation voted.
with budget as (
    select * from {{ ref('rpt_nutrition_budget_by_year') }}
),

pledges as (
    select * from {{ ref('pledges') }}
),

commitments as (
    select * from {{ ref('fct_commitments') }}
),

pledge as (
    select
        pledges.baseline_year,
        pledges.target_ratio,
        coalesce(year(commitments.commitment_deadline), pledges.deadline_year_if_untracked) as target_year
    from pledges
    left join commitments on commitments.commitment_id = pledges.deadline_commitment_id
    where pledges.pledge_id = 'nutrition_funding_doubled'
),

trajectory as (
    select
        budget.fiscal_year,
        baseline.weighted_nutrition_dotation_xof as baseline_xof,
        baseline.weighted_nutrition_dotation_xof * pledge.target_ratio as target_xof,
        pledge.target_year,
        {{ linear_trajectory(
            'baseline.weighted_nutrition_dotation_xof',
            'baseline.weighted_nutrition_dotation_xof * pledge.target_ratio',
            'budget.fiscal_year - pledge.baseline_year',
            'pledge.target_year - pledge.baseline_year',
        ) }} as expected_xof,
        budget.weighted_nutrition_dotation_xof as actual_xof
    from budget
    cross join pledge
    inner join budget as baseline on baseline.fiscal_year = pledge.baseline_year
    where budget.fiscal_year >= pledge.baseline_year
)

select
    fiscal_year,
    baseline_xof,
    {{ money('target_xof') }} as target_xof,
    target_year,
    {{ money('expected_xof') }} as expected_xof,
    actual_xof,
    cast(actual_xof / nullif(expected_xof, 0) as double) as actual_vs_expected,
    case
        when actual_xof >= target_xof then 'achieved'
        when actual_xof >= expected_xof then 'on_track'
        else 'off_track'
    end as trajectory_status
from trajectory
