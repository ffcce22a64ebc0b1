{#- XOF -> EUR is fixed by the peg; EUR -> USD uses the ECB rate passed in (units of USD per euro). -#}
{% macro xof_to_eur(amount_xof) -%}
    ({{ amount_xof }} / {{ var('xof_per_eur') }})
{%- endmacro %}

{% macro xof_to_usd(amount_xof, usd_per_eur) -%}
    ({{ amount_xof }} / {{ var('xof_per_eur') }} * {{ usd_per_eur }})
{%- endmacro %}
