-- Grain: one row per funding flow whose amount and stated USD equivalent disagree by more than 10 %.
-- Rebuilt with the flows, by group (flow_group_key, see macros/rebuild_groups.sql).
-- depends_on: {{ ref('int_funding_flow_groups_to_rebuild') }}
select
    funding_flow_id,
    source_system,
    source_file_id,
    source_position,
    recipient_org_name,
    amount_original,
    currency_original,
    amount_usd,
    amount_usd_stated,
    cast(amount_usd_stated / nullif(amount_usd, 0) as double) as stated_to_converted_ratio,
    flow_group_key,
    {{ this_build_number() }} as build_number
from {{ ref('fct_funding_flows') }}
where stated_amount_mismatch and {{ rebuilt_by_this_build() }}
