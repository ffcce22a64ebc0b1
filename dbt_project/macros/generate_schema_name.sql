{#- Schemas are named staging, intermediate, marts, reference: no target prefix, one warehouse per file. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name else target.schema }}
{%- endmacro %}
