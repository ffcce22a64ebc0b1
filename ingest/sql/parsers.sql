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

-- From the cleaned digits of a cell (see amount_digits): sign by leading minus or accounting parentheses.
CREATE OR REPLACE TEMP MACRO amount_from_digits(d) AS
    CASE
        WHEN d SIMILAR TO '\(.*\)' THEN -TRY_CAST(amount_unsigned(trim(d, '()')) AS DOUBLE)
        WHEN d SIMILAR TO '[-−].*' THEN -TRY_CAST(amount_unsigned(ltrim(d, '-−')) AS DOUBLE)
        ELSE TRY_CAST(amount_unsigned(ltrim(d, '+')) AS DOUBLE)
    END;

CREATE OR REPLACE TEMP MACRO parse_amount(txt) AS cell_scale(txt) * amount_from_digits(amount_digits(txt));

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

-- Whole numbers such as beneficiary counts or years ("1 250", "2 020,0"), from cleaned digits.
CREATE OR REPLACE TEMP MACRO integer_from_digits(d) AS
    CASE WHEN amount_from_digits(d) = floor(amount_from_digits(d)) THEN CAST(amount_from_digits(d) AS BIGINT) END;

CREATE OR REPLACE TEMP MACRO parse_integer(txt) AS integer_from_digits(amount_digits(txt));

-- Percentages ("30%", "30 %", "0,3", "25") -> share between 0 and 1, from the cell and its cleaned digits.
CREATE OR REPLACE TEMP MACRO share_from_digits(txt, d) AS
    CASE
        WHEN trim(txt) LIKE '%\%%' ESCAPE '\' THEN amount_from_digits(rtrim(d, '%')) / 100
        WHEN amount_from_digits(d) > 1 THEN amount_from_digits(d) / 100
        ELSE amount_from_digits(d)
    END;

CREATE OR REPLACE TEMP MACRO parse_share(txt) AS share_from_digits(txt, amount_digits(txt));
