{#- A source's word for a coded field, in our vocabulary (seed value_vocabularies): the first pattern (by priority)
    matching the text without case or accents gives the value; `otherwise` for text no pattern matches,
    `when_missing` for no text. The seed is read when the model is compiled, so the rules are data and the query
    stays a CASE (nothing is matched before the seed is built: dbt parse, the SQL linter). -#}
{% macro vocabulary_value(field, column, otherwise=none, when_missing=none) -%}
    {%- set seed = ref('value_vocabularies') -%}
    {%- set rules = [] -%}
    {%- if execute and adapter.get_relation(seed.database, seed.schema, seed.identifier) -%}
        {%- set query = "select pattern, value from " ~ seed ~ " where field = '" ~ field ~ "' order by priority" -%}
        {%- set rules = run_query(query).rows -%}
    {%- endif -%}
    case
        when {{ column }} is null then {{ "'" ~ when_missing ~ "'" if when_missing else 'null' }}
        {%- for pattern, value in rules %}
        when regexp_matches(strip_accents(lower({{ column }})), '{{ pattern }}') then '{{ value }}'
        {%- endfor %}
        else {{ "'" ~ otherwise ~ "'" if otherwise else 'null' }}
    end
{%- endmacro %}
