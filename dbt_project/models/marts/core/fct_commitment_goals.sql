-- Grain: one row per goal of a GNR Nutrition for Growth commitment (1:n), its target as the commitment states it:
-- type, indicator, baseline and target as written (their units vary: %, people, tonnes), dates, country.
with goals as (
    select * from {{ ref('stg_gnr__goals') }}
    qualify row_number() over (partition by goal_id order by source_file_id desc, source_line_number) = 1
),

country_names as (
    select * from {{ ref('int_country_names') }}
)

select
    goals.goal_id,
    upper(goals.commitment_id) as commitment_id,
    goals.goal,
    goals.goal_type,
    goals.indicator,
    goals.baseline,
    goals.baseline_year,
    goals.target,
    goals.start_date,
    goals.end_date,
    goals.geographic_area,
    goals.country_name,
    country.country_code,
    goals.nutrition_action_category,
    goals.source_file_id,
    goals.source_line_number
from goals
left join country_names as country on country.name_key = {{ name_key('goals.country_name') }}
