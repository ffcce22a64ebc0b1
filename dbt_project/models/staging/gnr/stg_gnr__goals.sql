with source as (
    select * from {{ source('gnr', 'gnr_goals') }}
)

select
    file_id as source_file_id,
    line_number as source_line_number,
    goal_id,
    commitment_id,
    goal,
    goal_type,
    geographic_area,
    country as country_name,
    start_date,
    end_date,
    indicator,
    baseline,
    baseline_year,
    target,
    nutrition_action_category
from source
