-- Grain: one row per calendar day from var calendar_start to calendar_end.
-- Mali's fiscal year (exercice budgétaire, "gestion") is the calendar year; var fiscal_year_start_month moves
-- it for a source whose year starts later (the fiscal year is then named by the year it starts in).
with days as (
    select cast(day as date) as date_day
    from generate_series(
        cast('{{ var("calendar_start") }}' as date), cast('{{ var("calendar_end") }}' as date), interval 1 day
    ) as t (day)
),

fiscal as (
    select date_day, date_day - to_months({{ var('fiscal_year_start_month') }} - 1) as fiscal_shifted_day
    from days
)

select
    date_day,
    cast(year(date_day) as integer) as calendar_year,
    cast(quarter(date_day) as integer) as calendar_quarter,
    cast(month(date_day) as integer) as calendar_month,
    ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre',
     'novembre', 'décembre'][month(date_day)] as month_name_fr,
    cast(isodow(date_day) as integer) as iso_day_of_week,
    cast(year(fiscal_shifted_day) as integer) as fiscal_year,
    cast(quarter(fiscal_shifted_day) as integer) as fiscal_quarter
from fiscal
