{#-
Incremental nights. The big models rebuild whole groups of rows, never single rows: a group holds every row one
cross-row rule can touch (a partner's reports supersede each other per period, an IATI activity's latest file wins,
an FTS flow's latest version wins, a budget line's latest file wins). A night rebuilds the groups touched by the
files received since the last build, plus the groups whose rules depend on them (int_*_to_rebuild); a full refresh
or a first build rebuilds everything. warehouse/builds.py records each build in ops.model_builds and asks for a full
refresh whenever the models, seeds or exchange rates change.
-#}

{#- The newest file the last recorded build saw: rows of later files are new. -1 (all rows) on a full refresh. -#}
{% macro built_through_file_id() -%}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(-1) }}
    {%- endif -%}
    {%- set builds = adapter.get_relation(database=target.database, schema='ops', identifier='model_builds') -%}
    {%- if builds is none -%}
        {{ return(-1) }}
    {%- endif -%}
    {%- set result = run_query('select coalesce(max(built_through_file_id), -1) from ops.model_builds') -%}
    {{ return(result.columns[0].values()[0] | int) }}
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

{#- What a data test reads on an incremental night: only the rows rebuilt (models with meta.rebuild_key) or the rows
    of new files (staging models, meta.new_rows_only), since the rest passed the same tests when it was built. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- set found = namespace(scope=none) -%}
    {%- if execute and rebuilding_changed_groups() -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.alias == relation.identifier
                                                 and node.schema == relation.schema -%}
            {%- set meta = node.config.meta -%}
            {%- if meta.rebuild_key -%}
                {%- set groups = graph.nodes['model.' ~ project_name ~ '.' ~ meta.rebuild_groups] -%}
                {%- set found.scope = meta.rebuild_key ~ ' in (select ' ~ meta.rebuild_key ~ ' from ' ~ groups.relation_name ~ ')' -%}
            {%- elif meta.new_rows_only -%}
                {%- set found.scope = 'source_file_id > ' ~ built_through_file_id() -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set conditions = [where, found.scope] | select | list -%}
    {%- if conditions -%}
        (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}
