{#- 'Ségou', 'SEGOU', 'segou ' -> 'segou': the key place, organisation and sector names are matched on. -#}
{% macro name_key(name) -%}
    regexp_replace(lower(strip_accents(trim({{ name }}))), '[^a-z0-9]+', '', 'g')
{%- endmacro %}

{#- Every name a reference seed's entity is recognised by: some columns, plus aliases separated by '|'. -#}
{% macro names_by_key(seed, id_column, name_columns, aliases_column) -%}
with names as (
    {%- for column in name_columns %}
    select {{ id_column }}, {{ column }} as name from {{ ref(seed) }}
    union
    {%- endfor %}
    select {{ id_column }}, unnest(string_split({{ aliases_column }}, '|')) from {{ ref(seed) }}
    where {{ aliases_column }} is not null
)

select distinct {{ name_key('name') }} as name_key, {{ id_column }}
from names
where name is not null and trim(name) <> ''
{%- endmacro %}

{#- Each distinct name of `columns` in `relation` (a table or a CTE) with its key: joined on the name as written, the
    key is computed once per name and not once per row (millions of rows repeat a few thousand names). -#}
{% macro name_keys(relation, columns) -%}
select name, {{ name_key('name') }} as name_key
from (
    {%- for column in columns %}
    select distinct {{ column }} as name from {{ relation }}
    {{- '\n    union' if not loop.last }}
    {%- endfor %}
) as names
where name is not null
{%- endmacro %}

{#- Each distinct name of `columns` in `relation` with the `id_column` of the entity it names in `names` (a relation
    with name_key): keyed once per name, so that facts join on the name as written. Names matching nothing are left
    out. -#}
{% macro names_matched(relation, columns, names, id_column) -%}
select spellings.name, {{ names }}.{{ id_column }}
from ({{ name_keys(relation, columns) }}) as spellings
inner join {{ names }} on {{ names }}.name_key = spellings.name_key
{%- endmacro %}
