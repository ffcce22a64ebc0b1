with source as (
    select * from {{ source('ops', 'amounts_to_confirm') }}
),

renamed as (
    select
        file_id as source_file_id,
        source_table,
        sheet as source_sheet,
        line_number as source_line_number,
        part_index as source_part_index,
        field as amount_field,
        {{ money('amount') }} as amount,
        currency,
        {{ money('file_median') }} as file_median,
        {{ money('source_median') }} as source_median
    from source
)

select * from renamed
