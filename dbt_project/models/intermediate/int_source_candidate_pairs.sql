-- Grain: one row per pair of source records (an FTS flow, an IATI activity, a partner report amount) of two sources
-- with the same country and year and one organisation in common: the pairs tier 3 of fct_source_matches scores
-- (int_source_candidates), with the texts and organisation names it compares. A block of one organisation, country
-- and year whose pairs across sources would exceed var('max_pairs_per_block') is left out (too many for a person to
-- review).
{%- set roles = ['donor', 'recipient'] %}
with records as (
    select * from {{ ref('int_source_records') }}
),

-- Money movements only, as in fct_source_matches.
amounts as (
    select * from records where flow_stage <> 'other'
),

blocks as (
    select distinct source_system, match_key, country_code, value_year, donor_org_id, recipient_org_id
    from amounts
    where country_code is not null and value_year is not null
),

organisation_blocks as (
    {%- for role in roles %}
    select country_code, value_year, '{{ role }}' as org_role, {{ role }}_org_id as org_id, source_system,
           count(distinct match_key) as records
    from blocks
    where {{ role }}_org_id is not null
    group by all
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

open_blocks as (
    select country_code, value_year, org_role, org_id
    from organisation_blocks
    group by all
    having count(*) > 1
        and (sum(records) * sum(records) - sum(records * records)) / 2 <= {{ var('max_pairs_per_block') }}
),

{%- for role in roles %}

{{ role }}_blocked as (
    select blocks.*
    from blocks
    semi join open_blocks
        on open_blocks.org_role = '{{ role }}' and open_blocks.org_id = blocks.{{ role }}_org_id
        and open_blocks.country_code = blocks.country_code and open_blocks.value_year = blocks.value_year
),
{%- endfor %}

blocked_pairs as (
    select
        source_system_a, record_key_a, source_system_b, record_key_b,
        bool_or(same_donor) as same_donor,
        bool_or(same_recipient) as same_recipient
    from (
        {%- for role in roles %}
        select
            rec_a.source_system as source_system_a, rec_a.match_key as record_key_a,
            rec_b.source_system as source_system_b, rec_b.match_key as record_key_b,
            rec_a.donor_org_id = rec_b.donor_org_id as same_donor,
            rec_a.recipient_org_id = rec_b.recipient_org_id as same_recipient
        from {{ role }}_blocked as rec_a
        inner join {{ role }}_blocked as rec_b
            on rec_b.source_system > rec_a.source_system and rec_b.country_code = rec_a.country_code
            and rec_b.value_year = rec_a.value_year and rec_b.{{ role }}_org_id = rec_a.{{ role }}_org_id
        {{- '\n        union all' if not loop.last }}
        {%- endfor %}
    )
    group by all
),

-- The text and names of each blocked record (an IATI activity: its title), accents and case left out.
described as (
    select
        source_system,
        match_key,
        lower(strip_accents(any_value(record_text))) as record_text,
        lower(strip_accents(any_value(donor_org_name))) as donor_org_name,
        lower(strip_accents(any_value(recipient_org_name))) as recipient_org_name
    from amounts
    semi join (
        select source_system_a as source_system, record_key_a as match_key from blocked_pairs
        union
        select source_system_b, record_key_b from blocked_pairs
    ) as blocked using (source_system, match_key)
    group by all
)

select
    blocked.source_system_a,
    blocked.record_key_a,
    blocked.source_system_b,
    blocked.record_key_b,
    coalesce(blocked.same_donor, false) as same_donor,
    coalesce(blocked.same_recipient, false) as same_recipient,
    rec_a.record_text as record_text_a,
    rec_b.record_text as record_text_b,
    rec_a.donor_org_name as donor_org_name_a,
    rec_b.donor_org_name as donor_org_name_b,
    rec_a.recipient_org_name as recipient_org_name_a,
    rec_b.recipient_org_name as recipient_org_name_b
from blocked_pairs as blocked
left join described as rec_a
    on rec_a.source_system = blocked.source_system_a and rec_a.match_key = blocked.record_key_a
left join described as rec_b
    on rec_b.source_system = blocked.source_system_b and rec_b.match_key = blocked.record_key_b
