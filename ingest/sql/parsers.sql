-- Vectorised parsers for values written the way French Excel writes them.
-- Loaded as temporary macros on every ingest connection (see ingest/values.py).

-- "1 200 000 FCFA", "1.200.000", "1 200 000,50", "(1 500)", "$2,000,000.00" -> the money type DECIMAL(38, 4), read from
-- the text, never through DOUBLE (NULL if not a number, or beyond 20 digits before the decimal point: no amount is).
-- One comma alone is a decimal comma (French); one dot followed by exactly three digits is a thousands dot.
-- Written for speed (millions of cells): the ingest SQL removes a cell's spaces once (amount_nospace) and passes
-- that column to the *_from_nospace macros; plain French numbers ("1234567,50", "1200000FCFA", most cells) are
-- cast at once, anything else goes through the general rules. A macro's argument is inlined wherever the macro
-- uses it, so the ingest SQL gives these macros columns, never expressions that would be recomputed.
CREATE OR REPLACE TEMP MACRO amount_nospace(txt) AS
    replace(replace(replace(replace(trim(txt), ' ', ''), chr(160), ''), chr(8239), ''), '''', '');

CREATE OR REPLACE TEMP MACRO amount_digits_of(s) AS
    CASE
        WHEN regexp_full_match(s, '[0-9.,()+\-−]*') THEN s
        ELSE regexp_replace(upper(s), '(MILLIONS?|MILLIARDS?|FRANCS?|DE|D''|FCFA|CFA|XOF|EUROS?|EUR|€|US\$|USD|\$|F)', '', 'g')
    END;

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
        WHEN contains(lower(txt), 'milliard') THEN 1000000000
        WHEN contains(lower(txt), 'million') THEN 1000000
        ELSE 1
    END;

-- From cleaned digits (see amount_digits_of): sign by a leading minus or accounting parentheses.
CREATE OR REPLACE TEMP MACRO amount_from_digits(digits) AS list_transform([digits], lambda d:
    CASE WHEN starts_with(d, '(') OR starts_with(d, '-') OR starts_with(d, '−') THEN -1 ELSE 1 END
    * TRY_CAST(amount_unsigned(replace(replace(replace(replace(replace(d, '(', ''), ')', ''), '-', ''), '−', ''), '+', ''))
               AS DECIMAL(24, 4)))[1];

-- A cell's amount from its text and its space-free text s; header_scale applies unless the cell writes its own unit
-- ("3,5 millions"). Plain numbers ("1234567,50", "1200000FCFA": most cells) are cast at once.
-- Scientific notation ("1,5E+09": a spreadsheet's display of a long number) is read, and flagged by the ingest SQL.
CREATE OR REPLACE TEMP MACRO scientific_notation(s) AS regexp_full_match(s, '[+-]?[0-9]+([.,][0-9]+)?[eE][+-]?[0-9]{1,3}');

-- header_scale is a whole number or a decimal literal (1, 1000, 1000000): the product stays DECIMAL, within 38 digits.
CREATE OR REPLACE TEMP MACRO amount_cell(txt, s, header_scale) AS
    CAST(CASE
        WHEN regexp_full_match(s, '[0-9]+(,[0-9]+)?(FCFA|XOF)?')
            THEN TRY_CAST(replace(regexp_extract(s, '^[0-9,]+'), ',', '.') AS DECIMAL(24, 4)) * header_scale
        WHEN scientific_notation(s)
            THEN TRY_CAST(TRY_CAST(replace(s, ',', '.') AS DOUBLE) AS DECIMAL(24, 4)) * header_scale
        ELSE amount_from_digits(amount_digits_of(s)) * CASE WHEN cell_scale(txt) = 1 THEN header_scale ELSE cell_scale(txt) END
    END AS DECIMAL(38, 4));

CREATE OR REPLACE TEMP MACRO parse_amount(txt) AS amount_cell(txt, amount_nospace(txt), 1);

-- Whole numbers such as beneficiary counts or years ("1 250", "2 020,0").
CREATE OR REPLACE TEMP MACRO integer_from_nospace(s) AS
    CASE
        WHEN regexp_full_match(s, '[0-9]{1,18}') THEN CAST(s AS BIGINT)
        ELSE list_transform([amount_from_digits(amount_digits_of(s))],
                            lambda v: CASE WHEN v = floor(v) THEN CAST(v AS BIGINT) END)[1]
    END;

CREATE OR REPLACE TEMP MACRO parse_integer(txt) AS integer_from_nospace(amount_nospace(txt));

-- Percentages ("30%", "30 %", "0,3", "25") -> share between 0 and 1.
CREATE OR REPLACE TEMP MACRO share_from_nospace(s) AS
    list_transform([amount_from_digits(amount_digits_of(replace(s, '%', '')))],
                   lambda v: CASE WHEN contains(s, '%') OR v > 1 THEN v / 100 ELSE v END)[1];

CREATE OR REPLACE TEMP MACRO parse_share(txt) AS share_from_nospace(amount_nospace(txt));

-- Currency written in an amount cell or a header, as an ISO code; 'FCFA' when it names a CFA franc without saying
-- which union's (XOF in West Africa, XAF in Central Africa: inbox.py decides it from the file's country).
-- NULL when none is written. ingest/schemas.py:header_currency says the same in Python.
CREATE OR REPLACE TEMP MACRO currency_named(u) AS
    CASE
        WHEN regexp_matches(u, '\bXOF\b|BCEAO|UEMOA|OUEST|WEST AFRICAN') THEN 'XOF'
        WHEN regexp_matches(u, '\bXAF\b|BEAC|CEMAC|AFRIQUE CENTRALE|CENTRAL AFRICAN') THEN 'XAF'
        WHEN regexp_matches(u, 'F\s*CFA|\bCFA\b') THEN 'FCFA'
        WHEN regexp_matches(u, '\bEUR\b|EURO|€') THEN 'EUR'
        WHEN regexp_matches(u, '\bUSD\b|US\$|\$|DOLLAR') THEN 'USD'
    END;

CREATE OR REPLACE TEMP MACRO cell_currency(txt) AS
    CASE WHEN regexp_matches(txt, '[A-Za-z€$]') THEN currency_named(upper(strip_accents(txt))) END;

-- A cell's text with every digit written 0 when it holds a letter, else NULL: the currency it names is that of this
-- shape (cell_currency reads letters and word boundaries, and a digit stays a digit), so the ingest SQL reads it once
-- per shape of a column ("000 000 000,00 FCFA"), not once per cell.
CREATE OR REPLACE TEMP MACRO currency_shape(txt) AS
    CASE WHEN regexp_matches(txt, '[A-Za-z€$]') THEN
        replace(replace(replace(replace(replace(replace(replace(replace(replace(
            txt, '1', '0'), '2', '0'), '3', '0'), '4', '0'), '5', '0'), '6', '0'), '7', '0'), '8', '0'), '9', '0')
    END;

-- Currency column values ("F CFA", "Franc CFA", "(EUR) - Euro", "dollars US", "gbp") as ISO codes; other text kept
-- upper-cased (and refused as not a currency when it is no ISO code).
CREATE OR REPLACE TEMP MACRO parse_currency(txt) AS
    CASE
        WHEN txt IS NULL OR trim(txt) = '' THEN NULL
        WHEN regexp_full_match(upper(trim(txt)), '[A-Z]{3}') AND upper(trim(txt)) <> 'CFA' THEN upper(trim(txt))
        WHEN regexp_matches(upper(trim(txt)), '^\(?[A-Z]{3}\)\s*[-–:]') AND regexp_extract(upper(trim(txt)), '^\(?([A-Z]{3})\)', 1) <> 'CFA'
            THEN regexp_extract(upper(trim(txt)), '^\(?([A-Z]{3})\)', 1)
        WHEN currency_named(upper(strip_accents(txt))) IS NOT NULL THEN currency_named(upper(strip_accents(txt)))
        ELSE upper(trim(txt))
    END;

CREATE OR REPLACE TEMP MACRO month_number(name) AS
    (list_position(
        ['janvier', 'fevrier', 'mars', 'avril', 'mai', 'juin', 'juillet', 'aout', 'septembre', 'octobre', 'novembre', 'decembre',
         'january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'],
        strip_accents(lower(name))) - 1) % 12 + 1;

-- dd/mm/yyyy, dd-mm-yyyy, yyyy-mm-dd[ time], Excel serial numbers, "22 novembre 2016", "1er décembre 2014" -> DATE.
-- The first branch is the common case, checked with one anchored regex before the general ones.
CREATE OR REPLACE TEMP MACRO parse_date(txt) AS
    CASE
        WHEN regexp_full_match(txt, '[0-9]{2}/[0-9]{2}/[0-9]{4}') THEN TRY_CAST(TRY_STRPTIME(txt, '%d/%m/%Y') AS DATE)
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

-- A deadline as coordination teams write it: a date, or the end of the period meant ("fin juin 2024", "juin 2024",
-- "06/2024" -> 30 June; "T3 2024", "3e trimestre 2024", "Q3 2024" -> 30 September; "S1 2024" -> 30 June;
-- "fin 2024", "2024" -> 31 December). "Immédiat", "En continu" are no date: NULL, their text kept beside.
CREATE OR REPLACE TEMP MACRO deadline_period(t) AS
    CASE
        WHEN regexp_full_match(t, '(fin |end of |avant fin |d.ici fin )?([a-z]+) ([0-9]{4})') AND month_number(regexp_extract(t, '([a-z]+) [0-9]{4}$', 1)) IS NOT NULL
            THEN last_day(make_date(CAST(right(t, 4) AS INTEGER), month_number(regexp_extract(t, '([a-z]+) [0-9]{4}$', 1)), 1))
        WHEN regexp_full_match(t, '(fin )?(0?[1-9]|1[0-2])[/.-]([0-9]{4})')
            THEN last_day(make_date(CAST(right(t, 4) AS INTEGER), CAST(regexp_extract(t, '(0?[1-9]|1[0-2])[/.-][0-9]{4}$', 1) AS INTEGER), 1))
        WHEN regexp_full_match(t, '(fin )?(t|q|trimestre |quarter )?([1-4])(e|er|eme|st|nd|rd|th)?( trimestre| quarter)? ([0-9]{4})')
            THEN last_day(make_date(CAST(right(t, 4) AS INTEGER), 3 * CAST(regexp_extract(t, '([1-4])(e|er|eme|st|nd|rd|th)?( trimestre| quarter)? [0-9]{4}$', 1) AS INTEGER), 1))
        WHEN regexp_full_match(t, '(fin )?(s|h)([12]) ([0-9]{4})|(fin du )?([12])(e|er|eme|st|nd)? (semestre|half) ([0-9]{4})')
            THEN last_day(make_date(CAST(right(t, 4) AS INTEGER), 6 * CAST(regexp_extract(t, '([12])[a-z ]* [0-9]{4}$', 1) AS INTEGER), 1))
        WHEN regexp_full_match(t, '(fin |end of |fin d.annee |courant )?([0-9]{4})') AND CAST(right(t, 4) AS INTEGER) BETWEEN 1990 AND 2100
            THEN make_date(CAST(right(t, 4) AS INTEGER), 12, 31)
    END;

CREATE OR REPLACE TEMP MACRO parse_deadline(txt) AS
    coalesce(parse_date(txt), deadline_period(regexp_replace(strip_accents(lower(trim(txt))), '\s+', ' ', 'g')));
