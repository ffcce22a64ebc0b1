-- Grain: one row per source record x reference it quotes x kind of reference (tier 1 of the matching,
-- fct_source_matches). A record is an FTS flow (its latest version), an IATI activity (its latest file) or a partner
-- report amount in force. References are compared upper-cased with their spaces collapsed; those shorter than
-- var('min_reference_length') are left out ("1", "2020", "A1" name nothing).
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

quoted as (
    select 'fts' as source_system, flow_id as record_key, 'fts_ref_code' as reference_kind, ref_code as reference
    from fts_flows
    union all
    select 'fts', flow.flow_id, 'fts_report_ref', report.reference
    from fts_flows as flow, unnest(flow.report_ref_codes) as report (reference)
    union all
    -- The flow's projects (HRP / CBPF project codes), of its latest version.
    select 'fts', flow.flow_id, 'fts_project_code', obj.object_code
    from fts_flows as flow
    inner join fts_objects as obj using (flow_id, version_id)
    where obj.object_type = 'Project'
    union all
    select 'iati', iati_identifier, 'iati_identifier', iati_identifier
    from activities
    union all
    -- XM-OCHA-CBPF-OPT-20/DDA-3580/SA1/H/UN/15988 -> OPT-20/DDA-3580/SA1/H/UN/15988: what the publisher's own
    -- systems (and FTS) call it.
    select 'iati', iati_identifier, 'iati_identifier_tail', substr(iati_identifier, length(reporting_org_ref) + 2)
    from activities
    where starts_with(upper(iati_identifier), upper(reporting_org_ref) || '-')
    union all
    select 'iati', act.iati_identifier, 'iati_other_identifier', other.other_identifier
    from activities as act
    inner join other_identifiers as other using (source_file_id, source_activity_index)
    union all
    select 'iati', act.iati_identifier, unnest(['iati_transaction_ref', 'iati_provider_activity_id',
                                                'iati_receiver_activity_id']),
           unnest([tx.transaction_ref, tx.provider_activity_id, tx.receiver_activity_id])
    from activities as act
    inner join iati_transactions as tx using (source_file_id, source_activity_index)
    union all
    select
        'partner_report',
        concat(source_file_id, ':', coalesce(source_sheet, ''), ':', source_line_number, ':', stage.flow_stage),
        'partner_project_code',
        project_code
    from partner
    cross join (values ('planned'), ('expenditure')) as stage (flow_stage)
    where case stage.flow_stage when 'planned' then planned_budget else amount_spent end is not null
),

normalised as (
    select
        source_system,
        record_key,
        reference_kind,
        reference,
        upper(regexp_replace(trim(reference), '\s+', ' ', 'g')) as reference_key
    from quoted
    where reference is not null
)

select distinct *
from normalised
where length(reference_key) >= {{ var('min_reference_length') }}
