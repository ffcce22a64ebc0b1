with source as (
    select * from {{ source('fts', 'fts_flows') }}
),

renamed as (
    select
        file_id as source_file_id,
        flow_index as source_flow_index,
        flow_id,
        version_id,
        case status when 'paid' then 'disbursement' when 'commitment' then 'commitment' when 'pledge' then 'pledge'
            else 'other' end as flow_stage,
        status as fts_status,
        flow_type,
        boundary,
        amount_usd as amount_usd_source,
        coalesce(original_amount, amount_usd) as amount_original,
        upper(coalesce(original_currency, 'USD')) as currency_original,
        exchange_rate as exchange_rate_source,
        flow_date as value_date,
        decision_date,
        parent_flow_id,
        child_flow_ids,
        description,
        ref_code,
        report_ref_codes,
        updated_at
    from source
)

select * from renamed
