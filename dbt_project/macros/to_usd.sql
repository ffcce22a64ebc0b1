{#- XOF -> EUR is fixed by the peg; EUR -> USD uses the ECB rate passed in (units of USD per euro). -#}
{% macro xof_to_eur(amount_xof) -%}
    ({{ amount_xof }} / {{ var('xof_per_eur') }})
{%- endmacro %}

{% macro xof_to_usd(amount_xof, usd_per_eur) -%}
    ({{ amount_xof }} / {{ var('xof_per_eur') }} * {{ usd_per_eur }})
{%- endmacro %}

{#- An amount in `currency` to XOF: the CFA francs at par (both pegged at 655.957 per euro), any other currency through
    its euro rate (units per euro); NULL when the currency is unknown or has no rate. -#}
{% macro to_xof(amount, currency, units_per_eur) -%}
    (case when {{ currency }} in ('XOF', 'XAF') then {{ amount }}
          else {{ amount }} / {{ units_per_eur }} * {{ var('xof_per_eur') }} end)
{%- endmacro %}
