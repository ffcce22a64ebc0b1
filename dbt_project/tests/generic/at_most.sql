{#- Fails on rows where the column exceeds another column (e.g. paiement above ordonnancement). -#}
{% test at_most(model, column_name, other_column) %}
select *
from {{ model }}
where {{ column_name }} > {{ other_column }}
{% endtest %}
