-- One row per budget line x fiscal year x budget version. When a corrected file sends the same line again,
-- the most recently received file wins; the earlier rows stay in raw.budget_lines.
-- On an incremental night, only the lines to rebuild (the rule works within a line).
with lines as (
    select *
    from {{ ref('stg_raw__budget_lines') }}
    where {{ in_groups_to_rebuild('budget_line_id', 'int_budget_lines_to_rebuild') }}
)

select *
from lines
qualify row_number() over (
    partition by budget_line_id, fiscal_year, budget_version
    order by source_file_id desc, source_line_number desc
) = 1
