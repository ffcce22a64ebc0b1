-- Grain: one row per organisation of the registry (seed organisations).
select
    org_id,
    acronym,
    full_name,
    org_type,
    iati_ref,
    string_split(coalesce(aliases, ''), '|') as aliases
from {{ ref('organisations') }}
