{#- The one money type of every amount, from staging to the marts: DECIMAL(38, 4) (ingest lands amounts in it too,
    ingest/schemas.py MONEY). Rates and shares stay DOUBLE; an amount computed through a rate is cast back here. -#}
{% macro money(amount) -%}
    cast({{ amount }} as decimal(38, 4))
{%- endmacro %}

{#- XOF -> EUR is fixed by the peg; EUR -> USD uses the ECB rate passed in (units of USD per euro). -#}
{% macro xof_to_eur(amount_xof) -%}
    {{ money(amount_xof ~ ' / ' ~ var('xof_per_eur')) }}
{%- endmacro %}

{% macro xof_to_usd(amount_xof, usd_per_eur) -%}
    {{ money(amount_xof ~ ' / ' ~ var('xof_per_eur') ~ ' * ' ~ usd_per_eur) }}
{%- endmacro %}

{#- An amount in `currency` to XOF: the CFA francs at par (both pegged at 655.957 per euro: the amount itself, exact),
    any other currency through its euro rate (units per euro); NULL when the currency is unknown or has no rate. -#}
{% macro to_xof(amount, currency, units_per_eur) -%}
    (case when {{ currency }} in ('XOF', 'XAF') then {{ money(amount) }}
          else {{ money(amount ~ ' / ' ~ units_per_eur ~ ' * ' ~ var('xof_per_eur')) }} end)
{%- endmacro %}
