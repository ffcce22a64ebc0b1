-- OCHA's 2021 P-codes of Mali's regions and cercles (seed copied from shared/reference), renamed.
select
    concat("P-Code", '@2021') as place_id,
    "P-Code" as pcode,
    '2021' as pcode_version,
    "Valid from date" as valid_from,
    "Admin Level" as admin_level,
    case "Admin Level" when 1 then 'region' when 2 then 'cercle' end as place_level,
    "Name" as place_name,
    nullif("Parent P-Code", 'MLI') as parent_pcode
from {{ ref('mali_pcodes_adm1_adm2_2021') }}
