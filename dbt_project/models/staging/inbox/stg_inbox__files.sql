with source as (
    select * from {{ source('ops', 'files') }}
),

renamed as (
    select
        file_id as source_file_id,
        path as source_path,
        source_kind,
        status as file_status,
        received_at,
        rows_read,
        rows_loaded,
        rows_held_back,
        rows_skipped,
        rows_rejected
    from source
)

select * from renamed
