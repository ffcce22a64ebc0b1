-- Grain: one row per source transaction (a partner report amount, an IATI transaction, an FTS flow), never split.
-- Double counting is prevented by stated rules; an excluded flow stays, with counted_in_totals = false and the
-- rule that excluded it:
--   fts_parent_with_children   an FTS parent flow (e.g. parked, multi-year) whose child flows are present
--   fts_pass_through           an FTS "Pass through" flow: the money was counted when it first came in
--   iati_incoming_reported_by_provider  an IATI incoming transaction whose provider activity is loaded too
--                              (the provider's disbursement already counts it)
--   same_money_in_<source>     the same money in another source (fct_source_matches, an applied or confirmed
--                              match; the seed double_count_priorities says which source counts)
-- An implausible amount (int_amounts_to_confirm) no person has confirmed is out of the totals too, with
-- amount_to_confirm = true.
-- Rebuilt by group (flow_group_key, see macros/rebuild_groups.sql): the flows read are those of the groups to
-- rebuild, the rules look at every loaded flow and activity.
-- depends_on: {{ ref('int_funding_flow_groups_to_rebuild') }}
-- Not materialized: each use below runs the view again, reading only its columns, which costs less than holding
-- millions of wide rows for all of them.
with flows as not materialized (
    select * from {{ ref('int_funding_flows_converted') }}
),

fts_flows as (
    select * from {{ ref('int_fts_flows_current') }}
),

org_names as (
    select * from {{ ref('int_organisation_names') }}
),

current_activities as (
    select * from {{ ref('int_iati_activities_current') }}
),

iati_transactions as (
    select * from {{ ref('stg_iati__transactions') }}
),

source_matches as (
    select * from {{ ref('fct_source_matches') }}
),

-- Amounts flagged as implausible that no person has confirmed: in the facts, flagged, out of the totals.
amounts_to_confirm as (
    select source_system, source_record_id from {{ ref('int_amounts_to_confirm') }}
    where not confirmed_by_a_person and source_record_id is not null
),

-- Records another source's counterpart counts for: an FTS flow, a partner amount, an IATI activity (all its
-- transactions) or transaction.
same_money_elsewhere as (
    select
        case when counted_source_system = source_system_a then source_system_b else source_system_a end
            as source_system,
        case when counted_source_system = source_system_a then record_key_b else record_key_a end as record_key,
        case when counted_source_system = source_system_a then record_level_b else record_level_a end
            as record_level,
        min(double_count_rule) as double_count_rule
    from source_matches
    where double_count_rule is not null
    group by all
),

fts_parents_with_children as (
    select distinct parent.flow_id as source_record_id
    from fts_flows as parent, unnest(parent.child_flow_ids) as child (child_flow_id)
    where child.child_flow_id in (select flow_id from fts_flows)
),

-- Provider activities whose latest file reports transactions: their disbursements are in the flows.
iati_activities as (
    select distinct act.iati_identifier
    from current_activities as act
    inner join iati_transactions as tx using (source_file_id, source_activity_index)
    where act.iati_identifier in (select provider_activity_id from flows)
),

-- Each organisation name or identifier the flows give, matched once per spelling and not once per flow.
flow_names as (
    select distinct donor_org_ref, donor_org_name, recipient_org_ref, recipient_org_name from flows
),

org_spellings as (
    {{ names_matched(
        'flow_names', ['donor_org_ref', 'donor_org_name', 'recipient_org_ref', 'recipient_org_name'], 'org_names', 'org_id'
    ) }}
),

ruled as (
    select
        flows.*,
        case
            when flows.source_system = 'fts' and parent.source_record_id is not null then 'fts_parent_with_children'
            when flows.source_system = 'fts' and flows.fts_flow_type = 'Pass through' then 'fts_pass_through'
            when
                flows.source_system = 'iati'
                and flows.flow_stage in ('incoming_funds', 'incoming_commitment', 'incoming_pledge')
                and act.iati_identifier is not null then 'iati_incoming_reported_by_provider'
            else coalesce(same_record.double_count_rule, same_activity.double_count_rule)
        end as double_count_rule,
        coalesce(donor_by_ref.org_id, donor_by_name.org_id) as donor_org_id,
        coalesce(recipient_by_ref.org_id, recipient_by_name.org_id) as recipient_org_id
    from flows
    left join fts_parents_with_children as parent on parent.source_record_id = flows.source_record_id
    left join iati_activities as act on act.iati_identifier = flows.provider_activity_id
    left join same_money_elsewhere as same_record
        on same_record.source_system = flows.source_system and same_record.record_key = flows.source_record_id
        and same_record.record_level <> 'activity'
    left join same_money_elsewhere as same_activity
        on same_activity.source_system = flows.source_system and same_activity.record_key = flows.iati_identifier
        and same_activity.record_level = 'activity'
    left join org_spellings as donor_by_ref on donor_by_ref.name = flows.donor_org_ref
    left join org_spellings as donor_by_name on donor_by_name.name = flows.donor_org_name
    left join org_spellings as recipient_by_ref on recipient_by_ref.name = flows.recipient_org_ref
    left join org_spellings as recipient_by_name on recipient_by_name.name = flows.recipient_org_name
)

select
    {{ surrogate_key(['source_system', 'source_record_id']) }} as funding_flow_id,
    flow_group_key,
    source_system,
    source_record_id,
    flow_stage,
    {{ money('amount_original') }} as amount_original,
    currency_original,
    value_date,
    {{ money('amount_xof') }} as amount_xof,
    {{ money('amount_eur') }} as amount_eur,
    {{ money('amount_usd') }} as amount_usd,
    {{ money('amount_usd_source') }} as amount_usd_source,
    cast(exchange_rate_source as double) as exchange_rate_source,
    {{ money('coalesce(amount_usd_source, amount_usd)') }} as amount_usd_reported,
    amount_usd_stated,
    -- "1,2 million de FCFA (plus de 2 millions USD)": an amount and its stated equivalent disagreeing by more than
    -- 10 % is flagged here and counted in dq_stated_amount_mismatches, never silently trusted.
    coalesce(abs(amount_usd - amount_usd_stated) > 0.10 * abs(amount_usd_stated), false) as stated_amount_mismatch,
    fx_rate_missing,
    donor_org_id,
    donor_org_name,
    donor_org_ref,
    recipient_org_id,
    recipient_org_name,
    recipient_org_ref,
    recipient_country_code,
    sector_name,
    region_name,
    region_pcode,
    cercle_name,
    cercle_pcode,
    commune_name,
    commune_place_id,
    description,
    amount_rule,
    iati_identifier,
    fts_flow_type,
    double_count_rule,
    amount_to_confirm,
    double_count_rule is null and not amount_to_confirm as counted_in_totals,
    source_file_id,
    source_position,
    {{ this_build_number() }} as build_number
from (
    select
        ruled.*,
        exists (
            select 1 from amounts_to_confirm as pending
            where pending.source_system = ruled.source_system and pending.source_record_id = ruled.source_record_id
        ) as amount_to_confirm
    from ruled
)
