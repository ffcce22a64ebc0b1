-- Grain: one row per source record x reference it quotes x kind of reference (tier 1 of the matching,
-- fct_source_matches; see macros/source_references.sql). A record is an FTS flow (its latest version), an IATI
-- activity (its latest file) or a partner report amount in force (fct_funding_flows.source_record_id).
with fts_flows as (
    select * from {{ ref('int_fts_flows_current') }}
),

fts_objects as (
    select * from {{ ref('stg_fts__flow_objects') }}
),

activities as (
    select * from {{ ref('int_iati_activities_current') }}
),

other_identifiers as (
    select * from {{ ref('stg_iati__other_identifiers') }}
),

iati_transactions as (
    select * from {{ ref('stg_iati__transactions') }}
),

partner as (
    select * from {{ ref('int_partner_reports_placed') }}
),

partner_amounts as (
    select
        concat(source_file_id, ':', coalesce(source_sheet, ''), ':', source_line_number, ':', stage.flow_stage)
            as record_key,
        flow_group_key,
        source_file_id,
        project_code
    from partner
    cross join (values ('planned'), ('expenditure')) as stage (flow_stage)
    where case stage.flow_stage when 'planned' then planned_budget else amount_spent end is not null
),

references_quoted as (
    {{ source_references(
        'fts_flows', 'fts_objects', 'activities', 'other_identifiers', 'iati_transactions', 'partner_amounts'
    ) }}
)

select distinct source_system, record_key, reference_kind, reference, reference_key
from references_quoted
