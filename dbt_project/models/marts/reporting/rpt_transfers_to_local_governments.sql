-- Grain: one row per fiscal year x region ('Total' for the national line). Against the pledge to transfer 30 %
-- of the national budget to the collectivités territoriales: the national transfer line's share of all
-- national dotations, and the regional breakdown where local-government budgets give it.
with national as (
    select
        fiscal_year,
        sum(dotation_xof) as national_dotation_xof,
        sum(dotation_xof) filter (is_transfer_to_local_government) as transfer_dotation_xof,
        sum(paiement_xof) filter (is_transfer_to_local_government) as transfer_paiement_xof
    from {{ ref('fct_budget_execution') }}
    where budget_level = 'national' and in_platform_scope
    group by all
),

regional as (
    select
        fiscal_year,
        region_name,
        sum(dotation_xof) as transfer_dotation_xof,
        sum(paiement_xof) as transfer_paiement_xof
    from {{ ref('fct_budget_execution') }}
    where budget_level <> 'national' and is_transfer_to_local_government and in_platform_scope
    group by all
)

select
    fiscal_year,
    'Total' as region_name,
    national_dotation_xof,
    transfer_dotation_xof,
    transfer_paiement_xof,
    cast(transfer_dotation_xof / nullif(national_dotation_xof, 0) as double) as share_of_national_budget,
    0.30 as pledged_share,
    cast(transfer_paiement_xof / nullif(transfer_dotation_xof, 0) as double) as paiement_rate
from national
union all
select
    regional.fiscal_year,
    regional.region_name,
    national.national_dotation_xof,
    regional.transfer_dotation_xof,
    regional.transfer_paiement_xof,
    cast(regional.transfer_dotation_xof / nullif(national.national_dotation_xof, 0) as double),
    null,
    cast(regional.transfer_paiement_xof / nullif(regional.transfer_dotation_xof, 0) as double)
from regional
left join national using (fiscal_year)
