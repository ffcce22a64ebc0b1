-- Every spelling a country is recognised by (ISO codes, English and French names, aliases), keyed without case,
-- accents or punctuation.
with countries as (
    select * from {{ ref('countries') }}
),

spellings as (
    select iso2, unnest([iso2, iso3, name_en, name_fr] || coalesce(string_split(aliases, '|'), [])) as spelling
    from countries
)

select distinct {{ name_key('spelling') }} as name_key, iso2 as country_code
from spellings
where spelling is not null and spelling <> ''
