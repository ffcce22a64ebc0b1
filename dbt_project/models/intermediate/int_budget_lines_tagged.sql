-- Nutrition tagging (and the transfer-to-local-government flag): the first keyword rule (by priority) matching
-- the line's labels classifies it;
-- the weight of its category comes from the newest weights version.
-- Rebuilt by budget line (see macros/rebuild_groups.sql): the lines read are those the build rewrote.
-- depends_on: {{ ref('int_budget_lines_to_rebuild') }}
with lines as (
    select * from {{ ref('int_budget_lines_deduplicated') }}
    where {{ rebuilt_by_this_build() }}
),

country_names as (
    select * from {{ ref('int_country_names') }}
),

rules as (
    select * from {{ ref('nutrition_tagging_rules') }}
),

-- Lines holding an amount flagged as implausible that no person has confirmed.
amounts_to_confirm as (
    select distinct source_file_id, source_sheet, source_line_number
    from {{ ref('int_amounts_to_confirm') }}
    where source_system = 'budget_line' and not confirmed_by_a_person
),

weights as (
    select nutrition_category, weight, weights_version
    from {{ ref('nutrition_weights') }}
    qualify weights_version = max(weights_version) over ()
),

-- Labels made searchable once per distinct wording, not once per line.
labels as (
    select
        line_label,
        action_label,
        programme_label,
        strip_accents(lower(concat_ws(' ', line_label, action_label, programme_label))) as searchable_label
    from (select distinct line_label, action_label, programme_label from lines) as wordings
),

country_keys as (
    {{ name_keys('lines', ['country_name']) }}
),

-- Rules are matched once per distinct label (a regex with a pattern from a table is compiled per row, and
-- budgets repeat the same labels across years, versions and places).
first_match as (
    select
        searchable.searchable_label,
        rules.rule_id,
        rules.rules_version,
        rules.nutrition_category
    from (select distinct searchable_label from labels) as searchable
    inner join rules on regexp_matches(searchable.searchable_label, rules.label_pattern)
    qualify row_number() over (partition by searchable.searchable_label order by rules.priority) = 1
)

select
    lines.* exclude (build_number),
    -- The country the file or its profile names, else the inbox's (var inbox_country).
    coalesce(country.country_code, '{{ var("inbox_country") }}') as country_code,
    -- What the platform's figures add up: the expenditure of the inbox's country (a council's revenue and another
    -- country's budget stay in the facts, out of the reports).
    coalesce(country.country_code, '{{ var("inbox_country") }}') = '{{ var("inbox_country") }}'
        and lines.budget_side = 'depense' as in_platform_scope,
    -- Transfers to the collectivités territoriales: what the 30 % pledge is measured on.
    lines.economic_nature = 'transferts' and labels.searchable_label like '%collectivites territoriales%'
        as is_transfer_to_local_government,
    coalesce(first_match.nutrition_category, 'none') as nutrition_category,
    first_match.rule_id as tagging_rule_id,
    first_match.rules_version as tagging_rules_version,
    weights.weight as nutrition_weight,
    weights.weights_version as nutrition_weights_version,
    pending.source_file_id is not null as amount_to_confirm,
    {{ this_build_number() }} as build_number
from lines
left join labels
    on labels.line_label is not distinct from lines.line_label
    and labels.action_label is not distinct from lines.action_label
    and labels.programme_label is not distinct from lines.programme_label
left join country_keys on country_keys.name = lines.country_name
left join country_names as country on country.name_key = country_keys.name_key
left join first_match on first_match.searchable_label is not distinct from labels.searchable_label
left join weights on weights.nutrition_category = coalesce(first_match.nutrition_category, 'none')
left join amounts_to_confirm as pending
    on pending.source_file_id = lines.source_file_id
    and pending.source_sheet is not distinct from lines.source_sheet
    and pending.source_line_number = lines.source_line_number
