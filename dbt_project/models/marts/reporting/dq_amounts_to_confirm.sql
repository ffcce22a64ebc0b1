-- Grain: one row per amount flagged as implausible at ingestion (file, sheet, line, IATI transaction, field):
-- what the report says it left out of its totals, and why, until a person confirms it.
select
    source_system,
    source_path,
    source_sheet,
    source_line_number,
    source_part_index,
    amount_field,
    amount,
    currency,
    file_median,
    source_median,
    cast(amount / nullif(coalesce(file_median, source_median), 0) as double) as times_the_median,
    confirmed_by_a_person,
    confirmed_on,
    confirmation_reason
from {{ ref('int_amounts_to_confirm') }}
