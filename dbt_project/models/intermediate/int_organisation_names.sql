-- Every name an organisation is recognised by (acronym, full name, IATI identifier, aliases), keyed without
-- case, accents or punctuation.
{{ names_by_key('organisations', 'org_id', ['acronym', 'full_name', 'iati_ref'], 'aliases') }}
