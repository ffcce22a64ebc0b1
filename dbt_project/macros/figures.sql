{#- A goal's baseline or target when its cell is one figure ("31.80%", "1,000,000", "26.6"), else NULL: the cell
    stays as written beside it ("Less to 2.5% by 2030" is no single figure). Commas separate thousands, as in the
    English-language export. -#}
{% macro one_figure(cell) -%}
    (case when regexp_full_match(trim({{ cell }}), '([0-9]{1,3}(,[0-9]{3})+|[0-9]+)([.][0-9]+)?[ ]*%?')
          then cast(replace(rtrim(trim({{ cell }}), '% '), ',', '') as double) end)
{%- endmacro %}

{#- What one_figure counts: 'percent' when written with a percent sign, else 'indicator_unit' (the unit the goal's
    indicator names); NULL when the cell is no single figure. -#}
{% macro figure_unit(cell) -%}
    (case when {{ one_figure(cell) }} is null then null
          when ends_with(trim({{ cell }}), '%') then 'percent'
          else 'indicator_unit' end)
{%- endmacro %}
