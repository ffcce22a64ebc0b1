-- Every amount flagged as implausible, with the record of the facts holding it and whether a person has confirmed
-- it (seed confirmed_amounts): unconfirmed, it stays in the facts, flagged, and out of every total.
with flagged as (
    select * from {{ ref('stg_inbox__amounts_to_confirm') }}
),

files as (
    select * from {{ ref('stg_inbox__files') }}
),

confirmed as (
    select * from {{ ref('confirmed_amounts') }}
),

iati_transactions as (
    select * from {{ ref('stg_iati__transactions') }}
),

fts_flows as (
    select * from {{ ref('stg_fts__flows') }}
)

select
    flagged.source_file_id,
    files.source_path,
    flagged.source_sheet,
    flagged.source_line_number,
    flagged.source_part_index,
    flagged.amount_field,
    flagged.amount,
    flagged.currency,
    flagged.file_median,
    flagged.source_median,
    case flagged.source_table
        when 'raw.budget_lines' then 'budget_line'
        when 'raw.partner_reports' then 'partner_report'
        when 'raw.commitments' then 'commitment'
        when 'raw.iati_transactions' then 'iati'
        when 'raw.fts_flows' then 'fts'
    end as source_system,
    -- The funding flow's own key (fct_funding_flows.source_record_id) where the amount is one.
    case flagged.source_table
        when 'raw.partner_reports' then concat(
            flagged.source_file_id, ':', coalesce(flagged.source_sheet, ''), ':', flagged.source_line_number, ':',
            case flagged.amount_field when 'planned_budget' then 'planned' else 'expenditure' end
        )
        when 'raw.iati_transactions' then concat(tx.iati_identifier, '#', tx.transaction_index)
        when 'raw.fts_flows' then fts.flow_id
    end as source_record_id,
    confirmed.source_path is not null as confirmed_by_a_person,
    confirmed.confirmed_on,
    confirmed.reason as confirmation_reason
from flagged
inner join files on flagged.source_file_id = files.source_file_id
left join iati_transactions as tx
    on
        flagged.source_table = 'raw.iati_transactions'
        and flagged.source_file_id = tx.source_file_id
        and flagged.source_line_number = tx.source_activity_index
        and flagged.source_part_index = tx.transaction_index
left join fts_flows as fts
    on
        flagged.source_table = 'raw.fts_flows'
        and flagged.source_file_id = fts.source_file_id
        and flagged.source_line_number = fts.source_flow_index
left join confirmed
    on
        files.source_path = confirmed.source_path
        and coalesce(flagged.source_sheet, '') = coalesce(confirmed.sheet, '')
        and flagged.source_line_number = confirmed.line_number
        and flagged.amount_field = confirmed.amount_field
