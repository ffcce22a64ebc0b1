-- Grain: one row per group of funding flows this build rebuilds (see macros/rebuild_groups.sql): a partner
-- (its files supersede each other per period), an IATI activity (its latest file wins), an FTS flow (its latest
-- version wins). Besides the groups a new file touches, the groups whose double-counting rule depends on them:
-- among them the records of other sources quoting a reference a new record quotes (tier 1 of fct_source_matches)
-- or with the same organisations, year and an amount within the tolerance (tier 2). Both are looked for among every
-- staged version, so that a record's earlier counterpart is rebuilt too when a new version no longer pairs with it.
{% set since = built_through_file_id() %}
with partner_reports as (
    select * from {{ ref('stg_inbox__partner_reports') }}
),

iati_activities as (
    select * from {{ ref('stg_iati__activities') }}
),

iati_transactions as (
    select * from {{ ref('stg_iati__transactions') }}
),

fts_flows as (
    select * from {{ ref('stg_fts__flows') }}
),

fts_objects as (
    select * from {{ ref('stg_fts__flow_objects') }}
),

other_identifiers as (
    select * from {{ ref('stg_iati__other_identifiers') }}
),

iati_recipient_countries as (
    select * from {{ ref('stg_iati__recipient_countries') }}
),

rates as (
    select * from {{ ref('int_fx_rates_daily') }}
),

org_names as (
    select * from {{ ref('int_organisation_names') }}
),

-- Every staged row with its group, for the references (macros/source_references.sql).
keyed_fts_flows as (
    select *, {{ flow_group_key('fts', 'flow_id') }} as flow_group_key from fts_flows
),

keyed_activities as (
    select *, {{ flow_group_key('iati', 'iati_identifier') }} as flow_group_key from iati_activities
),

keyed_partner_amounts as (
    select
        cast(null as varchar) as record_key,
        {{ flow_group_key('partner_report', name_key('partner_name')) }} as flow_group_key,
        source_file_id,
        project_code
    from partner_reports
),

-- Placed only once in force (int_partner_reports_placed): here, in no country nor place.
keyed_partner_reports as (
    select
        *,
        {{ flow_group_key('partner_report', name_key('partner_name')) }} as flow_group_key,
        cast(null as varchar) as country_code,
        cast(null as varchar) as region_pcode_2021,
        cast(null as varchar) as cercle_pcode_2021,
        cast(null as varchar) as commune_place_id
    from partner_reports
),

staged_references as (
    {{ source_references(
        'keyed_fts_flows', 'fts_objects', 'keyed_activities', 'other_identifiers', 'iati_transactions',
        'keyed_partner_amounts'
    ) }}
),

staged_records as (
    {{ source_records(
        'keyed_fts_flows', 'fts_objects', 'keyed_activities', 'iati_transactions', 'iati_recipient_countries',
        'keyed_partner_reports', 'rates', 'org_names'
    ) }}
),

-- Tier 2's cells (fct_source_matches), any country: the amounts tier 2 may pair.
staged_cells as (
    select
        source_system, flow_group_key, donor_org_id, recipient_org_id, value_year,
        sign(amount_usd) as amount_sign, {{ amount_bucket('amount_usd') }} as amount_bucket
    from staged_records
    where donor_org_id is not null and recipient_org_id is not null and value_year is not null and amount_usd <> 0
        and flow_stage <> 'other'
),

new_partners as (
    -- The partner key of int_partner_reports_placed: the partner's name however it is typed.
    select distinct {{ name_key('partner_name') }} as partner_key
    from partner_reports
    where source_file_id > {{ since }}
),

new_activities as (
    select distinct iati_identifier from iati_activities where source_file_id > {{ since }}
),

new_fts_flows as (
    select distinct flow_id from fts_flows where source_file_id > {{ since }}
),

new_groups as (
    select {{ flow_group_key('partner_report', 'partner_key') }} as flow_group_key from new_partners
    union
    select {{ flow_group_key('iati', 'iati_identifier') }} from new_activities
    union
    select {{ flow_group_key('fts', 'flow_id') }} from new_fts_flows
),

-- What every staged version of a new group quotes and where its amounts lie: a counterpart of an earlier version is
-- rebuilt too, when the new version no longer pairs with it.
new_references as (
    select distinct source_system, reference_key from staged_references semi join new_groups using (flow_group_key)
),

new_cells as (
    select distinct source_system, donor_org_id, recipient_org_id, value_year, amount_sign, amount_bucket
    from staged_cells
    semi join new_groups using (flow_group_key)
)

select flow_group_key from new_groups
union
-- iati_incoming_reported_by_provider: activities whose incoming funds name a new activity as their provider
select {{ flow_group_key('iati', 'tx.iati_identifier') }}
from iati_transactions as tx
where tx.provider_activity_id in (select iati_identifier from new_activities)
union
-- fts_parent_with_children: parent flows of a new flow
select {{ flow_group_key('fts', 'parent.flow_id') }}
from fts_flows as parent, unnest(parent.child_flow_ids) as child (child_flow_id)
where child.child_flow_id in (select flow_id from new_fts_flows)
{#- On a full build every group is rebuilt: the lookups of the matching's counterparts are left out. #}
{%- if rebuilding_changed_groups() %}
union
-- same_money_in_<source>: records of another source quoting a reference a new record quotes
select staged.flow_group_key
from staged_references as staged
inner join new_references as new
    on new.reference_key = staged.reference_key and new.source_system <> staged.source_system
union
-- same_money_in_<source>, tier 2: records of another source in the cell of a new record or a neighbouring one
select staged.flow_group_key
from staged_cells as staged
inner join new_cells as new
    on new.source_system <> staged.source_system and new.donor_org_id = staged.donor_org_id
    and new.recipient_org_id = staged.recipient_org_id and new.value_year = staged.value_year
    and new.amount_sign = staged.amount_sign and staged.amount_bucket - new.amount_bucket in (-1, 0, 1)
{%- endif %}
