with source as (
    select * from {{ source('iati', 'iati_transactions') }}
),

renamed as (
    select
        file_id as source_file_id,
        activity_index as source_activity_index,
        iati_identifier,
        transaction_index,
        transaction_ref,
        transaction_type as transaction_type_code,
        case transaction_type
            when '1' then 'incoming_funds'
            when '2' then 'commitment'
            when '3' then 'disbursement'
            when '4' then 'expenditure'
            when '11' then 'incoming_commitment'
            when '12' then 'pledge'
            when '13' then 'incoming_pledge'
            else 'other'
        end as flow_stage,
        transaction_date,
        coalesce(value_date, transaction_date) as value_date,
        value as amount_original,
        upper(currency) as currency_original,
        description,
        provider_org_ref,
        provider_org_name,
        provider_activity_id,
        receiver_org_ref,
        receiver_org_name,
        receiver_activity_id,
        sector_code,
        sector_vocabulary,
        upper(recipient_country_code) as recipient_country_code,
        humanitarian
    from source
)

select * from renamed
