-- The latest row of each GNR goal, its baseline and target read as a figure where the cell is one.
with goals as (
    select * from {{ ref('stg_gnr__goals') }}
    qualify row_number() over (partition by goal_id order by source_file_id desc, source_line_number) = 1
)

select
    goals.*,
    {{ one_figure('goals.baseline') }} as baseline_value,
    {{ figure_unit('goals.baseline') }} as baseline_unit,
    {{ one_figure('goals.target') }} as target_value,
    {{ figure_unit('goals.target') }} as target_unit
from goals
