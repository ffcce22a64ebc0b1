{#- 'Ségou', 'SEGOU', 'segou ' -> 'segou': the key place names are matched on. -#}
{% macro place_key(name) -%}
    regexp_replace(lower(strip_accents(trim({{ name }}))), '[^a-z0-9]+', '', 'g')
{%- endmacro %}
