{#-
Incremental nights. The big models rebuild whole groups of rows, never single rows: a group holds every row one
cross-row rule can touch (a partner's reports supersede each other per period, an IATI activity's latest file wins,
an FTS flow's latest version wins, a budget line's latest file wins). A night rebuilds the groups touched by the
files received since the last build, plus the groups whose rules depend on them (int_*_to_rebuild); a full refresh
or a first build rebuilds everything. warehouse/builds.py records each build in ops.model_builds and asks for a full
refresh whenever the models, seeds or exchange rates change.
-#}

{#- The newest file the last recorded build saw: rows of later files are new. -1 (all rows) on a full refresh, and
    in unit tests (their given rows are the whole input). -#}
{% macro built_through_file_id() -%}
    {%- if not execute or flags.FULL_REFRESH or (model is defined and model.resource_type == 'unit_test') -%}
        {{ return(-1) }}
    {%- endif -%}
    {{ return(model_builds_value('coalesce(max(built_through_file_id), -1)', -1)) }}
{%- endmacro %}

{#- One figure computed over ops.model_builds, or `default` while no build has created it. -#}
{% macro model_builds_value(expression, default) -%}
    {%- set builds = adapter.get_relation(database=target.database, schema='ops', identifier='model_builds') -%}
    {%- if builds is none -%}
        {{ return(default) }}
    {%- endif -%}
    {{ return(run_query('select ' ~ expression ~ ' from ops.model_builds').columns[0].values()[0] | int) }}
{%- endmacro %}

{#- This build's number: one more than the builds recorded in ops.model_builds. Every row a group-rebuilt model
    writes carries it (column build_number), so what a build rebuilt is found without joining the groups again. -#}
{% macro this_build_number() -%}
    {%- if not execute -%}
        {{ return(0) }}
    {%- endif -%}
    {{ return(model_builds_value('count(*) + 1', 1)) }}
{%- endmacro %}

{#- A WHERE condition keeping the rows of a group-rebuilt model that this build rebuilt (all rows on a full build). -#}
{% macro rebuilt_by_this_build() -%}
    {%- if rebuilding_changed_groups() -%}
        build_number = {{ this_build_number() }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- The group of funding flows a source record belongs to: 'partner_report:<partner key>', 'iati:<identifier>',
    'fts:<flow id>' (the column flow_group_key). -#}
{% macro flow_group_key(source_system, id_column) -%}
    concat('{{ source_system }}:', {{ id_column }})
{%- endmacro %}

{#- True when this build rebuilds only the groups touched since the last one. -#}
{% macro rebuilding_changed_groups() -%}
    {{ return(built_through_file_id() >= 0) }}
{%- endmacro %}

{#- A WHERE condition keeping the rows of the groups to rebuild (all rows on a full build): `expression` (by default
    the group column itself) is one of the group keys listed in `groups_model`. -#}
{% macro in_groups_to_rebuild(group_column, groups_model, expression=none) -%}
    {%- set groups = ref(groups_model) -%}
    {%- if rebuilding_changed_groups() -%}
        {{ expression or group_column }} in (select {{ group_column }} from {{ groups }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of a group-rebuilt model: its rows of the groups to rebuild go, the model's query appends them anew.
    Deleting first (rather than delete+insert on the new rows' keys) also clears a group that no longer has rows. -#}
{% macro delete_groups_to_rebuild(key_column, groups_model) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ in_groups_to_rebuild(key_column, groups_model) }}
    {%- endif -%}
{%- endmacro %}

{#- The condition selecting what an incremental night rebuilt of `relation`: the rows of this build of a model with
    meta.rebuilt_by_group, the rows of new files of a model with meta.new_rows_only; none for everything. -#}
{% macro rebuilt_rows_condition(relation) -%}
    {%- set found = namespace(condition=none) -%}
    {%- if execute and rebuilding_changed_groups() -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.alias == relation.identifier
                                                 and node.schema == relation.schema -%}
            {%- set meta = node.config.meta -%}
            {%- if meta.rebuilt_by_group -%}
                {%- set found.condition = rebuilt_by_this_build() -%}
            {%- elif meta.new_rows_only -%}
                {%- set found.condition = 'source_file_id > ' ~ built_through_file_id() -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found.condition) }}
{%- endmacro %}

{#- What a data test reads: on an incremental night only what the night rebuilt (the rest passed the same tests when
    it was built), with the test's own `where` if it has one. -#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [config.get('where'), rebuilt_rows_condition(relation)] | select | list -%}
    {%- if conditions -%}
        (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- dbt's relationships test, with a group-rebuilt parent read on the groups rebuilt too: a child's parent is in the
    child's own group, so this can only report more orphans, never fewer. -#}
{% macro default__test_relationships(model, column_name, to, field) -%}
    {%- set parent_condition = rebuilt_rows_condition(to) -%}
with child as (
    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
),

parent as (
    select {{ field }} as to_field
    from {{ to }}
    {%- if parent_condition %}
    where {{ parent_condition }}
    {%- endif %}
)

select from_field
from child
left join parent on child.from_field = parent.to_field
where parent.to_field is null
{%- endmacro %}
