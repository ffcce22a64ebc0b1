{#- A pledge's linear trajectory: what is due after `elapsed` of `duration` (days, years), going from `baseline` to
    `target` (before the start: the baseline; after the deadline: the target). Every trajectory is this one. -#}
{% macro linear_trajectory(baseline, target, elapsed, duration) -%}
    ({{ baseline }} + ({{ target }} - {{ baseline }}) * least(1.0, greatest(0.0, ({{ elapsed }}) / ({{ duration }}))))
{%- endmacro %}
