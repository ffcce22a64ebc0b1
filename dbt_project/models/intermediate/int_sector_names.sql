-- Every name a sector is recognised by (labels, DAC code, FTS cluster, aliases), keyed without case, accents
-- or punctuation.
{{ names_by_key('sectors', 'sector_id', ['label_fr', 'label_en', 'dac_code', 'fts_global_cluster'], 'aliases') }}
