"""Country data: Correlates of War (incl. IGO v3 per organization), CEPII GeoDist, UN treaty
participation, FCTC dates, COW capitals (the positions of ``ds.plots.country_map``).

Readers take an optional ``path`` and otherwise read the original public files from
``$DIFFUSION_STATS_DATA/<folder>/<file>`` (``cow/``, ``cow_igo/``, ``cepii/``,
``untreaties/``, ``fctc/``); a missing file raises :class:`~diffusion_stats.DataNotAvailableError`.
Units are COW country codes as strings (``"2"`` = United States, ``"255"`` = Germany).
Every reader attaches its row accounting (``ds.accounting(df)``) and warns about rows
it drops.

Examples
--------
>>> from diffusion_stats import countries
>>> countries.clean_name("Germany2")
'Germany'
"""

from .capitals import read_cow_capitals
from .cepii import cepii_weights, read_cepii_dist
from .codes import (
    COW_ISO3_OVERRIDES,
    NAME_OVERRIDES,
    NOT_COW_STATES,
    NameMapping,
    clean_name,
    cow_iso3_table,
    iso3_to_cow,
    names_to_cow,
    names_to_iso3,
)
from .cow import (
    CONTINUITY_MERGES,
    capability_weights,
    read_cow_capabilities,
    read_cow_contiguity,
    read_cow_igo,
    read_cow_mindist,
    read_cow_states,
    read_cow_trade,
    state_years,
    states_in_system,
)
from .igo import (
    COW_REGIONS,
    IGO_STATUS,
    cow_region,
    find_igo,
    igo_catalog,
    igo_members,
    igo_spells,
    read_igo_memberships,
    select_igos,
)
from .treaties import read_fctc, read_un_treaty, un_treaty_index

__all__ = [
    "CONTINUITY_MERGES", "COW_ISO3_OVERRIDES", "NAME_OVERRIDES", "NOT_COW_STATES", "NameMapping",
    "capability_weights", "cepii_weights", "clean_name", "cow_iso3_table", "iso3_to_cow", "names_to_cow",
    "names_to_iso3", "read_cepii_dist", "read_cow_capabilities", "read_cow_contiguity", "read_cow_igo",
    "read_cow_mindist", "read_cow_states", "read_cow_trade", "read_fctc", "read_un_treaty", "state_years",
    "states_in_system", "un_treaty_index", "read_cow_capitals",
    "COW_REGIONS", "IGO_STATUS", "cow_region", "find_igo", "igo_catalog", "igo_members", "igo_spells",
    "read_igo_memberships", "select_igos",
]
