-- Grain: one row per budget line x fiscal year x budget version. When a corrected file sends the same line again,
-- the most recently received file wins; the earlier rows stay in raw.budget_lines.
-- Rebuilt by budget line (see macros/rebuild_groups.sql).
-- depends_on: {{ ref('int_budget_lines_to_rebuild') }}
with lines as (
    {{ rows_in_force_and_new(ref('stg_inbox__budget_lines'), 'budget_line_id', 'int_budget_lines_to_rebuild') }}
)

select
    *,
    {{ this_build_number() }} as build_number
from lines
qualify row_number() over (
    partition by budget_line_id, fiscal_year, budget_version
    order by source_file_id desc, source_line_number desc
) = 1
