-- Every name a sector is recognised by (labels, DAC code, FTS cluster, aliases), as a key without case, accents
-- or punctuation.
with names as (
    select sector_id, label_fr as name from {{ ref('sectors') }}
    union select sector_id, label_en from {{ ref('sectors') }}
    union select sector_id, dac_code from {{ ref('sectors') }}
    union select sector_id, fts_global_cluster from {{ ref('sectors') }}
    union select sector_id, unnest(string_split(aliases, '|')) from {{ ref('sectors') }} where aliases is not null
)

select distinct {{ place_key('name') }} as name_key, sector_id
from names
where name is not null and trim(name) <> ''
