-- Grain: one row per fiscal year x institution (budget version in force): dotation, each stage and its rate.
select
    fiscal_year,
    institution,
    count(*) as budget_lines,
    sum(dotation_xof) as dotation_xof,
    sum(engagement_xof) as engagement_xof,
    sum(liquidation_xof) as liquidation_xof,
    sum(ordonnancement_xof) as ordonnancement_xof,
    sum(paiement_xof) as paiement_xof,
    cast(sum(engagement_xof) / nullif(sum(dotation_xof), 0) as double) as engagement_rate,
    cast(sum(liquidation_xof) / nullif(sum(dotation_xof), 0) as double) as liquidation_rate,
    cast(sum(ordonnancement_xof) / nullif(sum(dotation_xof), 0) as double) as ordonnancement_rate,
    cast(sum(paiement_xof) / nullif(sum(dotation_xof), 0) as double) as paiement_rate,
    bool_and(execution_reported) as execution_fully_reported
from {{ ref('fct_budget_execution') }}
where counted_in_totals
group by all
