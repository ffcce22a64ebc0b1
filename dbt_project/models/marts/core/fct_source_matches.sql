-- Grain: one row per pair of source records holding the same money (an FTS flow, an IATI activity or transaction,
-- a partner report amount), from two different sources, with the tier that paired them, its evidence, a score and
-- the decision. Tiers:
--   1 identifiers: a reference both records quote (FTS refCode, reportDetails references, project codes; IATI
--     identifier whole or after its reporting organisation's prefix, other-identifier, transaction ref,
--     provider/receiver activity id; a partner report's project code); applied, unless the only references shared
--     are project codes (var('project_reference_kinds')): then a tier-3 candidate.
--   2 same donor and recipient (organisation registry), country, year, and USD amounts equal within
--     var('same_amount_tolerance'), when each record has that one counterpart; applied.
-- References quoted by too many records, and crowds of equal amounts or of one organisation's records, are left
-- out of the pairing (var('max_records_per_reference'), var('max_pairs_per_block')): they hold no single grant.
--   3 candidates: text similarity of titles and descriptions plus organisations, scored by rapidfuzz at or above
--     var('candidate_min_score') (int_source_candidates), and tier-2 pairs with several counterparts; awaiting a
--     person's decision, never applied alone.
-- A person's decision (seed source_match_decisions) confirms or refuses any pair. For each applied or confirmed
-- pair, the seed double_count_priorities says which side counts; the other side is excluded from totals in
-- fct_funding_flows (double_count_rule same_money_in_<source>), whole: one IATI activity matched to several FTS
-- flows is excluded once, each flow counts; its amount is shared among the matches by amount_share_rule (see
-- allocated below). Nothing is deleted.
{%- set project_kinds = "('" ~ var('project_reference_kinds') | join("', '") ~ "')" %}
with references_quoted as (
    select * from {{ ref('int_source_references') }}
),

records as (
    select * from {{ ref('int_source_records') }}
),

candidates as (
    select * from {{ ref('int_source_candidates') }}
),

decisions as (
    select * from {{ ref('source_match_decisions') }}
),

priorities as (
    select * from {{ ref('double_count_priorities') }}
),

-- Money movements only: 'other' IATI transactions (loan repayments, interest, reimbursements) are not paired.
amounts as materialized (
    select * from records where flow_stage <> 'other'
),

-- References quoted by two sources at least, and by no more than var('max_records_per_reference') records of one:
-- a reference hundreds of records quote is a programme's or a placeholder ("N/A"), not one grant's.
pairing_references as (
    select quoted.*
    from references_quoted as quoted
    semi join (
        select reference_key
        from (
            select reference_key, source_system, count(distinct record_key) as records
            from references_quoted
            group by all
        )
        group by reference_key
        having count(*) > 1 and max(records) <= {{ var('max_records_per_reference') }}
    ) as pairing using (reference_key)
),

tier_1 as (
    select
        rec_a.source_system as source_system_a,
        rec_a.record_key as record_key_a,
        rec_b.source_system as source_system_b,
        rec_b.record_key as record_key_b,
        -- A project code names a project several grants may fund (a CBPF allocation and a donor's own grant to one
        -- HRP project): alone, it makes a candidate.
        case when bool_and(rec_a.reference_kind in {{ project_kinds }} or rec_b.reference_kind in {{ project_kinds }})
             then 3 else 1 end as tier,
        'activity' as iati_level,
        string_agg(
            distinct concat(rec_a.reference_kind, ' = ', rec_b.reference_kind, ' : ', rec_a.reference_key), ' | '
        ) as evidence,
        1.0 as score
    from pairing_references as rec_a
    inner join pairing_references as rec_b
        on rec_b.reference_key = rec_a.reference_key and rec_b.source_system > rec_a.source_system
    group by all
),

-- Tier 2 cells: same donor, recipient, country, year, sign and amount within a bucket as wide as the tolerance (two
-- amounts within it are in the same bucket or neighbours). A cell where the pairs of two sources would exceed
-- var('max_pairs_per_block') is left out: so many equal amounts are for no one to tell apart.
tier_2_amounts as (
    select
        *,
        {{ amount_bucket('amount_usd') }} as amount_bucket
    from amounts
    where donor_org_id is not null and recipient_org_id is not null and country_code is not null
        and value_year is not null and amount_usd <> 0
),

tier_2_cells as (
    select
        donor_org_id, recipient_org_id, country_code, value_year, sign(amount_usd) as amount_sign, amount_bucket,
        source_system, count(*) as records
    from tier_2_amounts
    group by all
),

crowded_cells as (
    select distinct cell_a.donor_org_id, cell_a.recipient_org_id, cell_a.country_code, cell_a.value_year,
                    cell_a.amount_sign, cell_a.amount_bucket
    from tier_2_cells as cell_a
    inner join tier_2_cells as cell_b
        on cell_b.source_system > cell_a.source_system
        and cell_b.donor_org_id = cell_a.donor_org_id and cell_b.recipient_org_id = cell_a.recipient_org_id
        and cell_b.country_code = cell_a.country_code and cell_b.value_year = cell_a.value_year
        and cell_b.amount_sign = cell_a.amount_sign and cell_b.amount_bucket - cell_a.amount_bucket in (-1, 0, 1)
    where cell_a.records * cell_b.records > {{ var('max_pairs_per_block') }}
),

tier_2_records as (
    select tier_2_amounts.*
    from tier_2_amounts
    anti join crowded_cells
        on crowded_cells.donor_org_id = tier_2_amounts.donor_org_id
        and crowded_cells.recipient_org_id = tier_2_amounts.recipient_org_id
        and crowded_cells.country_code = tier_2_amounts.country_code
        and crowded_cells.value_year = tier_2_amounts.value_year
        and crowded_cells.amount_sign = sign(tier_2_amounts.amount_usd)
        and crowded_cells.amount_bucket - tier_2_amounts.amount_bucket in (-1, 0, 1)
),

same_parties as (
    select
        rec_a.source_system as source_system_a,
        rec_a.record_key as record_key_a,
        rec_a.match_key as match_key_a,
        rec_b.source_system as source_system_b,
        rec_b.record_key as record_key_b,
        rec_b.match_key as match_key_b,
        concat(
            'donor ', rec_a.donor_org_id, ', recipient ', rec_a.recipient_org_id, ', country ', rec_a.country_code,
            ', year ', rec_a.value_year, ', USD ', round(rec_a.amount_usd, 2), ' / ', round(rec_b.amount_usd, 2)
        ) as evidence,
        1 - abs(rec_a.amount_usd - rec_b.amount_usd) / greatest(abs(rec_a.amount_usd), abs(rec_b.amount_usd)) as score
    from tier_2_records as rec_a
    inner join (
        -- Each record in its bucket and its two neighbours' (three equi-joins rather than one range).
        select tier_2_records.*, tier_2_records.amount_bucket + offsets.offset_by as joined_bucket
        from tier_2_records cross join (values (-1), (0), (1)) as offsets (offset_by)
    ) as rec_b
        on rec_b.source_system > rec_a.source_system
        and rec_b.donor_org_id = rec_a.donor_org_id
        and rec_b.recipient_org_id = rec_a.recipient_org_id
        and rec_b.country_code = rec_a.country_code
        and rec_b.value_year = rec_a.value_year
        and rec_b.joined_bucket = rec_a.amount_bucket
    where abs(rec_a.amount_usd - rec_b.amount_usd)
        <= {{ var('same_amount_tolerance') }} * greatest(abs(rec_a.amount_usd), abs(rec_b.amount_usd))
),

-- Pairs of records no identifier already pairs (at the level of the IATI activity).
tier_2_unpaired as (
    select
        pair.*,
        count(*) over (partition by pair.source_system_a, pair.record_key_a) as counterparts_a,
        count(*) over (partition by pair.source_system_b, pair.record_key_b) as counterparts_b
    from same_parties as pair
    anti join (select * from tier_1 where tier = 1) as tier_1
        on tier_1.source_system_a = pair.source_system_a and tier_1.record_key_a = pair.match_key_a
        and tier_1.source_system_b = pair.source_system_b and tier_1.record_key_b = pair.match_key_b
),

tier_2 as (
    select
        source_system_a, record_key_a, source_system_b, record_key_b,
        case when counterparts_a = 1 and counterparts_b = 1 then 2 else 3 end as tier,
        'transaction' as iati_level,
        case when counterparts_a = 1 and counterparts_b = 1 then evidence
             else concat(evidence, ' (', counterparts_a, ' x ', counterparts_b, ' counterparts)') end as evidence,
        score
    from tier_2_unpaired
),

-- Tier 3: records scored alike by rapidfuzz (texts and organisations, int_source_candidates) that no identifier
-- nor the same parties and amount already pair.
tier_3 as (
    select
        source_system_a, record_key_a, source_system_b, record_key_b,
        3 as tier,
        'activity' as iati_level,
        evidence,
        score
    from candidates
    anti join (select * from tier_1 where tier = 1) as tier_1
        using (source_system_a, record_key_a, source_system_b, record_key_b)
    anti join same_parties as paired
        on paired.source_system_a = candidates.source_system_a and paired.match_key_a = candidates.record_key_a
        and paired.source_system_b = candidates.source_system_b and paired.match_key_b = candidates.record_key_b
),

pairs as (
    select * from (
        select * from tier_1
        union all by name
        select * from tier_2
        union all by name
        select * from tier_3
    )
    qualify row_number() over (
        partition by source_system_a, record_key_a, source_system_b, record_key_b order by tier, score desc
    ) = 1
),

paired_records as (
    select source_system_a as source_system, record_key_a as record_key from pairs
    union
    select source_system_b, record_key_b from pairs
),

-- What each record is, at the level it is paired at: an IATI activity (its transactions together) or transaction.
described as (
    select
        source_system,
        paired_key as record_key,
        any_value(flow_group_key) as flow_group_key,
        {{ money("sum(amount_usd) filter (flow_stage in ('disbursement', 'expenditure', 'planned'))") }} as amount_usd,
        any_value(donor_org_name) as donor_org_name,
        any_value(recipient_org_name) as recipient_org_name,
        any_value(country_code) as country_code,
        min(value_year) as value_year,
        any_value(record_text) as record_text,
        bool_or(humanitarian) as humanitarian
    from (
        select *, record_key as paired_key from amounts
        union all
        select *, match_key from amounts where source_system = 'iati'
    ) as keyed
    semi join paired_records
        on paired_records.source_system = keyed.source_system and paired_records.record_key = keyed.paired_key
    group by all
),

-- A person may write a pair either way round: in the pairs' order (source a before source b).
decisions_in_order as (
    select
        case when swapped then source_system_b else source_system_a end as source_system_a,
        case when swapped then record_key_b else record_key_a end as record_key_a,
        case when swapped then source_system_a else source_system_b end as source_system_b,
        case when swapped then record_key_a else record_key_b end as record_key_b,
        decision,
        decided_on,
        reason
    from (select *, source_system_a > source_system_b as swapped from decisions)
),

decided as (
    select
        pairs.*,
        coalesce(given.decision, case when pairs.tier < 3 then 'applied' else 'awaiting' end) as decision,
        given.decided_on,
        given.reason as decision_reason
    from pairs
    left join decisions_in_order as given
        using (source_system_a, record_key_a, source_system_b, record_key_b)
),

with_records as (
    select
        decided.*,
        rec_a.flow_group_key as flow_group_key_a,
        rec_b.flow_group_key as flow_group_key_b,
        coalesce(rec_a.humanitarian, decided.source_system_a = 'fts')
        or coalesce(rec_b.humanitarian, decided.source_system_b = 'fts') as humanitarian,
        rec_a.amount_usd as amount_usd_a,
        rec_b.amount_usd as amount_usd_b,
        rec_a.donor_org_name as donor_org_name_a,
        rec_b.donor_org_name as donor_org_name_b,
        rec_a.recipient_org_name as recipient_org_name_a,
        rec_b.recipient_org_name as recipient_org_name_b,
        coalesce(rec_a.country_code, rec_b.country_code) as country_code,
        coalesce(rec_a.value_year, rec_b.value_year) as value_year,
        rec_a.record_text as record_text_a,
        rec_b.record_text as record_text_b
    from decided
    left join described as rec_a
        on rec_a.source_system = decided.source_system_a and rec_a.record_key = decided.record_key_a
    left join described as rec_b
        on rec_b.source_system = decided.source_system_b and rec_b.record_key = decided.record_key_b
),

ruled as (
    select
        with_records.*,
        case when humanitarian then 'humanitarian' else 'development' end as finance_kind,
        case when priority_a.priority <= priority_b.priority then source_system_a else source_system_b end
            as counted_source_system
    from with_records
    left join priorities as priority_a
        on priority_a.finance_kind = case when humanitarian then 'humanitarian' else 'development' end
        and priority_a.source_system = with_records.source_system_a
    left join priorities as priority_b
        on priority_b.finance_kind = case when humanitarian then 'humanitarian' else 'development' end
        and priority_b.source_system = with_records.source_system_b
),

-- How an amount is shared when a record is matched to several (one IATI activity and several FTS flows, one flow
-- and an activity paid over several years): the counted side keeps its own amounts; the excluded record's amount
-- is allocated to its matches in proportion to the counted records' amounts (in equal parts when they are unknown).
shared as (
    select
        ruled.*,
        case when counted_source_system = source_system_a then amount_usd_b else amount_usd_a end
            as excluded_amount_usd,
        case when counted_source_system = source_system_a then amount_usd_a else amount_usd_b end
            as counted_amount_usd,
        count(*) over excluded_record as excluded_record_matches,
        sum(abs(counted_amount_usd)) over excluded_record as counted_amounts_usd
    from ruled
    where decision in ('applied', 'confirmed')
    window excluded_record as (
        partition by
            case when counted_source_system = source_system_a then source_system_b else source_system_a end,
            case when counted_source_system = source_system_a then record_key_b else record_key_a end
    )
),

allocated as (
    select
        ruled.*,
        case
            when shared.excluded_record_matches = 1 then 'whole'
            when shared.counted_amounts_usd > 0 then 'in_proportion_to_counted_amounts'
            when shared.excluded_record_matches > 1 then 'in_equal_parts'
        end as amount_share_rule,
        case
            when shared.excluded_record_matches = 1 then shared.excluded_amount_usd
            when shared.counted_amounts_usd > 0
                then shared.excluded_amount_usd * abs(shared.counted_amount_usd) / shared.counted_amounts_usd
            else shared.excluded_amount_usd / shared.excluded_record_matches
        end as excluded_amount_usd_share
    from ruled
    left join shared using (source_system_a, record_key_a, source_system_b, record_key_b)
)

select
    {{ surrogate_key(['source_system_a', 'record_key_a', 'source_system_b', 'record_key_b']) }} as source_match_id,
    source_system_a,
    record_key_a,
    -- An IATI record is an activity (identifiers, text) or a transaction ('identifier#index', amounts).
    case when source_system_a = 'iati' then iati_level else 'record' end as record_level_a,
    source_system_b,
    record_key_b,
    case when source_system_b = 'iati' then iati_level else 'record' end as record_level_b,
    cast(tier as integer) as tier,
    evidence,
    cast(round(score, 4) as double) as score,
    decision,
    decided_on,
    decision_reason,
    finance_kind,
    case when decision in ('applied', 'confirmed') then counted_source_system end as counted_source_system,
    case when decision in ('applied', 'confirmed')
         then concat('same_money_in_', counted_source_system) end as double_count_rule,
    amount_share_rule,
    {{ money('excluded_amount_usd_share') }} as excluded_amount_usd_share,
    amount_usd_a,
    amount_usd_b,
    donor_org_name_a,
    donor_org_name_b,
    recipient_org_name_a,
    recipient_org_name_b,
    country_code,
    value_year,
    record_text_a,
    record_text_b,
    flow_group_key_a,
    flow_group_key_b
from allocated
