-- Vectorised parsers for values written the way French Excel writes them.
-- Loaded as temporary macros on every ingest connection (see ingest/values.py).

-- "1 200 000 FCFA", "1.200.000", "1 200 000,50", "(1 500)", "$2,000,000.00" -> DOUBLE (NULL if not a number).
-- One comma alone is a decimal comma (French); one dot followed by exactly three digits is a thousands dot.
CREATE OR REPLACE TEMP MACRO amount_digits(txt) AS
    regexp_replace(
        regexp_replace(strip_accents(upper(trim(txt))), '(MILLIONS?|MILLIARDS?|FRANCS?|\bDE\b|\bD''|F\s*CFA|FCFA|XOF|CFA|EUROS?|EUR|€|US\s*\$|USD|\$|\bF\b)', '', 'g'),
        '[\s\x{00A0}\x{202F}'']', '', 'g');

CREATE OR REPLACE TEMP MACRO amount_unsigned(d) AS
    CASE
        WHEN d SIMILAR TO '[0-9]+' THEN d
        WHEN d SIMILAR TO '[0-9]{1,3}(\.[0-9]{3})+,[0-9]+' THEN replace(replace(d, '.', ''), ',', '.')
        WHEN d SIMILAR TO '[0-9]{1,3}(,[0-9]{3})+\.[0-9]+' THEN replace(d, ',', '')
        WHEN d SIMILAR TO '[0-9]{1,3}(\.[0-9]{3})+' THEN replace(d, '.', '')
        WHEN d SIMILAR TO '[0-9]{1,3}(,[0-9]{3}){2,}' THEN replace(d, ',', '')
        WHEN d SIMILAR TO '[0-9]*,[0-9]+' THEN replace(d, ',', '.')
        WHEN d SIMILAR TO '[0-9]*\.[0-9]+' THEN d
        ELSE NULL
    END;

-- "3,5 millions", "1,2 milliard de FCFA": the unit written in the cell scales the number.
CREATE OR REPLACE TEMP MACRO cell_scale(txt) AS
    CASE
        WHEN strip_accents(upper(txt)) LIKE '%MILLIARD%' THEN 1e9
        WHEN strip_accents(upper(txt)) LIKE '%MILLION%' THEN 1e6
        ELSE 1
    END;

CREATE OR REPLACE TEMP MACRO parse_amount(txt) AS
    cell_scale(txt) * CASE
        WHEN amount_digits(txt) SIMILAR TO '\(.*\)' THEN -TRY_CAST(amount_unsigned(trim(amount_digits(txt), '()')) AS DOUBLE)
        WHEN amount_digits(txt) SIMILAR TO '[-−].*' THEN -TRY_CAST(amount_unsigned(ltrim(amount_digits(txt), '-−')) AS DOUBLE)
        ELSE TRY_CAST(amount_unsigned(ltrim(amount_digits(txt), '+')) AS DOUBLE)
    END;

-- Currency written in an amount cell, as an ISO code (NULL when none is written).
CREATE OR REPLACE TEMP MACRO cell_currency(txt) AS
    CASE
        WHEN upper(txt) SIMILAR TO '.*(F\s*CFA|FCFA|XOF|CFA).*' THEN 'XOF'
        WHEN upper(txt) SIMILAR TO '.*(EUR|€).*' THEN 'EUR'
        WHEN upper(txt) SIMILAR TO '.*(USD|\$).*' THEN 'USD'
        ELSE NULL
    END;

-- Currency column values ("F CFA", "Franc CFA", "dollars US", "euro") as ISO codes; unknown text kept upper-cased.
CREATE OR REPLACE TEMP MACRO parse_currency(txt) AS
    CASE
        WHEN txt IS NULL OR trim(txt) = '' THEN NULL
        WHEN cell_currency(txt) IS NOT NULL THEN cell_currency(txt)
        WHEN strip_accents(lower(txt)) SIMILAR TO '.*(franc|francs) cfa.*' THEN 'XOF'
        WHEN strip_accents(lower(txt)) SIMILAR TO '.*(dollar|dollars).*' THEN 'USD'
        ELSE upper(trim(txt))
    END;

CREATE OR REPLACE TEMP MACRO month_number(name) AS
    (list_position(
        ['janvier', 'fevrier', 'mars', 'avril', 'mai', 'juin', 'juillet', 'aout', 'septembre', 'octobre', 'novembre', 'decembre',
         'january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'],
        strip_accents(lower(name))) - 1) % 12 + 1;

-- dd/mm/yyyy, dd-mm-yyyy, yyyy-mm-dd[ time], Excel serial numbers, "22 novembre 2016", "1er décembre 2014" -> DATE.
CREATE OR REPLACE TEMP MACRO parse_date(txt) AS
    CASE
        WHEN trim(txt) SIMILAR TO '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T].*)?' THEN TRY_CAST(TRY_STRPTIME(left(trim(txt), 10), '%Y-%m-%d') AS DATE)
        WHEN trim(txt) SIMILAR TO '[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{4}( .*)?' THEN TRY_CAST(TRY_STRPTIME(regexp_replace(split_part(trim(txt), ' ', 1), '[.-]', '/', 'g'), '%d/%m/%Y') AS DATE)
        WHEN trim(txt) SIMILAR TO '[0-9]{5}(\.[0-9]+)?' AND TRY_CAST(trim(txt) AS DOUBLE) BETWEEN 20000 AND 80000
            THEN CAST(DATE '1899-12-30' + to_days(CAST(floor(CAST(trim(txt) AS DOUBLE)) AS INTEGER)) AS DATE)
        WHEN strip_accents(lower(trim(txt))) SIMILAR TO '[0-9]{1,2}(er)? [a-z]+ [0-9]{4}'
            THEN TRY_CAST(make_date(
                CAST(regexp_extract(trim(txt), '([0-9]{4})$', 1) AS INTEGER),
                month_number(regexp_extract(strip_accents(lower(trim(txt))), '^[0-9]{1,2}(er)? ([a-z]+) ', 2)),
                CAST(regexp_extract(trim(txt), '^([0-9]{1,2})', 1) AS INTEGER)) AS DATE)
        ELSE NULL
    END;

-- Whole numbers such as beneficiary counts or years ("1 250", "2 020,0").
CREATE OR REPLACE TEMP MACRO parse_integer(txt) AS
    CASE WHEN parse_amount(txt) = floor(parse_amount(txt)) THEN CAST(parse_amount(txt) AS BIGINT) END;

-- Percentages ("30%", "30 %", "0,3") -> share between 0 and 1.
CREATE OR REPLACE TEMP MACRO parse_share(txt) AS
    CASE
        WHEN trim(txt) SIMILAR TO '.*%' THEN parse_amount(rtrim(trim(txt), '% ')) / 100
        WHEN parse_amount(txt) > 1 THEN parse_amount(txt) / 100
        ELSE parse_amount(txt)
    END;
