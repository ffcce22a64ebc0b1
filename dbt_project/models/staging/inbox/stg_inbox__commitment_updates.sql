with source as (
    select * from {{ source('inbox', 'commitments') }}
),

renamed as (
    select
        file_id as source_file_id,
        sheet as source_sheet,
        line_number as source_line_number,
        upper(trim(commitment_id)) as commitment_id,
        made_at,
        made_on,
        holder,
        {{ vocabulary_value('commitment_kind', 'commitment_kind', 'autre') }} as commitment_kind,
        description,
        baseline_amount,
        target_amount,
        target_share,
        delivered_amount,
        currency,
        deadline as commitment_deadline,
        deadline_text as commitment_deadline_text,
        status as status_reported_raw,
        -- 'Réalisé à 50 %' -> 'realise a n': words only, any number as n (the vocabulary seed's keys).
        nullif(trim(regexp_replace(
            regexp_replace(strip_accents(lower(status)), '[0-9]+([.,][0-9]+)?', ' n ', 'g'), '[^a-z]+', ' ', 'g'
        )), '') as status_reported_key,
        status_date,
        evidence
    from source
)

select * from renamed
