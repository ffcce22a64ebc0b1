{#- Fails on (flow, dimension) pairs whose shares do not add up to 1. -#}
{% test shares_sum_to_one(model) %}
select funding_flow_id, dimension, sum(share) as total_share
from {{ model }}
group by funding_flow_id, dimension
having abs(sum(share) - 1) > 0.0001
{% endtest %}
