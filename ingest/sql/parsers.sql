-- Vectorised parsers for values written the way French Excel writes them.
-- Loaded as temporary macros on every ingest connection (see ingest/values.py).

-- "1 200 000 FCFA", "1.200.000", "1 200 000,50", "(1 500)", "$2,000,000.00" -> DOUBLE (NULL if not a number).
-- One comma alone is a decimal comma (French); one dot followed by exactly three digits is a thousands dot.
-- Written for speed (millions of cells): spaces are removed without regex, and the unit-word regex only
-- runs on cells that hold something else than digits, separators and signs.
CREATE OR REPLACE TEMP MACRO amount_nospace(txt) AS
    replace(replace(replace(replace(trim(txt), ' ', ''), chr(160), ''), chr(8239), ''), '''', '');

CREATE OR REPLACE TEMP MACRO amount_digits_of(s) AS
    CASE
        WHEN regexp_full_match(s, '[0-9.,()+\-−]*') THEN s
        ELSE regexp_replace(upper(s), '(MILLIONS?|MILLIARDS?|FRANCS?|DE|D''|FCFA|CFA|XOF|EUROS?|EUR|€|US\$|USD|\$|F)', '', 'g')
    END;

CREATE OR REPLACE TEMP MACRO amount_digits(txt) AS amount_digits_of(amount_nospace(txt));

CREATE OR REPLACE TEMP MACRO separator_count(d, sep) AS length(d) - length(replace(d, sep, ''));

CREATE OR REPLACE TEMP MACRO amount_unsigned(digits) AS list_transform([digits], lambda d:
    CASE
        WHEN NOT regexp_full_match(d, '[0-9.,]+') THEN NULL
        WHEN separator_count(d, ',') = 0 AND separator_count(d, '.') = 0 THEN d
        WHEN separator_count(d, ',') > 0 AND separator_count(d, '.') > 0 THEN
            CASE WHEN strpos(reverse(d), ',') < strpos(reverse(d), '.')
                 THEN replace(replace(d, '.', ''), ',', '.')   -- 1.200.000,50
                 ELSE replace(d, ',', '') END                   -- 2,000,000.00
        WHEN separator_count(d, ',') = 1 THEN replace(d, ',', '.')
        WHEN separator_count(d, ',') > 1 THEN replace(d, ',', '')
        WHEN separator_count(d, '.') > 1 THEN replace(d, '.', '')
        WHEN regexp_full_match(d, '[0-9]{1,3}\.[0-9]{3}') THEN replace(d, '.', '')
        ELSE d
    END)[1];

-- "3,5 millions", "1,2 milliard de FCFA": the unit written in the cell scales the number.
CREATE OR REPLACE TEMP MACRO cell_scale(txt) AS
    CASE
        WHEN NOT contains(lower(txt), 'milli') THEN 1
        WHEN contains(lower(txt), 'milliard') THEN 1e9
        WHEN contains(lower(txt), 'million') THEN 1e6
        ELSE 1
    END;

-- From the cleaned digits of a cell (see amount_digits): sign by leading minus or accounting parentheses.
-- Sign and unsigned digits of cleaned digits. The ingest SQL materialises these as columns first: a macro's
-- argument is inlined wherever the macro uses it, so passing expressions would recompute them many times.
CREATE OR REPLACE TEMP MACRO amount_is_negative(d) AS
    starts_with(d, '(') OR starts_with(d, '-') OR starts_with(d, '−');

CREATE OR REPLACE TEMP MACRO amount_strip_sign(d) AS
    replace(replace(replace(replace(replace(d, '(', ''), ')', ''), '-', ''), '−', ''), '+', '');

CREATE OR REPLACE TEMP MACRO amount_value(unsigned, negative) AS
    CASE WHEN negative THEN -1 ELSE 1 END * TRY_CAST(amount_unsigned(unsigned) AS DOUBLE);

CREATE OR REPLACE TEMP MACRO amount_from_digits(d) AS amount_value(amount_strip_sign(d), amount_is_negative(d));

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
        WHEN trim(txt) SIMILAR TO '[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{4}( .*)?' THEN TRY_CAST(TRY_STRPTIME(regexp_replace(split_part(trim(txt), ' ', 1), '[.-]', '/', 'g'), '%d/%m/%Y') AS DATE)
        WHEN trim(txt) SIMILAR TO '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T].*)?' THEN TRY_CAST(TRY_STRPTIME(left(trim(txt), 10), '%Y-%m-%d') AS DATE)
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
CREATE OR REPLACE TEMP MACRO integer_value(unsigned, negative) AS
    list_transform([amount_value(unsigned, negative)], lambda v: CASE WHEN v = floor(v) THEN CAST(v AS BIGINT) END)[1];

CREATE OR REPLACE TEMP MACRO parse_integer(txt) AS
    integer_value(amount_strip_sign(amount_digits(txt)), amount_is_negative(amount_digits(txt)));

-- Percentages ("30%", "30 %", "0,3", "25") -> share between 0 and 1.
CREATE OR REPLACE TEMP MACRO share_value(txt, unsigned, negative) AS
    CASE
        WHEN contains(txt, '%') THEN amount_value(replace(unsigned, '%', ''), negative) / 100
        WHEN amount_value(unsigned, negative) > 1 THEN amount_value(unsigned, negative) / 100
        ELSE amount_value(unsigned, negative)
    END;

CREATE OR REPLACE TEMP MACRO parse_share(txt) AS
    share_value(txt, amount_strip_sign(amount_digits(txt)), amount_is_negative(amount_digits(txt)));
