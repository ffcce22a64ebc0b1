-- Grain: one row per commitment (or meeting action point), in its current state as of the run date.
with latest as (
    select * from {{ ref('int_commitments_latest_update') }}
),

vocabulary as (
    select * from {{ ref('commitment_status_vocabulary') }}
),

reported_statuses as (
    select * from {{ ref('reported_statuses') }}
),

as_of as (
    -- The night's date in Bamako (DBT_RUN_DATE, set by warehouse/dbt.py), else today.
    select
        coalesce(
            cast(nullif('{{ env_var("DBT_RUN_DATE", "") }}', '') as date), current_date
        )
            as as_of_date
),

assessed as (
    select
        latest.*,
        coalesce(
            vocabulary.status_reported,
            case when latest.status_reported_raw is null then 'no_response' else 'unrecognised' end
        )
            as status_reported,
        as_of.as_of_date,
        coalesce(latest.status_date, latest.made_on) as last_news_date,
        -- Linear trajectory of a financial commitment: the share of (target - baseline) due by the run date.
        case when latest.target_amount is not null and latest.made_on is not null
                  and latest.commitment_deadline > latest.made_on
            then {{ linear_trajectory(
                'coalesce(latest.baseline_amount, 0)',
                'latest.target_amount',
                "date_diff('day', latest.made_on, as_of.as_of_date)",
                "date_diff('day', latest.made_on, latest.commitment_deadline)",
            ) }}
        end as expected_delivered_by_now
    from latest
    cross join as_of
    left join vocabulary on vocabulary.status_reported_key = latest.status_reported_key
),

with_meaning as (
    -- What the reported status means before the deadline (seed reported_statuses): "Pas de nouvelles" is no news.
    select
        assessed.*,
        reported_statuses.computed_status_before_deadline
    from assessed
    left join reported_statuses on reported_statuses.status_reported = assessed.status_reported
)

select
    commitment_id,
    made_at,
    made_on,
    holder,
    commitment_kind,
    description,
    {{ money('target_amount') }} as target_amount,
    {{ money('delivered_amount') }} as delivered_amount,
    {{ money('expected_delivered_by_now') }} as expected_delivered_by_now,
    case
        when expected_delivered_by_now is null or delivered_amount is null then null
        when delivered_amount >= expected_delivered_by_now then 'on_track'
        else 'off_track'
    end as trajectory_assessment,
    target_share,
    currency as currency_code,
    commitment_deadline,
    commitment_deadline_text,
    status_reported_raw,
    status_reported,
    status_date as last_status_date,
    update_count,
    as_of_date,
    coalesce(status_reported <> 'achieved' and commitment_deadline < as_of_date, false) as is_overdue,
    case
        when status_reported <> 'achieved' and commitment_deadline < as_of_date
            then cast(date_diff('day', commitment_deadline, as_of_date) as integer)
    end as days_overdue,
    case
        when status_reported = 'achieved' then 'achieved'
        when commitment_deadline < as_of_date then 'overdue'
        when last_news_date is null
            or last_news_date < as_of_date - to_months({{ var('no_news_months') }}) then 'no_news'
        when computed_status_before_deadline is not null then computed_status_before_deadline
        when delivered_amount < expected_delivered_by_now then 'off_track'
        else 'on_track'
    end as computed_status,
    evidence,
    source_system,
    concerns_inbox_country,
    holder_unresolved,
    source_file_id,
    source_line_number
from with_meaning
