{#- Every reference the source records of these relations quote (the tier 1 of fct_source_matches), one row per
    record x kind x reference: source_system, record_key, flow_group_key, source_file_id, reference_kind, reference,
    reference_key (upper case, spaces collapsed, at least var('min_reference_length') characters). Used on the records
    in force (int_source_references) and on every staged row (int_funding_flow_groups_to_rebuild: the groups a new
    file's references reach). Each relation has flow_group_key; `partner_amounts` has record_key and project_code. -#}
{% macro source_references(fts_flows, fts_objects, activities, other_identifiers, transactions, partner_amounts) -%}
with quoted as (
    select
        'fts' as source_system, flow_id as record_key, flow_group_key, source_file_id,
        'fts_ref_code' as reference_kind, ref_code as reference
    from {{ fts_flows }}
    union all
    select 'fts', flow.flow_id, flow.flow_group_key, flow.source_file_id, 'fts_report_ref', report.reference
    from {{ fts_flows }} as flow, unnest(flow.report_ref_codes) as report (reference)
    union all
    -- The flow's projects (HRP / CBPF project codes), of the same version.
    select 'fts', flow.flow_id, flow.flow_group_key, flow.source_file_id, 'fts_project_code', obj.object_code
    from {{ fts_flows }} as flow
    inner join {{ fts_objects }} as obj using (flow_id, version_id)
    where obj.object_type = 'Project'
    union all
    select 'iati', iati_identifier, flow_group_key, source_file_id, 'iati_identifier', iati_identifier
    from {{ activities }}
    union all
    -- XM-OCHA-CBPF-OPT-20/DDA-3580/SA1/H/UN/15988 -> OPT-20/DDA-3580/SA1/H/UN/15988: what the publisher's own
    -- systems (and FTS) call it.
    select
        'iati', iati_identifier, flow_group_key, source_file_id, 'iati_identifier_tail',
        substr(iati_identifier, length(reporting_org_ref) + 2)
    from {{ activities }}
    where starts_with(upper(iati_identifier), upper(reporting_org_ref) || '-')
    union all
    select
        'iati', act.iati_identifier, act.flow_group_key, act.source_file_id, 'iati_other_identifier',
        other.other_identifier
    from {{ activities }} as act
    inner join {{ other_identifiers }} as other using (source_file_id, source_activity_index)
    union all
    select
        'iati', act.iati_identifier, act.flow_group_key, act.source_file_id,
        unnest(['iati_transaction_ref', 'iati_provider_activity_id', 'iati_receiver_activity_id']),
        unnest([tx.transaction_ref, tx.provider_activity_id, tx.receiver_activity_id])
    from {{ activities }} as act
    inner join {{ transactions }} as tx using (source_file_id, source_activity_index)
    union all
    select 'partner_report', record_key, flow_group_key, source_file_id, 'partner_project_code', project_code
    from {{ partner_amounts }}
),

normalised as (
    select *, upper(regexp_replace(trim(reference), '\s+', ' ', 'g')) as reference_key
    from quoted
    where reference is not null
)

select distinct *
from normalised
where length(reference_key) >= {{ var('min_reference_length') }}
{%- endmacro %}
