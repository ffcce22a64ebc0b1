-- Grain: one row per goal of a GNR Nutrition for Growth commitment (1:n), its target as the commitment states it:
-- type, indicator, baseline and target as written (their units vary: %, people, tonnes) and as a figure where the
-- cell is one, dates, country.
with goals as (
    select * from {{ ref('int_gnr_goals_measured') }}
),

country_names as (
    select * from {{ ref('int_country_names') }}
),

commitments as (
    select commitment_id from {{ ref('fct_commitments') }}
)

select
    goals.goal_id,
    upper(goals.commitment_id) as commitment_id,
    goals.goal,
    goals.goal_type,
    goals.indicator,
    goals.baseline,
    goals.baseline_value,
    goals.baseline_unit,
    goals.baseline_year,
    goals.target,
    goals.target_value,
    goals.target_unit,
    goals.start_date,
    goals.end_date,
    goals.geographic_area,
    goals.country_name,
    country.country_code,
    goals.nutrition_action_category,
    goals.source_file_id,
    goals.source_line_number,
    -- An export whose commitments file lacks the goal's commitment (a row rejected, a file cut short): the goal is
    -- kept, flagged.
    commitments.commitment_id is null as commitment_unknown
from goals
left join country_names as country on country.name_key = {{ name_key('goals.country_name') }}
left join commitments on commitments.commitment_id = upper(goals.commitment_id)
