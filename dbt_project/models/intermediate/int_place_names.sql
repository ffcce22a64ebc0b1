-- Every spelling a place is recognised by (its P-code name and the seeded variants), keyed without case,
-- accents or punctuation. A key names one place per level.
with pcodes as (
    select * from {{ ref('stg_reference__admin_pcodes') }}
),

place_name_variants as (
    select * from {{ ref('place_name_variants') }}
),

names as (
    select {{ name_key('place_name') }} as name_key, pcode, admin_level, parent_pcode
    from pcodes
    union
    select {{ name_key('variant.variant') }}, place.pcode, place.admin_level, place.parent_pcode
    from place_name_variants as variant
    inner join pcodes as place on place.pcode = variant.pcode
)

select * from names
