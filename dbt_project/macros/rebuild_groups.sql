{#-
Incremental nights. The big models rebuild whole groups of rows, never single rows: a group holds every row one
cross-row rule can touch (a partner's reports supersede each other per period, an IATI activity's latest file wins,
an FTS flow's latest version wins, a budget line's latest file wins). A night rebuilds the groups touched by the
files received since the last build, plus the groups whose rules depend on them (int_*_to_rebuild); a full refresh
or a first build rebuilds everything. warehouse/builds.py records each build in ops.model_builds and asks for a full
refresh whenever the models, seeds or exchange rates change.
-#}

{#- The newest file the last recorded build saw: rows of later files are new. -1 (all rows) on a full refresh, in
    unit tests (their given rows are the whole input) and when dbt is run by hand. warehouse/builds.py passes it in the
    environment, with the build number: read once per night there, not once per node here. They are read only when
    executing (never while parsing), so a new value does not make dbt parse the project again. -#}
{% macro built_through_file_id() -%}
    {%- if not execute or flags.FULL_REFRESH or (model is defined and model.resource_type == 'unit_test') -%}
        {{ return(-1) }}
    {%- endif -%}
    {{ return(env_var('DBT_BUILT_THROUGH_FILE_ID', '-1') | int) }}
{%- endmacro %}

{#- This build's number (1 when dbt is run by hand). Every row a group-rebuilt model writes carries it (column
    build_number), so what a build rebuilt is found without joining the groups again. -#}
{% macro this_build_number() -%}
    {%- if not execute -%}
        {{ return(0) }}
    {%- endif -%}
    {{ return(env_var('DBT_BUILD_NUMBER', '1') | int) }}
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

{#- The rows of the IATI activities to rebuild tonight, in any model keyed by `identifier` (every row on a full build). -#}
{% macro in_iati_groups_to_rebuild(identifier='iati_identifier') -%}
    {{ in_groups_to_rebuild('flow_group_key', 'int_funding_flow_groups_to_rebuild', flow_group_key('iati', identifier)) }}
{%- endmacro %}

{#- The rows of the FTS flows to rebuild tonight, in any model keyed by `flow_id` (every row on a full build). -#}
{% macro in_fts_groups_to_rebuild(flow_id='flow_id') -%}
    {{ in_groups_to_rebuild('flow_group_key', 'int_funding_flow_groups_to_rebuild', flow_group_key('fts', flow_id)) }}
{%- endmacro %}

{#- The rows a "latest file wins" rule needs, in a model rebuilt by group that keeps the rows in force: on an
    incremental night, its own rows of the groups to rebuild (in force so far) and the rows of the new files of
    `staged` (they come after every file already built, so nothing older can win); else every row of `staged`. -#}
{% macro rows_in_force_and_new(staged, group_column, groups_model) -%}
    {%- if is_incremental() and rebuilding_changed_groups() -%}
    select {% for column in adapter.get_columns_in_relation(staged) %}{{ column.quoted }}{{ ', ' if not loop.last }}{% endfor %}
    from {{ this }}
    where {{ in_groups_to_rebuild(group_column, groups_model) }}
    union all by name
    select * from {{ staged }} where source_file_id > {{ built_through_file_id() }}
    {%- else -%}
    select * from {{ staged }}
    {%- endif -%}
{%- endmacro %}

{#- Incremental strategy of the group-rebuilt models (config: incremental_strategy group_rebuild, unique_key the
    group column, meta.rebuilt_by_group the model listing the groups to rebuild). dbt has already staged the model's
    query in a temporary table, so that query may read the model's own rows; then the groups' rows go and the staged
    rows come in. Deleting every row of the groups (rather than the staged rows' keys) also clears a group left with
    no rows. -#}
{% macro get_incremental_group_rebuild_sql(arg_dict) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ in_groups_to_rebuild(arg_dict['unique_key'], config.get('meta')['rebuilt_by_group']) }};
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- The condition selecting what an incremental night rebuilt of `relation`: the rows of this build of a model with
    meta.rebuilt_by_group, the rows of new files of a model with meta.new_rows_only; none for everything. -#}
{% macro rebuilt_rows_condition(relation) -%}
    {%- if execute and rebuilding_changed_groups() -%}
        {#- Models here are not aliased: the relation's name is the model's name. -#}
        {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ relation.identifier) -%}
        {%- set meta = node.config.meta if node and node.schema == relation.schema else {} -%}
        {%- if meta.rebuilt_by_group -%}
            {{ return(rebuilt_by_this_build()) }}
        {%- elif meta.new_rows_only -%}
            {{ return('source_file_id > ' ~ built_through_file_id()) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(none) }}
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
