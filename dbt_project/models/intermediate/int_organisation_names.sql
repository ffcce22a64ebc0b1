-- Every name an organisation is recognised by (acronym, full name, aliases, IATI identifier), as a key without
-- case, accents or punctuation.
with names as (
    select org_id, acronym as name from {{ ref('organisations') }}
    union select org_id, full_name from {{ ref('organisations') }}
    union select org_id, iati_ref from {{ ref('organisations') }}
    union select org_id, unnest(string_split(aliases, '|')) from {{ ref('organisations') }} where aliases is not null
)

select distinct {{ place_key('name') }} as name_key, org_id
from names
where name is not null and trim(name) <> ''
