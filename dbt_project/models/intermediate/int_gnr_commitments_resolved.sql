-- GNR commitments in the shape of the trackers' updates (stg_inbox__commitment_updates), from the latest file of each:
-- the organisation named from the organisations file (an id it does not hold stays, as 'GNR userId <id>', and is
-- flagged), "CFA" decided by the organisation's country (seed cfa_franc_zones), the deadline the last end date of
-- the commitment's goals, and whether it concerns the inbox's country (a goal there, or an organisation of it).
with commitments as (
    select * from {{ ref('stg_gnr__commitments') }}
        -- The id as fct_commitments keys it (in capitals): 'n4g-1' and 'N4G-1' are one commitment.
    qualify row_number() over (partition by upper(commitment_id) order by source_file_id desc, source_line_number) = 1
),

organisations as (
    select * from {{ ref('stg_gnr__organisations') }}
    qualify row_number() over (partition by user_id order by source_file_id desc, source_line_number) = 1
),

country_names as (
    select * from {{ ref('int_country_names') }}
),

cfa_franc_zones as (
    select * from {{ ref('cfa_franc_zones') }}
),

gnr_goals as (
    select * from {{ ref('stg_gnr__goals') }}
),

goals as (
    select
        goals.commitment_id,
        max(goals.end_date) as last_goal_end_date,
        list(distinct country.country_code) filter (country.country_code is not null) as goal_country_codes
    from gnr_goals as goals
    left join country_names as country on country.name_key = {{ name_key('goals.country_name') }}
    group by all
)

select
    commitments.source_file_id,
    cast(null as varchar) as source_sheet,
    commitments.source_line_number,
    upper(commitments.commitment_id) as commitment_id,
    cast(null as varchar) as made_at,
    commitments.made_on,
    coalesce(organisations.organisation_name, concat('GNR userId ', commitments.user_id)) as holder,
    organisations.user_id is null as holder_unresolved,
    cast(null as varchar) as commitment_kind,
    coalesce(commitments.title, commitments.description) as description,
    {{ money('null') }} as baseline_amount,
    commitments.cost_amount as target_amount,
    cast(null as double) as target_share,
    {{ money('null') }} as delivered_amount,
    -- A currency written as no ISO code ("Rs", "Egyptian pounds") is unknown: its text stays in raw.gnr_commitments.
    case
        when commitments.currency = 'FCFA' then zone.currency
        when regexp_full_match(commitments.currency, '[A-Z]{3}') then commitments.currency
    end as currency,
    goals.last_goal_end_date as commitment_deadline,
    cast(null as varchar) as commitment_deadline_text,
    -- The export's approval_status ('pending') is the registration's, not progress: no status reported.
    cast(null as varchar) as status_reported_raw,
    cast(null as varchar) as status_reported_key,
    cast(null as date) as status_date,
    cast(null as varchar) as evidence,
    org_country.country_code as holder_country_code,
    coalesce(
        list_contains(goals.goal_country_codes, '{{ var("inbox_country") }}')
            or org_country.country_code = '{{ var("inbox_country") }}',
        false
    ) as concerns_inbox_country
from commitments
left join organisations using (user_id)
left join country_names as org_country on org_country.name_key = {{ name_key('organisations.country_name') }}
left join cfa_franc_zones as zone on zone.iso2 = org_country.country_code
left join goals on goals.commitment_id = commitments.commitment_id
