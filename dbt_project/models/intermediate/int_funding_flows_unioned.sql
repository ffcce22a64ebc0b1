-- Every money movement the sources report, one row per source transaction, in one shape, with the group it is
-- rebuilt in (see macros/rebuild_groups.sql; on an incremental night, only the groups to rebuild).
-- Partner reports give two per row (planned budget and amount spent); IATI one per transaction of the activity's
-- latest file; FTS one per flow (its latest version): see macros/funding_flows.sql.
with partner as (
    select * from {{ ref('int_partner_reports_placed') }}
    where {{ rebuilt_by_this_build() }}
),

activities as (
    select * from {{ ref('int_iati_activities_current') }}
    where {{ rebuilt_by_this_build() }}
),

iati_transactions as (
    select * from {{ ref('stg_iati__transactions') }}
),

iati_recipient_countries as (
    select * from {{ ref('stg_iati__recipient_countries') }}
),

fts_latest as (
    select * from {{ ref('int_fts_flows_current') }}
    where {{ rebuilt_by_this_build() }}
),

fts_flow_objects as (
    select * from {{ ref('stg_fts__flow_objects') }}
    where {{ in_fts_groups_to_rebuild() }}
),

flows as (
    {{ funding_flows(
        'partner', 'activities', 'iati_transactions', 'iati_recipient_countries', 'fts_latest', 'fts_flow_objects'
    ) }}
)

-- What the matching reads besides (text, humanitarian) stays in int_source_records.
select * exclude (record_text, humanitarian) from flows
