"""Mechanism channels and the measurement-debate toolkit.

``ds.Channel`` / ``ds.add_channels`` make each diffusion mechanism an explicit weight
matrix; the constructors here build the literature's standard operationalisations
(learning, emulation, coercion, competition) and, through named international
organizations (``membership``), socialization, mimicry of leaders, standard setting and
conditionality; ``conditional_effect`` gives a channel's effect at moderator values
(resistance). The diagnostics live at the top level:
``ds.horse_race``, ``ds.separability``, ``ds.galton_check``, ``ds.placebo_test``,
``ds.permutation_test``, ``ds.identification_check`` and ``ds.weight_sensitivity``.
"""

from .channels import Channel, add_channels
from .constructors import (
    attribute_weights,
    capability_weights,
    coercion_conditionality,
    coercion_dependence,
    coercion_power,
    competition_similarity,
    competition_trade,
    conditionality_weights,
    dependence_weights,
    emulation_leaders,
    emulation_peers,
    igo_channel,
    leader_weights,
    learning_network,
    learning_success,
    membership_weights,
    network_weights,
    similarity_weights,
    structural_equivalence,
    success_weights,
)
from .membership import (
    P5,
    StandardSetting,
    comembership_weights,
    conditionality,
    mimicry_leaders,
    mimicry_members,
    power_weights,
    socialization,
    standard_setting,
)
from .netinf import netinf, network_leaders, network_stability, rolling_netinf
from .placebo import lead_exposures
from .resistance import channel_terms, conditional_effect
from .sensitivity import k_nearest, threshold, weight_family

__all__ = [
    "Channel", "add_channels", "lead_exposures", "weight_family", "k_nearest", "threshold",
    "success_weights", "network_weights", "membership_weights", "attribute_weights", "leader_weights",
    "dependence_weights", "capability_weights", "conditionality_weights", "structural_equivalence",
    "similarity_weights", "learning_success", "learning_network", "igo_channel", "emulation_peers",
    "emulation_leaders", "coercion_dependence", "coercion_power", "coercion_conditionality",
    "competition_trade", "competition_similarity", "netinf", "rolling_netinf",
    "network_stability", "network_leaders",
    "P5", "StandardSetting", "comembership_weights", "mimicry_leaders", "mimicry_members", "power_weights",
    "socialization", "standard_setting", "conditionality", "conditional_effect", "channel_terms",
]
