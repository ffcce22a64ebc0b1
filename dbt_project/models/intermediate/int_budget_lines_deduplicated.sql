-- One row per budget line x fiscal year x budget version. When a corrected file sends the same line again,
-- the most recently received file wins; the earlier rows stay in raw.budget_lines.
with lines as (
    select
        *,
        {{ surrogate_key(['institution', 'line_code', 'line_label', 'budget_level', 'region_name', 'cercle_name', 'commune_name']) }}
            as budget_line_id
    from {{ ref('stg_raw__budget_lines') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by budget_line_id, fiscal_year, budget_version
            order by source_file_id desc, source_line_number desc
        ) as recency_rank
    from lines
)

select * exclude (recency_rank)
from ranked
where recency_rank = 1
