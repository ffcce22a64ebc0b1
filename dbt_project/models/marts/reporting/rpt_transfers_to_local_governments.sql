-- Grain: one row per fiscal year x scope (national: the national transfer lines; region: one row per region where
-- local-government budgets give it). Against the pledge to transfer a share of the national budget to the
-- collectivités territoriales (seed pledges: transfers_to_local_governments, 30 %): the transfers' share of all
-- national dotations.
with pledge as (
    select target_share from {{ ref('pledges') }} where pledge_id = 'transfers_to_local_governments'
),

execution as (
    select * from {{ ref('fct_budget_execution') }}
    where counted_in_totals
),

national as (
    select
        fiscal_year,
        sum(dotation_xof) as national_dotation_xof,
        sum(dotation_xof) filter (is_transfer_to_local_government) as transfer_dotation_xof,
        sum(paiement_xof) filter (is_transfer_to_local_government) as transfer_paiement_xof
    from execution
    where budget_level = 'national'
    group by all
),

regional as (
    select
        fiscal_year,
        -- A local-government line whose file names no region is counted under a stated name, not lost.
        coalesce(region_name, 'région non précisée / region not given') as region_name,
        sum(dotation_xof) as transfer_dotation_xof,
        sum(paiement_xof) as transfer_paiement_xof
    from execution
    where budget_level <> 'national' and is_transfer_to_local_government
    group by all
)

select
    national.fiscal_year,
    'national' as scope,
    cast(null as varchar) as region_name,
    national.national_dotation_xof,
    national.transfer_dotation_xof,
    national.transfer_paiement_xof,
    cast(national.transfer_dotation_xof / nullif(national.national_dotation_xof, 0) as double)
        as share_of_national_budget,
    pledge.target_share as pledged_share,
    cast(national.transfer_paiement_xof / nullif(national.transfer_dotation_xof, 0) as double) as paiement_rate
from national
left join pledge on true
union all by name
select
    regional.fiscal_year,
    'region' as scope,
    regional.region_name,
    national.national_dotation_xof,
    regional.transfer_dotation_xof,
    regional.transfer_paiement_xof,
    cast(regional.transfer_dotation_xof / nullif(national.national_dotation_xof, 0) as double)
        as share_of_national_budget,
    cast(null as double) as pledged_share,
    cast(regional.transfer_paiement_xof / nullif(regional.transfer_dotation_xof, 0) as double) as paiement_rate
from regional
left join national on national.fiscal_year = regional.fiscal_year
