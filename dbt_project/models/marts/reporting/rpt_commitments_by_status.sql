-- Grain: one row per computed status (as of the run date) x commitment kind.
select
    computed_status,
    commitment_kind,
    count(*) as commitments,
    count(*) filter (is_overdue) as overdue,
    max(days_overdue) as longest_overdue_days,
    min(last_status_date) as oldest_news
from {{ ref('fct_commitments') }}
where concerns_inbox_country
group by all
