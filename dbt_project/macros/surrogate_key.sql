{#- md5 of the columns' text, NULL written as an explicit token so that (NULL, 'a') <> ('', 'a'). -#}
{% macro surrogate_key(columns) -%}
    md5(concat_ws('|', {% for c in columns %}coalesce(cast({{ c }} as varchar), '<null>'){% if not loop.last %}, {% endif %}{% endfor %}))
{%- endmacro %}
