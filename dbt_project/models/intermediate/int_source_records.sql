-- Grain: one row per source amount the matching compares by organisations, country, year and amount (tiers 2 and
-- 3 of fct_source_matches): an FTS flow (latest version), an IATI transaction (activity's latest file), a partner
-- report amount in force (planned or spent). Organisations are resolved as in fct_funding_flows (registry
-- identifier, then any of its names); amounts in USD at the value date: FTS's own amountUSD, else the ECB rate of
-- that day or the last before it (at most 10 days earlier, as int_funding_flows_converted does); see
-- macros/source_records.sql.
with fts_flows as (
    select * from {{ ref('int_fts_flows_current') }}
),

fts_objects as (
    select * from {{ ref('stg_fts__flow_objects') }}
),

activities as (
    select * from {{ ref('int_iati_activities_current') }}
),

iati_transactions as (
    select * from {{ ref('stg_iati__transactions') }}
),

iati_recipient_countries as (
    select * from {{ ref('stg_iati__recipient_countries') }}
),

partner as (
    select * from {{ ref('int_partner_reports_placed') }}
),

rates as (
    select * from {{ ref('int_fx_rates_daily') }}
),

org_names as (
    select * from {{ ref('int_organisation_names') }}
),

records as (
    {{ source_records(
        'fts_flows', 'fts_objects', 'activities', 'iati_transactions', 'iati_recipient_countries', 'partner', 'rates',
        'org_names'
    ) }}
)

select * from records
