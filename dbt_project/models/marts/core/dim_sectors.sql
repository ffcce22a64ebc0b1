-- Grain: one row per sector of our list (seed sectors), with its DAC code, FTS cluster and nutrition category.
select sector_id, label_fr, label_en, dac_code, fts_global_cluster, nutrition_category
from {{ ref('sectors') }}
